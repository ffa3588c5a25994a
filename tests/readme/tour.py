#!/usr/bin/env python3
"""The README tour runner: every ```sh block of README.md runs as written, in order, in one
scratch directory, as a user following the tour would run it; a block that exits non-zero fails
the test with its line number and output.

The scratch directory links the checkout's scripts/, deploy/ and build/ so that paths in the
README resolve as they do in a checkout, while the files the tour makes stay out of it. The
environment is a user's with nothing set up: its own HOME and XDG directories, no docker or
vouch configuration, `vouch` on PATH, and REGISTRY naming the loopback registry the test
fixture started, and VOUCH_BIN naming the binary under test (which scripts/image then packages
instead of building).

It also fails when README.md or docs/*.md cite a file outside the repository (the shared
vectors and peers by a relative path, a machine's directories): a reader of a clone has none.

A block can be left out only with a reason, on the line before its fence:
    <!-- tour: skip (REASON) -->
and the runner prints each one it leaves out, so a skipped block is never silent.

usage: tour.py README VOUCH_BIN REGISTRY_FIXTURE_DIR
"""
import os
import re
import subprocess
import sys
import tempfile

FENCE = re.compile(r"^```(\w*)\s*$")
SKIP = re.compile(r"^<!--\s*tour:\s*skip\s*\((.+)\)\s*-->\s*$")
RUNNABLE = {"sh", "bash", "shell"}
BLOCK_TIMEOUT = 600


def blocks(text):
    """Yields (line number, language, body, skip reason or None) for every fenced block."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m or not m.group(1):
            i += 1
            continue
        start = i + 1
        skip = SKIP.match(lines[i - 1]) if i > 0 else None
        j = start
        while j < len(lines) and lines[j].rstrip() != "```":
            j += 1
        if j == len(lines):
            raise SystemExit(f"README line {i + 1}: fence never closed")
        yield start, m.group(1), "\n".join(lines[start:j]) + "\n", skip.group(1) if skip else None
        i = j + 1


def Session(body, work):
    """Wraps |body| so that blocks behave as one shell session: what earlier blocks exported,
    and the directory they ended in, carry over to the next."""
    state = os.path.join(work, ".tour-exports")
    where = os.path.join(work, ".tour-cwd")
    return (f'[ -f {state} ] && . {state}\n[ -f {where} ] && cd "$(cat {where})"\n' + body +
            f'\nexport -p > {state}\npwd > {where}\n')


def environment(work, vouch_bin, registry):
    home = os.path.join(work, "home")
    os.makedirs(home, exist_ok=True)
    keep = ("PATH", "LANG", "LC_ALL", "TERM", "TMPDIR", "SOFTHSM2_CONF", "VOUCH_PEERS")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env["PATH"] = os.path.dirname(os.path.abspath(vouch_bin)) + os.pathsep + env.get("PATH", "")
    env["HOME"] = home
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR", "XDG_DATA_HOME"):
        env[name] = os.path.join(home, name.lower())
        os.makedirs(env[name], mode=0o700, exist_ok=True)
    env["REGISTRY"] = registry
    # scripts/image packages the binary under test instead of building one in the test's build
    # directory while other tests run from it.
    env["VOUCH_BIN"] = os.path.abspath(vouch_bin)
    return env


# Docs are read from a clone: a path beside the checkout or on one machine means nothing there.
# The shared vectors and peers are named by $VOUCH_VECTORS / $VOUCH_PEERS; a relative path to
# them, or where this team's machines keep checkouts and peers, is one machine's layout.
OUTSIDE = re.compile(r"\.\./(?:shared|\.library)/|(?<![\w.$])/(?:work|root)/\w|/tmp/(?:peers)")


def outside_references(source):
    """Returns "FILE:LINE: TEXT" for every line of README.md and docs/*.md citing a file outside
    the repository."""
    found = []
    docs = os.path.join(source, "docs")
    paths = [os.path.join(source, "README.md")] + sorted(
        os.path.join(docs, n) for n in os.listdir(docs) if n.endswith(".md"))
    for path in paths:
        with open(path) as f:
            for n, line in enumerate(f, 1):
                if OUTSIDE.search(line):
                    found.append(f"{os.path.relpath(path, source)}:{n}: {line.strip()}")
    return found


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    readme, vouch_bin, fixtures = sys.argv[1:]
    source = os.path.dirname(os.path.abspath(readme))
    with open(os.path.join(fixtures, "open.addr")) as f:
        registry = f.read().strip()
    with open(readme) as f:
        text = f.read()
    outside = outside_references(source)
    if outside:
        print("docs cite files outside the repository:\n" + "\n".join(outside))
        return 1
    build = os.path.dirname(os.path.dirname(os.path.abspath(vouch_bin)))
    with tempfile.TemporaryDirectory(prefix="vouch-tour.") as work:
        for name, target in (("scripts", os.path.join(source, "scripts")),
                             ("deploy", os.path.join(source, "deploy")), ("build", build)):
            os.symlink(target, os.path.join(work, name))
        env = environment(work, vouch_bin, registry)
        ran = skipped = 0
        for line, language, body, skip in blocks(text):
            if language not in RUNNABLE:
                continue
            if skip:
                print(f"README line {line}: left out: {skip}")
                skipped += 1
                continue
            print(f"README line {line}: running\n{body}", flush=True)
            try:
                r = subprocess.run(["bash", "-euo", "pipefail", "-c", Session(body, work)],
                                   cwd=work, env=env,
                                   stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                   timeout=BLOCK_TIMEOUT)
            except subprocess.TimeoutExpired:
                print(f"README line {line}: FAILED: still running after {BLOCK_TIMEOUT} s")
                return 1
            sys.stdout.write(r.stdout)
            sys.stdout.write(r.stderr)
            if r.returncode != 0:
                print(f"README line {line}: FAILED: the block exited {r.returncode}")
                return 1
            ran += 1
        print(f"README tour: {ran} blocks ran, {skipped} left out with their reasons")
        if ran == 0:
            print("README tour: FAILED: no runnable block found")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
