#!/usr/bin/env python3
"""ctypes_example.py - netjail's rules engine from Python, through ctypes.

    python3 ctypes_example.py [IP:PORT | [IPv6]:PORT ...]

Loads libnetjail-rules.so (NETJAIL_RULES_LIB names it; otherwise the installed
libnetjail-rules.so.1 is found the usual way), parses "allow @public", prints the
decision and its reason for a few addresses, then opens a TCP socket to each target given
and connects it with netjail_connect on sock.fileno(): a target the rules refuse fails
with EACCES before any packet leaves.  Exit status 0 when every target connected, 1 when
any was refused or failed.
"""
import ctypes
import ctypes.util
import errno
import os
import socket
import struct
import sys

PROTO_ANY, PROTO_TCP, PROTO_UDP = 0, 6, 17


class NetjailError(ctypes.Structure):
    _fields_ = [("line", ctypes.c_uint), ("col", ctypes.c_uint),
                ("message", ctypes.c_char * 512)]


def load_library():
    name = os.environ.get("NETJAIL_RULES_LIB") or ctypes.util.find_library("netjail-rules") \
        or "libnetjail-rules.so.1"
    lib = ctypes.CDLL(name, use_errno=True)
    rules_p = ctypes.c_void_p  # struct netjail_rules *: opaque
    lib.netjail_rules_parse.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p,
                                        ctypes.POINTER(rules_p), ctypes.POINTER(NetjailError)]
    lib.netjail_rules_parse.restype = ctypes.c_int
    lib.netjail_rules_free.argtypes = [rules_p]
    lib.netjail_rules_free.restype = None
    lib.netjail_decide.argtypes = [rules_p, ctypes.c_char_p, ctypes.c_uint, ctypes.c_int]
    lib.netjail_decide.restype = ctypes.c_int
    lib.netjail_explain.argtypes = [rules_p, ctypes.c_char_p, ctypes.c_uint, ctypes.c_int,
                                    ctypes.c_char_p, ctypes.c_size_t]
    lib.netjail_explain.restype = ctypes.c_int
    lib.netjail_connect.argtypes = [rules_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    lib.netjail_connect.restype = ctypes.c_int
    return lib


def sockaddr(host, port):
    """The bytes of a struct sockaddr_in or sockaddr_in6, as the C library takes them."""
    if ":" in host:
        return struct.pack("=HHI16sI", socket.AF_INET6, socket.htons(port), 0,
                           socket.inet_pton(socket.AF_INET6, host), 0)
    return struct.pack("=HH4s8x", socket.AF_INET, socket.htons(port),
                       socket.inet_pton(socket.AF_INET, host))


def split_target(target):
    host, _, port = target.rpartition(":")
    return host.strip("[]"), int(port)


def main():
    lib = load_library()
    text = b"allow @public\n"
    rules = ctypes.c_void_p()
    err = NetjailError()
    if lib.netjail_rules_parse(text, len(text), b"python", ctypes.byref(rules),
                               ctypes.byref(err)) != 0:
        sys.exit("ctypes_example: " + err.message.decode())

    why = ctypes.create_string_buffer(300)
    for host, port in [("8.8.8.8", 443), ("127.0.0.1", 80), ("169.254.169.254", 80),
                       ("::ffff:127.0.0.1", 80), ("64:ff9b::808:808", 443),
                       ("64:ff9b::a9fe:a9fe", 80)]:
        sa = sockaddr(host, port)
        verdict = lib.netjail_explain(rules, sa, len(sa), PROTO_TCP, why, len(why))
        print("%s %s port %d: %s" % ({1: "allow", 0: "deny"}.get(verdict, "error"), host,
                                     port, why.value.decode()))

    failed = 0
    for target in sys.argv[1:]:
        host, port = split_target(target)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as s:
            sa = sockaddr(host, port)
            if lib.netjail_connect(rules, s.fileno(), sa, len(sa)) != 0:
                e = ctypes.get_errno()
                print("%s: refused: %s" % (target, os.strerror(e)) if e == errno.EACCES
                      else "%s: connect: %s" % (target, os.strerror(e)))
                failed = 1
                continue
            print("%s: connected" % target)
    lib.netjail_rules_free(rules)
    return failed


if __name__ == "__main__":
    sys.exit(main())
