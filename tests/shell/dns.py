#!/usr/bin/env python3
"""dns.py - the tests' own DNS server: answers from a zone file, over UDP and TCP.

    dns.py LOG ADDR PORT ZONE

ZONE has one record a line, "NAME TYPE VALUE" (A, AAAA or CNAME; "#" starts a comment; a name
may have many), "NAME BAD KIND" for an answer broken on purpose (KIND: "pointer", a compression
pointer that points at itself; "length", a record longer than the message; "count", 10,000
records claimed; "many", 5,000 records sent), "NAME FORGE OTHER=ADDR" for a name whose answer
comes after one nobody asked for (another id, OTHER's A record ADDR: what an off-path forger
sends), and
"NAME SERIES FIRST" for names "<prefix>N.<rest>" made on the fly: "many.njdns.example SERIES
127.1.0.0" answers nN.many.njdns.example with A FIRST + N (for tests that need thousands of
names).  A CNAME is followed inside the zone, each link in the answer section before the
final addresses, as a recursive resolver gives them.  A name the zone does not hold is
NXDOMAIN; a name it holds with no record of the asked type is an empty NOERROR answer.
An answer over UDP longer than the asker can take (512 bytes, or what its EDNS0 record says)
is sent truncated (TC, no records), which sends the asker to TCP.
Every query is written to LOG ("query NAME TYPE", and " tcp" after it over TCP), so a test
can tell a lookup that reached
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
        elif typ in ("BAD", "FORGE"):
            zone.setdefault(name, []).append((typ, value))
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


def broken(kind, head, question):
    """An answer to question that no parser may accept (dns.py's zone: NAME BAD KIND)."""
    qid, flags = head
    if kind == "pointer":  # a name that is a pointer to itself
        at = 12 + len(question)
        return struct.pack("!HHHHHH", qid, 0x8480, 1, 1, 0, 0) + question + \
            struct.pack("!H", 0xC000 | at) + struct.pack("!HHIH", 1, 1, 60, 4) + b"\x7f\0\0\x63"
    if kind == "length":  # rdlength past the end
        return struct.pack("!HHHHHH", qid, 0x8480, 1, 1, 0, 0) + question + \
            b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 400) + b"\x7f\0\0\x63"
    if kind == "count":  # 10,000 records claimed, one sent
        return struct.pack("!HHHHHH", qid, 0x8480, 1, 10000, 0, 0) + question + \
            b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + b"\x7f\0\0\x63"
    # many: 5,000 records, more than a parser should walk
    rec = b"\xc0\x0c" + struct.pack("!HHIH", 16, 1, 60, 0)
    return struct.pack("!HHHHHH", qid, 0x8480, 1, 5000, 0, 0) + question + rec * 5000


def forged(zone, series, query):
    """The answer nobody asked for that a FORGE name draws, or None."""
    if len(query) < 12:
        return None
    pos, labels = 12, []
    while pos < len(query) and query[pos]:
        labels.append(query[pos + 1:pos + 1 + query[pos]].decode("ascii", "replace"))
        pos += 1 + query[pos]
    forge = [v for t, v in (records(zone, series, ".".join(labels).lower()) or [])
             if t == "FORGE"]
    if not forge:
        return None
    other, addr = forge[0].split("=")
    qid = (struct.unpack("!H", query[:2])[0] + 1) & 0xFFFF
    return struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0) + wire(other) + \
        struct.pack("!HH", A, 1) + b"\xc0\x0c" + struct.pack("!HHIH", A, 1, 60, 4) + \
        socket.inet_pton(socket.AF_INET, addr)


def room(query, pos):
    """What the asker can take over UDP: 512 bytes, or its EDNS0 (OPT) record's size."""
    arcount = struct.unpack("!H", query[10:12])[0]
    opt = query[pos + 5:]
    if arcount and len(opt) >= 11 and opt[0] == 0 and struct.unpack("!H", opt[1:3])[0] == 41:
        return max(512, struct.unpack("!H", opt[3:5])[0])
    return 512


def answer(zone, series, query, log, tcp=False):
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
    log.write("query %s %s%s\n" % (name, {A: "A", AAAA: "AAAA"}.get(qtype, qtype),
                                     " tcp" if tcp else ""))
    bad = [v for t, v in (records(zone, series, name) or []) if t == "BAD"]
    if bad:
        return broken(bad[0], (qid, flags), question)
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
        out += [(name, t, v) for t, v in recs if t == qtype and t not in ("BAD", "FORGE")]
        break
    head = struct.pack("!HHHHHH", qid, 0x8480 | (flags & 0x0100) | rcode, 1, len(out), 0, 0)
    body = b"".join(wire(n) + struct.pack("!HHIH", t, 1, 60, len(rdata(t, v))) + rdata(t, v)
                    for n, t, v in out)
    if not tcp and len(head + question + body) > room(query, pos):
        return struct.pack("!HHHHHH", qid, 0x8680 | (flags & 0x0100) | rcode, 1, 0, 0, 0) + \
            question
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
                query, peer = udp.recvfrom(65535)
                lie = forged(zone, series, query)
                if lie:
                    udp.sendto(lie, peer)
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
                    reply = answer(zone, series, query, log, tcp=True)
                    if not reply:
                        break
                    conn.sendall(struct.pack("!H", len(reply)) + reply)
            except OSError:
                pass
            conn.close()


if __name__ == "__main__":
    main()
