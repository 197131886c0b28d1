#!/usr/bin/env python3
"""dns.py - the tests' own DNS server: answers from a zone file, over UDP and TCP.

    dns.py LOG ADDR PORT ZONE

ZONE has one record a line, "NAME TYPE VALUE" (A, AAAA or CNAME; "#" starts a comment), and
"NAME SERIES FIRST" for names "<prefix>N.<rest>" made on the fly: "many.njdns.example SERIES
127.1.0.0" answers nN.many.njdns.example with A FIRST + N (for tests that need thousands of
names).  A CNAME is followed inside the zone, each link in the answer section before the
final addresses, as a recursive resolver gives them.  A name the zone does not hold is
NXDOMAIN; a name it holds with no record of the asked type is an empty NOERROR answer.
Every query is written to LOG ("query NAME TYPE"), so a test can tell a lookup that reached
the resolver from one that did not; "ready" once it listens (on TCP too, unless a listener
on every address holds the port: then UDP only, which is what glibc asks first).  Runs inside the test's
network namespace only: it never forwards a query anywhere.
"""
import ipaddress
import selectors
import socket
import struct
import sys

A, CNAME, AAAA = 1, 5, 28
TYPES = {"A": A, "AAAA": AAAA, "CNAME": CNAME}


def load(path):
    zone, series = {}, {}
    for line in open(path):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        name, typ, value = words[0].lower().rstrip("."), words[1].upper(), words[2]
        if typ == "SERIES":
            series[name] = int(ipaddress.IPv4Address(value))
        else:
            zone.setdefault(name, []).append((TYPES[typ], value))
    return zone, series


def records(zone, series, name):
    if name in zone:
        return zone[name]
    head, _, rest = name.partition(".")
    if rest in series and head[:1] == "n" and head[1:].isdigit():
        return [(A, str(ipaddress.IPv4Address(series[rest] + int(head[1:]))))]
    return None


def wire(name):
    return b"".join(bytes([len(p)]) + p.encode() for p in name.split(".") if p) + b"\0"


def rdata(typ, value):
    if typ == A:
        return socket.inet_pton(socket.AF_INET, value)
    if typ == AAAA:
        return socket.inet_pton(socket.AF_INET6, value)
    return wire(value.lower().rstrip("."))


def answer(zone, series, query, log):
    if len(query) < 12:
        return None
    qid, flags = struct.unpack("!HH", query[:4])
    pos, labels = 12, []
    while pos < len(query) and query[pos]:
        n = query[pos]
        labels.append(query[pos + 1:pos + 1 + n].decode("ascii", "replace"))
        pos += 1 + n
    qtype = struct.unpack("!H", query[pos + 1:pos + 3])[0]
    question = query[12:pos + 5]
    name = ".".join(labels).lower()
    log.write("query %s %s\n" % (name, {A: "A", AAAA: "AAAA"}.get(qtype, qtype)))
    out, rcode, seen = [], 0, set()
    while name not in seen:
        seen.add(name)
        recs = records(zone, series, name)
        if recs is None:
            rcode = 3 if not out else 0
            break
        cname = [v for t, v in recs if t == CNAME]
        if cname and qtype != CNAME:
            out.append((name, CNAME, cname[0]))
            name = cname[0].lower().rstrip(".")
            continue
        out += [(name, t, v) for t, v in recs if t == qtype]
        break
    head = struct.pack("!HHHHHH", qid, 0x8480 | (flags & 0x0100) | rcode, 1, len(out), 0, 0)
    body = b"".join(wire(n) + struct.pack("!HHIH", t, 1, 60, len(rdata(t, v))) + rdata(t, v)
                    for n, t, v in out)
    return head + question + body


def main():
    log = open(sys.argv[1], "a", buffering=1)
    addr, port = sys.argv[2], int(sys.argv[3])
    zone, series = load(sys.argv[4])
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    # (a suite's listener may hold the port on every address: ours, on one, is the more
    # specific, so it is the one the kernel delivers to)
    udp = socket.socket(fam, socket.SOCK_DGRAM)
    udp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    udp.bind((addr, port))
    sel = selectors.DefaultSelector()
    sel.register(udp, selectors.EVENT_READ)
    tcp = socket.socket(fam, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        tcp.bind((addr, port))
        tcp.listen(64)
        sel.register(tcp, selectors.EVENT_READ)
    except OSError:
        log.write("tcp: port taken by a listener on every address; udp only\n")
    log.write("ready\n")
    while True:
        for key, _ in sel.select():
            if key.fileobj is udp:
                query, peer = udp.recvfrom(4096)
                reply = answer(zone, series, query, log)
                if reply:
                    udp.sendto(reply, peer)
                continue
            conn, _ = tcp.accept()
            conn.settimeout(2)
            try:
                while True:
                    size = conn.recv(2)
                    if len(size) < 2:
                        break
                    n = struct.unpack("!H", size)[0]
                    query = b""
                    while len(query) < n:
                        more = conn.recv(n - len(query))
                        if not more:
                            break
                        query += more
                    reply = answer(zone, series, query, log)
                    if not reply:
                        break
                    conn.sendall(struct.pack("!H", len(reply)) + reply)
            except OSError:
                pass
            conn.close()


if __name__ == "__main__":
    main()
