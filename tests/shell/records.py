#!/usr/bin/env python3
"""records.py KEY=VALUE... - check the JSON decision records on standard input.

Every line that starts with "{" must be one whole JSON object (SPEC.md §6, NETJAIL_LOG_FORMAT
=json) with "v": 1, a "time" in RFC 3339 UTC, a "pid" and a "prog"; at least one of them must
have every KEY=VALUE given (VALUE compared as text, so port=8080 matches 8080; KEY=* means the
key is present; KEY=- that it is absent).  Prints "ok N" (records read) or what is wrong, and
exits 0 or 1.  Other lines (the program's own output) are passed over.
"""
import json
import re
import sys

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def main():
    want = [a.split("=", 1) for a in sys.argv[1:]]
    records, matched = 0, False
    for line in sys.stdin:
        line = line.rstrip("\n")
        if not line.startswith("{"):
            continue
        try:
            r = json.loads(line)
        except ValueError as e:
            print("not JSON:", e, line)
            return 1
        records += 1
        if r.get("v") != 1 or not TIME.match(str(r.get("time", ""))) or \
                not isinstance(r.get("pid"), int) or "prog" not in r:
            print("a record without v, time, pid or prog:", line)
            return 1
        ok = True
        for k, v in want:
            if v == "*":
                ok = ok and k in r
            elif v == "-":
                ok = ok and k not in r
            else:
                x = r.get(k)
                ok = ok and x is not None and (str(x).lower() if isinstance(x, bool)
                                               else str(x)) == v
        matched = matched or ok
    if records == 0:
        print("no JSON record")
        return 1
    if not matched:
        print("no record has", " ".join("=".join(w) for w in want))
        return 1
    print("ok", records)
    return 0


if __name__ == "__main__":
    sys.exit(main())
