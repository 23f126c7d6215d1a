#!/usr/bin/env python3
"""Build the benchmark Maildir: every corpus message, six times, distinct Message-IDs.

Usage: make-maildir.py [--corpus DIR] [--copies N] OUT

Reads every message file (`<folder>/cur/<name>`) under `DIR/spamassassin` and
`DIR/enron-sample` (DIR defaults to $INBOX_TEST_CORPUS, else the shared corpus
next to the repository) and writes N copies of each into the single Maildir
`OUT/cur/<unique>:2,`.

Copy 0 is byte-identical to the source file. In copy K (K >= 1) the first
Message-ID header gets the prefix `rK.` inside its angle brackets
(`<id>` -> `<rK.id>`); a bare value without brackets gets `rK.` in front of it.
Folded headers and CRLF line endings are preserved; nothing else changes.
A message without any Message-ID header gets, in copies 1..N-1 only, a new first
header line `Message-ID: <rK.no-id.<sha1 of the file>@bench.invalid>` (with the
file's own line ending), so every tool sees N distinct messages rather than
folding identical copies together.

Prints the message count and total bytes. Refuses to write into a non-empty OUT.
"""

import argparse
import hashlib
import os
import re
import sys

from corpus_path import default_corpus

CORPUS_GROUPS = ("spamassassin", "enron-sample")
HEADER_NAME = re.compile(rb"message-id[ \t]*:", re.IGNORECASE)


def message_files(corpus):
    """All message files of the benchmark groups, sorted for a stable order."""
    found = []
    for group in CORPUS_GROUPS:
        base = os.path.join(corpus, group)
        if not os.path.isdir(base):
            sys.exit(f"error: corpus group {base} not found; set INBOX_TEST_CORPUS or --corpus")
        for dirpath, _dirs, names in os.walk(base):
            if os.path.basename(dirpath) == "cur":
                found.extend(os.path.join(dirpath, n) for n in names)
    return sorted(found)


def header_lines(raw):
    """Yield (start, end) byte offsets of each header line (without its line ending)."""
    pos = 0
    while pos < len(raw):
        nl = raw.find(b"\n", pos)
        end = len(raw) if nl < 0 else nl
        content_end = end - 1 if end > pos and raw[end - 1 : end] == b"\r" else end
        if content_end == pos:  # empty line: end of the header block
            return
        yield pos, content_end
        if nl < 0:
            return
        pos = nl + 1


def message_id_value_span(raw):
    """Byte span (start, end) of the first Message-ID field's value, folding included."""
    lines = list(header_lines(raw))
    for i, (start, end) in enumerate(lines):
        match = HEADER_NAME.match(raw, start, end)
        if not match:
            continue
        value_end = end
        for cont_start, cont_end in lines[i + 1 :]:
            if raw[cont_start : cont_start + 1] not in (b" ", b"\t"):
                break
            value_end = cont_end
        return match.end(), value_end
    return None


def line_ending(raw):
    nl = raw.find(b"\n")
    return b"\r\n" if nl > 0 and raw[nl - 1 : nl] == b"\r" else b"\n"


def rewrite_message_id(raw, copy):
    """Return the bytes of copy number `copy` of the message `raw`."""
    if copy == 0:
        return raw
    prefix = f"r{copy}.".encode()
    span = message_id_value_span(raw)
    if span is None:
        digest = hashlib.sha1(raw).hexdigest()
        header = f"Message-ID: <r{copy}.no-id.{digest}@bench.invalid>".encode()
        return header + line_ending(raw) + raw
    start, end = span
    bracket = raw.find(b"<", start, end)
    if bracket >= 0:
        at = bracket + 1
    else:
        at = start
        while at < end and raw[at : at + 1] in (b" ", b"\t", b"\r", b"\n"):
            at += 1
    return raw[:at] + prefix + raw[at:]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="Maildir to create (must not exist or be empty)")
    parser.add_argument("--corpus", default=default_corpus(), help="corpus root directory")
    parser.add_argument("--copies", type=int, default=6, help="copies of each message (default 6)")
    args = parser.parse_args()

    if os.path.isdir(args.out) and os.listdir(args.out):
        sys.exit(f"error: {args.out} is not empty; remove it or choose another directory")
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(args.out, sub), exist_ok=True)

    sources = message_files(args.corpus)
    count = 0
    total = 0
    for index, path in enumerate(sources):
        with open(path, "rb") as f:
            raw = f.read()
        for copy in range(args.copies):
            data = rewrite_message_id(raw, copy)
            name = f"1030000000.C{copy}I{index:05d}.bench:2,"
            with open(os.path.join(args.out, "cur", name), "wb") as f:
                f.write(data)
            count += 1
            total += len(data)
    print(f"{count} messages, {total} bytes ({len(sources)} source files x {args.copies}) in {args.out}")


if __name__ == "__main__":
    main()
