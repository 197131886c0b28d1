#!/usr/bin/env python3
"""listener.py - the far side of the shim tests: accept everything, write down every arrival.

    listener.py LOG tcp:PORT... udp:PORT... unix:PATH...

TCP and UDP listen on [::] dual-stack, so inside the test's network namespace (where every
address is local) they catch a connection or datagram to any address, and the log line names
the address it was sent to: "tcp 169.254.169.254 8080", "udp ::1 9000", "unix /tmp/x.sock".
A test proves a denial by the absence of its line, and an allowed twin by its presence.
The first spec is the harness's marker: when it arrives together with others, it is written
last, so everything sent before the marker is in the log once the marker is.
"""
import os
import selectors
import socket
import struct
import sys


def plain(addr):
    return addr[7:] if addr.startswith("::ffff:") and "." in addr else addr


def main():
    log = open(sys.argv[1], "a", buffering=1)
    sel = selectors.DefaultSelector()
    for spec in sys.argv[2:]:
        kind, _, arg = spec.partition(":")
        if kind == "unix":
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            if arg.startswith("@"):
                s.bind("\0" + arg[1:])
            else:
                if os.path.exists(arg):
                    os.unlink(arg)
                s.bind(arg)
            s.listen(64)
            sel.register(s, selectors.EVENT_READ, ("unix", arg))
            continue
        typ = socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM
        s = socket.socket(socket.AF_INET6, typ)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        if kind == "udp":
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
        else:
            s.setsockopt(socket.IPPROTO_TCP, 23, 16)  # TCP_FASTOPEN: accept Fast Open
        s.bind(("::", int(arg)))
        if kind == "tcp":
            s.listen(128)
        sel.register(s, selectors.EVENT_READ, (kind, arg))
    print("ready", file=log)
    marker = sys.argv[2]  # the harness's sync marker: handle it after everything else
    while True:
        ready = sorted(sel.select(), key=lambda kv: kv[0].data == tuple(marker.split(":", 1)))
        for key, _ in ready:
            s, (kind, arg) = key.fileobj, key.data
            if kind == "unix":
                c, _ = s.accept()
                print("unix", arg, file=log)
                c.close()
            elif kind == "tcp":
                c, _ = s.accept()
                print("tcp", plain(c.getsockname()[0]), arg, file=log)
                c.close()
            else:
                data, anc, _, _ = s.recvmsg(2048, socket.CMSG_SPACE(20))
                dst = "?"
                for level, typ, val in anc:
                    if level == socket.IPPROTO_IPV6 and typ == socket.IPV6_PKTINFO:
                        dst = plain(socket.inet_ntop(socket.AF_INET6, val[:16]))
                print("udp", dst, arg, file=log)


if __name__ == "__main__":
    main()
