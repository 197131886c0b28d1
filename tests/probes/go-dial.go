// go-dial.go - a Go program for the tests: dial ADDR:PORT over TCP, print "ok" or "err ...".
// Built by tests/shell/exec.sh with cgo on (the default), so it is linked dynamically, and yet its
// runtime makes its own system calls: the preload cannot see them.
package main

import (
	"fmt"
	"net"
	"os"
)

func main() {
	c, err := net.Dial("tcp", os.Args[1])
	if err != nil {
		fmt.Println("err", err)
		os.Exit(1)
	}
	c.Close()
	fmt.Println("ok")
}
