#!/usr/bin/env python3
"""dnsq.py - a resolver of its own, for tests/shell/relay.sh: DNS messages written and read
here (no libc lookup), the ways resolvers send them, then a TCP connect to the answer.

    dnsq.py MODE SERVER PORT NAME...

MODE: sendto (an unconnected socket, sendto and recvfrom, as musl does), sendmsg (the same
with sendmsg), inflight (a connected socket, every NAME's query sent before any answer is
read; EDNS0), sendmmsg (every NAME's query in one sendmmsg, each with SERVER's address),
tcp (over TCP), edns (an EDNS0 query that takes 4,096 bytes over UDP), truncated
(over UDP as glibc does, and over TCP when the answer says TC), many (DNSQ_COUNT lookups of
each NAME, each on a socket of its own, connected, as glibc makes them; with DNSQ_HOLD=FILE,
"held" is printed after them and FILE waited for).  Over UDP the answer must come
from SERVER port 53, as resolvers insist.  Then a TCP connect to the first answer of each NAME,
on PORT.  Prints "ok ADDR..." or "err WHAT" (exit 1).
"""
import ctypes
import os
import random
import socket
import struct
import sys
import time


def query(name, qid, edns=0):
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 1 if edns else 0)
    q += b"".join(bytes([len(p)]) + p.encode() for p in name.split(".") if p) + b"\0"
    q += struct.pack("!HH", 1, 1)
    if edns:
        q += b"\0" + struct.pack("!HHIH", 41, edns, 0, 0)
    return q


def skip_name(msg, pos):
    while msg[pos]:
        if msg[pos] & 0xC0 == 0xC0:
            return pos + 2
        pos += 1 + msg[pos]
    return pos + 1


def answers(msg):
    """The A records of msg, and whether it is truncated."""
    flags, qd, an = struct.unpack("!HHH", msg[2:8])
    pos = 12
    for _ in range(qd):
        pos = skip_name(msg, pos) + 4
    out = []
    for _ in range(an):
        pos = skip_name(msg, pos)
        typ, _, _, n = struct.unpack("!HHIH", msg[pos:pos + 10])
        pos += 10
        if typ == 1:
            out.append(socket.inet_ntoa(msg[pos:pos + n]))
        pos += n
    return out, bool(flags & 0x0200)


def read_tcp(s):
    def full(n):
        b = b""
        while len(b) < n:
            more = s.recv(n - len(b))
            if not more:
                raise OSError("connection closed")
            b += more
        return b
    return full(struct.unpack("!H", full(2))[0])


def over_tcp(server, name):
    fam = socket.AF_INET6 if ":" in server else socket.AF_INET
    with socket.create_connection((server, 53), timeout=5) as s:
        q = query(name, random.randrange(65536))
        s.sendall(struct.pack("!H", len(q)) + q)
        return answers(read_tcp(s))[0]


class Iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


class Msghdr(ctypes.Structure):
    _fields_ = [("name", ctypes.c_void_p), ("namelen", ctypes.c_uint32),
                ("iov", ctypes.POINTER(Iovec)), ("iovlen", ctypes.c_size_t),
                ("control", ctypes.c_void_p), ("controllen", ctypes.c_size_t),
                ("flags", ctypes.c_int)]


class Mmsghdr(ctypes.Structure):
    _fields_ = [("hdr", Msghdr), ("len", ctypes.c_uint)]


def sendmmsg(s, server, datagrams):
    """Every datagram in one sendmmsg(2), each with server:53 as its destination."""
    libc = ctypes.CDLL(None, use_errno=True)
    if ":" in server:
        sa = struct.pack("=H", socket.AF_INET6) + struct.pack("!H", 53) + b"\0" * 4 + \
            socket.inet_pton(socket.AF_INET6, server) + b"\0" * 4
    else:
        sa = struct.pack("=H", socket.AF_INET) + struct.pack("!H", 53) + \
            socket.inet_pton(socket.AF_INET, server) + b"\0" * 8
    name = ctypes.create_string_buffer(sa, len(sa))
    bufs = [ctypes.create_string_buffer(d, len(d)) for d in datagrams]
    iovs = [Iovec(ctypes.cast(b, ctypes.c_void_p), len(d)) for b, d in zip(bufs, datagrams)]
    vec = (Mmsghdr * len(datagrams))()
    for i, v in enumerate(iovs):
        vec[i].hdr.name = ctypes.cast(name, ctypes.c_void_p)
        vec[i].hdr.namelen = len(sa)
        vec[i].hdr.iov = ctypes.pointer(v)
        vec[i].hdr.iovlen = 1
    n = libc.sendmmsg(s.fileno(), vec, len(datagrams), 0)
    if n != len(datagrams) or any(vec[i].len != len(d) for i, d in enumerate(datagrams)):
        raise OSError(ctypes.get_errno(), "sendmmsg sent %d of %d" % (n, len(datagrams)))


def main():
    mode, server, port, names = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    fam = socket.AF_INET6 if ":" in server else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(float(os.environ.get("DNSQ_TIMEOUT", "5")))
    got = {}
    ids = {random.randrange(65536): n for n in names}
    try:
        if mode == "tcp":
            got = {n: over_tcp(server, n) for n in names}
        elif mode == "sendmmsg":
            sendmmsg(s, server, [query(n, qid, 4096) for qid, n in ids.items()])
            while len(got) < len(names):
                msg, src = s.recvfrom(65535)
                if src[:2] != (server, 53):
                    print("err the answer came from %s:%d" % src[:2])
                    return 1
                got[ids[struct.unpack("!H", msg[:2])[0]]] = answers(msg)[0]
        elif mode == "many":
            for _ in range(int(os.environ.get("DNSQ_COUNT", "1"))):
                for n in names:
                    with socket.socket(fam, socket.SOCK_DGRAM) as c:
                        c.settimeout(s.gettimeout())
                        c.connect((server, 53))
                        qid = random.randrange(65536)
                        c.send(query(n, qid))
                        msg, src = c.recvfrom(65535)
                        if src[:2] != (server, 53) or struct.unpack("!H", msg[:2])[0] != qid:
                            print("err an answer from %s:%d, not to the query" % src[:2])
                            return 1
                        got[n] = answers(msg)[0]
            hold = os.environ.get("DNSQ_HOLD")
            if hold:
                print("held", flush=True)
                while not os.path.exists(hold):
                    time.sleep(0.05)
        elif mode == "inflight":
            s.connect((server, 53))
            for qid, n in ids.items():
                s.send(query(n, qid, 4096))
            while len(got) < len(names):
                msg, src = s.recvfrom(65535)
                qid = struct.unpack("!H", msg[:2])[0]
                if src[:2] != (server, 53):
                    print("err the answer came from %s:%d" % src[:2])
                    return 1
                got[ids[qid]] = answers(msg)[0]
        else:
            for qid, n in ids.items():
                q = query(n, qid, 4096 if mode == "edns" else 0)
                if mode == "sendmsg":
                    s.sendmsg([q[:5], q[5:]], [], 0, (server, 53))
                else:
                    s.sendto(q, (server, 53))
                msg, src = s.recvfrom(65535)
                if src[:2] != (server, 53):
                    print("err the answer came from %s:%d" % src[:2])
                    return 1
                addrs, tc = answers(msg)
                if tc and mode == "truncated":
                    addrs = over_tcp(server, n)
                elif tc:
                    print("err truncated")
                    return 1
                got[n] = addrs
    except OSError as e:
        print("err", e)
        return 1
    for n in names:
        if not got.get(n):
            print("err no answer for", n)
            return 1
        try:
            socket.create_connection((got[n][0], port), timeout=5).close()
        except OSError as e:
            print("err connect", got[n][0], e)
            return 1
    print("ok", " ".join("%s=%d" % (n, len(got[n])) for n in names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
