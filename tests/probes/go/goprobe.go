// goprobe.go - a Go program for tests/shell/supervise.sh: Go makes its system calls itself, without
// libc, so no preload sees them; netjail run --supervise must.  Built by the test with
// CGO_ENABLED=0 (a static binary), standard library only.
//
//	goprobe tcp ADDR:PORT    net.Dial: prints "ok" or "err MESSAGE"
//	goprobe udp ADDR:PORT    one datagram with WriteTo (sendto with a destination)
package main

import (
	"fmt"
	"net"
	"os"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: goprobe tcp|udp ADDR:PORT")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "tcp":
		var c net.Conn
		if c, err = net.Dial("tcp", os.Args[2]); err == nil {
			c.Close()
		}
	case "udp":
		var to *net.UDPAddr
		var pc net.PacketConn
		if to, err = net.ResolveUDPAddr("udp", os.Args[2]); err == nil {
			if pc, err = net.ListenPacket("udp4", "127.0.0.1:0"); err == nil {
				_, err = pc.WriteTo([]byte("goprobe"), to)
				pc.Close()
			}
		}
	default:
		os.Exit(2)
	}
	if err != nil {
		fmt.Println("err", err)
		os.Exit(1)
	}
	fmt.Println("ok")
}
