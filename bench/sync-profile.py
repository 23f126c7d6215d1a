#!/usr/bin/env python3
"""Where the time of one `inbox sync` goes: fetch wait against the store pipeline.

Usage:
  sync-profile.py stamps -- CMD ARGS...   run CMD (an `inbox sync` with
      RUST_LOG=info), time-stamp the IMAP connector's progress lines on its
      stderr, and print the wall-time breakdown as markdown rows
  sync-profile.py perf PERF_DATA [RUNS]   print on-CPU time by component from
      `perf record` samples of a sync (of RUNS syncs: per sync), as markdown rows

How `stamps` splits the time. The connector logs `fetched messages done=N`
after each fetch command's messages were handed to the pipeline; a batch of
1,000 messages is normalized, stored and indexed while the connector waits,
inside the push that fills it. So the interval between two log lines is one
fetch command plus, when `done` crossed a multiple of 1,000, one batch commit.
Intervals without a commit give the time per fetch command (their median);
the rest of the intervals with a commit is the pipeline's. Before the first
line: start-up, vault, connect, login, SELECT, UID and size listing; after the
last: the last partial batch, the flags pass, the final index commit.
"""

import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict

DONE = re.compile(r"fetched messages.*?\bdone=(\d+)")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
BATCH = 1000


def row(name, seconds, total, note=""):
    share = 100.0 * seconds / total if total else 0.0
    print(f"| {name} | {seconds:.3f} | {share:.0f} % | {note} |")


def stamps(cmd):
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    events = []  # (seconds, done)
    first_folder = None
    tail = []
    for line in proc.stderr:
        now = time.perf_counter() - start
        line = ANSI.sub("", line)
        if first_folder is None and "syncing folder" in line:
            first_folder = now
        m = DONE.search(line)
        if m:
            events.append((now, int(m.group(1))))
        elif "fetched messages" not in line and "syncing folder" not in line and " folder" not in line:
            tail.append(line.rstrip())
    out = proc.stdout.read()
    code = proc.wait()
    total = time.perf_counter() - start
    if code != 0 or not events or first_folder is None:
        sys.stderr.write("\n".join(tail[-20:]) + "\n")
        sys.exit(f"error: {cmd!r} exited with {code} or logged no fetch progress (RUST_LOG=info?)")

    fetch_only, with_commit = [], []
    prev_t, prev_done = first_folder, 0
    for t, done in events:
        (with_commit if done // BATCH > prev_done // BATCH else fetch_only).append(t - prev_t)
        prev_t, prev_done = t, done
    per_fetch = statistics.median(fetch_only) if fetch_only else 0.0
    fetch = per_fetch * len(events)
    pipeline = sum(with_commit) - per_fetch * len(with_commit)
    # What the median does not explain in the fetch-only intervals (jitter, slow fetches).
    jitter = sum(fetch_only) - per_fetch * len(fetch_only)
    before = first_folder
    after = total - events[-1][0]
    n = events[-1][1]
    print(f"sync output: {out.strip()}", file=sys.stderr)
    print(f"| wall time of the sync | {total:.2f} | 100 % | {n} messages, {len(events)} fetch commands, {len(with_commit)} batch commits |")
    row("start-up, unlock, connect, login, SELECT, listing", before, total)
    row("fetch commands (waiting for the server)", fetch + jitter, total,
        f"{len(events)} x {1000 * per_fetch:.1f} ms median ({n / (fetch + jitter):.0f} msg/s while fetching)")
    row("pipeline: normalize + store + index, connector waiting", pipeline, total,
        f"{len(with_commit)} batches, {1000 * pipeline / max(len(with_commit), 1):.0f} ms each")
    row("last batch, flags pass, final index commit, exit", after, total)


CATEGORIES = [  # first match wins; matched against the sample's symbol and DSO
    ("TLS: RNG seeding (aws-lc CPU jitter entropy)", r"jent_|rol64|keccak|xoshiro|uint32rotl|ptr_to_le32"),
    ("vault unlock (scrypt)", r"scrypt|salsa20"),
    ("TLS (rustls, crypto)", r"rustls|aws_lc|ring::|ring_core|aes|gcm|chacha|sha256|sha512"),
    ("IMAP protocol and connector", r"imap_proto|async_imap|inbox_connector_imap|nom::"),
    ("normalize (MIME parsing, decoding, HTML to text)", r"mail_parser|inbox::normalize|html|encoding_rs|charset|quoted|base64"),
    ("index (tantivy)", r"tantivy|fst::|levenshtein|bitpacker|lz4"),
    ("store (SQLite, zstd)", r"sqlite3|rusqlite|inbox::store|zstd|ZSTD|HUF_|FSE_"),
    ("async runtime", r"tokio|mio::|futures"),
    ("hashing, hash maps (locations known to the store)", r"sip::|hashbrown|hash_one|parse_remote_id"),
    ("memory (malloc, free, memcpy, memmove)", r"malloc|free|memcpy|memmove|memset|realloc|_int_|cfree|mmap|page_fault|clear_page"),
    ("kernel: network", r"tcp_|ip_|sock|skb|net_|__napi|loopback|inet_"),
    ("kernel: other", r"^\[k\]"),
]


def perf(data, runs):
    proc = subprocess.run(
        ["perf", "report", "-i", data, "--stdio", "--no-children", "--sort", "comm,dso,sym",
         "--percent-limit", "0", "-F", "period,comm,dso,sym", "-t", "\t"],
        capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.exit(f"error: perf report failed: {proc.stderr.strip()}")
    by_cat = defaultdict(int)
    by_thread = defaultdict(int)
    total = 0
    for line in proc.stdout.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split("\t")]
        if len(fields) < 4:
            continue
        period, comm, dso, sym = int(fields[0]), fields[1], fields[2], fields[3]
        total += period
        by_thread[comm] += period
        text = f"{sym} {dso}"
        for name, pattern in CATEGORIES:
            if re.search(pattern, sym if name.startswith("kernel") else text, re.IGNORECASE):
                by_cat[name] += period
                break
        else:
            by_cat["other"] += period
    # perf's period is in CPU clock events (ns with -e cpu-clock).
    scale = 1e9 * runs
    seconds = total / scale
    each = f", per sync (mean of {runs})" if runs > 1 else ""
    print(f"| on-CPU time, all threads (perf, cpu-clock){each} | {seconds:.3f} | 100 % | |")
    for name, _ in CATEGORIES + [("other", "")]:
        if by_cat[name]:
            row(name, by_cat[name] / scale, seconds)
    threads = ", ".join(f"{c} {p / scale:.3f} s" for c, p in sorted(by_thread.items(), key=lambda kv: -kv[1])[:6])
    print(f"| by thread | | | {threads} |")


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "stamps" and sys.argv[2] == "--":
        stamps(sys.argv[3:])
    elif len(sys.argv) in (3, 4) and sys.argv[1] == "perf":
        perf(sys.argv[2], int(sys.argv[3]) if len(sys.argv) == 4 else 1)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
