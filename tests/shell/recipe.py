#!/usr/bin/env python3
"""recipe.py - run a Dockerfile's steps without a Docker daemon (tests/shell/recipes.sh).

    recipe.py build DOCKERFILE CONTEXT WORK   every stage's steps, in order
    recipe.py run WORK [--add HOST:PATH]... [--env NAME=VALUE]... [-- ARG...]
                                              the final image's ENTRYPOINT with ARGs (its CMD
                                              when none), as `docker run` starts it

Each stage's root is this machine's own (the test runs on Debian; musl-tools supplies musl's
loader and libc), made writable with an overlay per top-level directory, kept in WORK/N/;
a RUN step runs there under chroot, in a mount namespace of its own (unshare -m), so nothing
the recipe writes reaches this machine.  COPY (never inside such a namespace: a copy must not
walk into a mounted /proc) copies from CONTEXT (minus what .dockerignore
names) or, with --from, from an earlier stage's root.  A RUN step that installs packages
(apt-get, apk) cannot run here: it needs the image's package manager and the network; it is
named on stdout ("skipped: ...") and its packages are expected to be on this machine already
(scripts/install-deps).  Nothing else is passed over: an instruction this script does not
know fails the run.  Must run as root, inside the suite's network namespace.
"""
import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
import sys

SKIP = re.compile(r"^\s*(apt-get|apk)\b")
TOPS = ["etc", "usr", "var", "opt", "root", "home", "srv"]


def logical_lines(text):
    """Instructions, with continuations joined and comments dropped."""
    out, cur = [], ""
    for raw in text.splitlines():
        line = raw.rstrip()
        if not cur and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if cur and line.lstrip().startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            cur += line[:-1] + " "
            continue
        out.append((cur + line).strip())
        cur = ""
    if cur:
        out.append(cur.strip())
    return out


def parse(path):
    stages = []
    for line in logical_lines(open(path).read()):
        word, _, rest = line.partition(" ")
        word = word.upper()
        rest = rest.strip()
        if word == "FROM":
            parts = rest.split()
            name = parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else None
            stages.append({"image": parts[0], "name": name, "steps": [], "env": {},
                           "entrypoint": [], "cmd": []})
        elif not stages:
            sys.exit("recipe.py: %s before FROM" % word)
        elif word in ("RUN", "COPY", "ENV"):
            stages[-1]["steps"].append((word, rest))
        elif word in ("ENTRYPOINT", "CMD"):
            stages[-1][word.lower()] = json.loads(rest)
        else:
            sys.exit("recipe.py: unknown instruction %s" % word)
    return stages


def root_of(work, i):
    return os.path.join(work, str(i), "root")


def mounts(work, i):
    """Shell commands that mount stage i's root (in the calling mount namespace)."""
    r = root_of(work, i)
    cmds = []
    for top in TOPS:
        if not os.path.isdir("/" + top) or os.path.islink("/" + top):
            continue
        up = os.path.join(work, str(i), "up", top)
        wk = os.path.join(work, str(i), "wk", top)
        cmds.append("mount -t overlay overlay -o lowerdir=/%s,upperdir=%s,workdir=%s %s/%s"
                    % (top, shlex.quote(up), shlex.quote(wk), shlex.quote(r), top))
    for d in ("proc", "dev", "sys"):
        cmds.append("mount --rbind /%s %s/%s" % (d, shlex.quote(r), d))
    cmds.append("mount -t tmpfs tmpfs %s/tmp" % shlex.quote(r))
    return cmds


def make_root(work, i):
    r = root_of(work, i)
    os.makedirs(r)
    for name in sorted(os.listdir("/")):
        src = "/" + name
        if os.path.islink(src):
            os.symlink(os.readlink(src), os.path.join(r, name))
        elif name in TOPS or name in ("proc", "dev", "sys", "tmp"):
            os.makedirs(os.path.join(r, name))
    for top in TOPS:
        for part in ("up", "wk"):
            os.makedirs(os.path.join(work, str(i), part, top))


def in_roots(work, stages_up, script, env=None, capture=False):
    """script (sh) in a mount namespace where the roots of stages_up are mounted."""
    cmds = []
    for i in stages_up:
        cmds += mounts(work, i)
    full = "set -e\n" + "\n".join(cmds) + "\nset +e\n" + script
    return subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", full],
                          env=env, capture_output=capture, text=True)


def ignored(context):
    pats = []
    p = os.path.join(context, ".dockerignore")
    if os.path.exists(p):
        for line in open(p):
            line = line.strip()
            if line and not line.startswith("#"):
                pats.append(line.rstrip("/"))
    return pats


def where(work, i, path, reading=False):
    """Where path of stage i's image lies on this machine, with nothing mounted: a top-level
    directory's overlay keeps what the stage wrote in its upper directory (read from there
    when it is there, else from this machine's own), the rest of the root in WORK/N/root.
    Never through a mount: a copy that walked into a mounted /proc or /sys would not end."""
    rel = os.path.normpath(path).lstrip("/")
    top = rel.split("/")[0]
    if top in TOPS:
        up = os.path.join(work, str(i), "up", rel)
        return up if not reading or os.path.lexists(up) else "/" + rel
    return os.path.join(root_of(work, i), rel)


def cp(src, dst):
    """cp -a, never leaving src's file system; src a file or a directory (its contents)."""
    os.makedirs(os.path.dirname(dst.rstrip("/")) or "/", exist_ok=True)
    if os.path.isdir(src) and not os.path.islink(src):
        os.makedirs(dst, exist_ok=True)
        src = src.rstrip("/") + "/."
    rc = subprocess.run(["cp", "-a", "-x", src, dst]).returncode
    if rc != 0:
        sys.exit("recipe.py: cp %s %s failed" % (src, dst))


def copy_context(context, src, dst):
    """src (relative to context) copied to dst, Docker's way, less what .dockerignore names."""
    pats = ignored(context)
    s = os.path.normpath(os.path.join(context, src))
    if os.path.isdir(s):
        os.makedirs(dst, exist_ok=True)
        for n in sorted(os.listdir(s)):
            if not any(fnmatch.fnmatch(os.path.relpath(os.path.join(s, n), context), p)
                       for p in pats):
                cp(os.path.join(s, n), os.path.join(dst, n))
        return
    cp(s, os.path.join(dst, os.path.basename(s)) if dst.endswith("/") else dst)


def build(dockerfile, context, work):
    if (work + "/").startswith(context.rstrip("/") + "/"):
        sys.exit("recipe.py: WORK lies inside the build context")
    stages = parse(dockerfile)
    names = {}
    for i, st in enumerate(stages):
        make_root(work, i)
        if st["name"]:
            names[st["name"]] = i
        print("stage %d: FROM %s (this machine's root)" % (i, st["image"]), flush=True)
        for word, rest in st["steps"]:
            r = root_of(work, i)
            if word == "ENV":
                k, _, v = rest.partition("=")
                st["env"][k.strip()] = v.strip().strip('"')
                continue
            if word == "RUN":
                if SKIP.match(rest):
                    print("skipped: RUN %s" % rest, flush=True)
                    continue
                print("run: RUN %s" % rest, flush=True)
                env = dict(PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                           HOME="/root", **st["env"])
                p = in_roots(work, [i], "exec chroot %s /bin/sh -c %s"
                             % (shlex.quote(r), shlex.quote(rest)), env=env)
                if p.returncode != 0:
                    sys.exit("recipe.py: RUN failed (exit %d): %s" % (p.returncode, rest))
                continue
            args = shlex.split(rest)
            src_stage = None
            if args and args[0].startswith("--from="):
                src_stage = names[args[0][len("--from="):]]
                args = args[1:]
            if len(args) != 2:
                sys.exit("recipe.py: COPY with %d paths: %s" % (len(args), rest))
            src, dst = args
            print("run: COPY %s" % rest, flush=True)
            to = where(work, i, dst) + ("/" if dst.endswith("/") else "")
            if src_stage is None:
                copy_context(context, src, to)
            else:
                cp(where(work, src_stage, src, reading=True), to)
    final = len(stages) - 1
    json.dump({"final": final, "env": stages[final]["env"],
               "entrypoint": stages[final]["entrypoint"], "cmd": stages[final]["cmd"]},
              open(os.path.join(work, "state.json"), "w"))


def run(work, argv):
    state = json.load(open(os.path.join(work, "state.json")))
    adds, env = [], dict(state["env"])
    while argv and argv[0] in ("--add", "--env"):
        if argv[0] == "--add":
            adds.append(argv[1].split(":", 1))
        else:
            k, _, v = argv[1].partition("=")
            env[k] = v
        argv = argv[2:]
    if argv and argv[0] == "--":
        argv = argv[1:]
    i = state["final"]
    r = root_of(work, i)
    cmd = state["entrypoint"] + (argv or state["cmd"])
    script = []
    for host, path in adds:
        cp(host, where(work, i, path))
    e = ["%s=%s" % kv for kv in sorted(env.items())]
    script.append("exec chroot %s env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
                  "/usr/bin:/sbin:/bin HOME=/root %s %s"
                  % (shlex.quote(r), " ".join(shlex.quote(x) for x in e),
                     " ".join(shlex.quote(x) for x in cmd)))
    p = in_roots(work, [i], "\n".join(script))
    return p.returncode


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "build":
        build(sys.argv[2], os.path.abspath(sys.argv[3]), os.path.abspath(sys.argv[4]))
        return 0
    if len(sys.argv) >= 3 and sys.argv[1] == "run":
        return run(os.path.abspath(sys.argv[2]), sys.argv[3:])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
