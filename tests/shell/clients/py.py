#!/usr/bin/env python3
"""py.py MODE ARG... - python3's own clients, for tests/shell/clients.sh.

    urllib URL        urllib.request.urlopen(URL)
    tcp HOST PORT     socket.create_connection((HOST, PORT))
    udp HOST PORT     a datagram with socket.sendto to (HOST, PORT)
    ssrf URL          urlopen(URL), and say how it ended: "connected" (it reached a server),
                      "denied: ..." (the connection or its name lookup failed with EACCES) or
                      "python rejects: ..." (python or its resolver refused the URL before
                      any connection was tried)

Errors are printed as python prints them ("[Errno 13] Permission denied"), exit status 1.
"""
import errno
import http.client
import socket
import sys
import urllib.error
import urllib.request


def urlopen(url):
    # no proxy from the environment: the request must go where the URL says
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    return opener.open(url, timeout=5)


def ssrf(url):
    try:
        urlopen(url)
    except urllib.error.URLError as e:
        why = e.reason
        if isinstance(why, OSError) and why.errno == errno.EACCES:
            print("denied:", why)
        elif isinstance(why, (ConnectionResetError, BrokenPipeError)):
            print("connected")  # and the server hung up while the request went out
        elif isinstance(why, OSError) and not isinstance(why, socket.gaierror):
            print("connection failed:", repr(why))
        else:
            print("python rejects:", repr(why))
        return 1
    except (http.client.RemoteDisconnected, ConnectionResetError, http.client.BadStatusLine):
        print("connected")
        return 0
    except (ValueError, http.client.InvalidURL) as e:
        print("python rejects:", repr(e))
        return 1
    print("connected")
    return 0


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "ssrf":
        return ssrf(args[0])
    try:
        if mode == "urllib":
            urlopen(args[0])
        elif mode == "tcp":
            socket.create_connection((args[0], int(args[1])), timeout=5).close()
        elif mode == "udp":
            fam = socket.AF_INET6 if ":" in args[0] else socket.AF_INET
            socket.socket(fam, socket.SOCK_DGRAM).sendto(b"x", (args[0], int(args[1])))
        else:
            print("py.py: unknown mode", mode, file=sys.stderr)
            return 2
    except (OSError, http.client.HTTPException) as e:
        print("python3:", type(e).__name__, e, file=sys.stderr)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
