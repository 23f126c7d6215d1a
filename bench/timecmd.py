#!/usr/bin/env python3
"""Run one command repeatedly as a whole process and report the median wall time.

Usage: timecmd.py [--runs N] [--warmup W] [--ok-codes 0,4] [--result first-line|lines] -- CMD ARGS...

Prints one line: `<median ms> <TAB> <result>`, where the result comes from the
output of the first measured run: `first-line` is its first stdout line (a count
printed by the tool), `lines` is the number of stdout lines (for tools that list
one match per line). Exits non-zero, printing the command's stderr, if a run
ends with an exit code outside --ok-codes.
"""

import argparse
import statistics
import subprocess
import sys
import time


def run_once(cmd, ok_codes):
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    elapsed_ms = (time.perf_counter() - start) * 1000.0
    if proc.returncode not in ok_codes:
        sys.stderr.write(proc.stderr.decode(errors="replace"))
        sys.exit(f"error: {cmd!r} exited with {proc.returncode}")
    return elapsed_ms, proc.stdout


def summarize(stdout, mode):
    text = stdout.decode(errors="replace")
    if mode == "lines":
        return str(len(text.splitlines()))
    lines = text.splitlines()
    return lines[0].strip() if lines else ""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--ok-codes", default="0")
    parser.add_argument("--result", choices=("first-line", "lines"), default="first-line")
    parser.add_argument("cmd", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd or args.runs < 1:
        parser.error("need a command after -- and --runs >= 1")
    ok_codes = {int(c) for c in args.ok_codes.split(",")}

    for _ in range(args.warmup):
        run_once(cmd, ok_codes)
    times = []
    result = None
    for _ in range(args.runs):
        elapsed, stdout = run_once(cmd, ok_codes)
        times.append(elapsed)
        if result is None:
            result = summarize(stdout, args.result)
    print(f"{statistics.median(times):.1f}\t{result}")


if __name__ == "__main__":
    main()
