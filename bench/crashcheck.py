#!/usr/bin/env python3
"""Compare what an IMAP folder holds with what inbox stored and indexed.

Usage:
  crashcheck.py imap --host H --port P [--tls --ca-file F] --user U --password W
                --folder F --store STORE --account A --inbox BIN
  crashcheck.py maildir --maildir DIR --store STORE --account A --inbox BIN

imap: the server side is `UID FETCH 1:* (BODY.PEEK[HEADER.FIELDS
(MESSAGE-ID)])` of the folder (python imaplib), with its UIDVALIDITY.
maildir: the source side is every file in DIR/cur and DIR/new.

The store side is read from the SQLite store itself (read-only): the
account's messages and their locations in the folder (`UIDVALIDITY:UID` for
IMAP, the file name without its flags for a Maildir, whose folder is INBOX).
The index side is `inbox search --json --limit N '*'` and `inbox search
--count '*'`; the store's own count is `inbox account list --json`.
Message-IDs are compared with white space runs made one space.

Prints one JSON object:
  source           messages at the source
  locations        source messages with a location in the store
  store            the account's messages in the store (identical copies
                   at the source are one message with several locations)
  lost             source messages without a location
  duplicated       stored messages beyond the source's copies of their
                   Message-ID, plus stored messages no location points to
  stale            locations of a message the source does not hold
  id_mismatch      locations whose message has another Message-ID than the
                   source message they stand for
  index            `inbox search --count '*'`
  index_ids        distinct message ids `inbox search --json` returns
  index_dup        ids it returns more than once
  index_vs_store   store message ids missing from the index plus index ids
                   not in the store
  account_list     the account's count in `inbox account list --json`
  examples         a few lost / duplicated / mismatched Message-IDs
Exit status 0 whether or not they match; the caller judges.
"""

import argparse
import collections
import email
import email.policy
import imaplib
import json
import os
import re
import sqlite3
import ssl
import subprocess
import sys

UID_LINE = re.compile(rb"UID (\d+)")


def same_form(value):
    """A Message-ID with every run of white space (folding included) one space:
    how it is compared, as a malformed id may keep its folding in the store."""
    return None if value is None else " ".join(value.split()) or None


def bare_id(value):
    """A Message-ID without angle brackets and surrounding space, in [`same_form`]."""
    if value is None:
        return None
    value = same_form(str(value)) or ""
    if value.startswith("<"):
        value = value[1:]
    if value.endswith(">"):
        value = value[:-1]
    value = value.strip()
    return value or None


def header_id(header_bytes):
    """The first Message-ID of a header block, bare, or None."""
    msg = email.message_from_bytes(header_bytes, policy=email.policy.compat32)
    raw = msg.get("Message-ID")
    if raw is None:
        return None
    text = str(raw)
    match = re.search(r"<([^>]*)>", text)
    return bare_id(match.group(1) if match else text)


def server_messages(a):
    """{uid: message id} of the folder, and its UIDVALIDITY."""
    if a.tls:
        context = ssl.create_default_context(cafile=a.ca_file)
        conn = imaplib.IMAP4_SSL(a.host, a.port, ssl_context=context)
    else:
        conn = imaplib.IMAP4(a.host, a.port)
    conn.login(a.user, a.password)
    typ, _ = conn.select(f'"{a.folder}"', readonly=True)
    if typ != "OK":
        sys.exit(f"error: cannot select {a.folder} on the server")
    uidvalidity = int(conn.response("UIDVALIDITY")[1][0])
    typ, data = conn.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
    if typ != "OK":
        sys.exit(f"error: UID FETCH failed: {data}")
    found = {}
    for item in data:
        if not isinstance(item, tuple):
            continue
        match = UID_LINE.search(item[0])
        if match:
            found[int(match.group(1))] = header_id(item[1])
    conn.logout()
    return found, uidvalidity


def maildir_messages(path):
    """{file name without its flags: message id} of every file in the Maildir."""
    found = {}
    for sub in ("cur", "new"):
        base = os.path.join(path, sub)
        for name in os.listdir(base):
            with open(os.path.join(base, name), "rb") as f:
                raw = f.read()
            ends = [i for i in (raw.find(b"\n\n"), raw.find(b"\r\n\r\n")) if i >= 0]
            found[name.split(":", 1)[0]] = header_id(raw[: min(ends, default=len(raw)) + 1])
    return found


def store_rows(store, account):
    """The account's messages {row id: message id} and locations [(folder, remote id, row id)]."""
    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    acc = db.execute("SELECT id FROM accounts WHERE name = ?", (account,)).fetchone()
    if acc is None:
        return {}, []
    messages = {row: same_form(mid) for row, mid in
                db.execute("SELECT id, message_id FROM messages WHERE account_id = ?", acc)}
    locations = db.execute(
        "SELECT folder, remote_id, message_id FROM locations WHERE account_id = ?", acc
    ).fetchall()
    db.close()
    return messages, locations


def index_side(inbox, account, limit):
    """(count, search ids, account-list count) from the CLI."""
    count = int(subprocess.run([inbox, "search", "--count", "*"], check=True,
                               capture_output=True, text=True).stdout.strip())
    out = subprocess.run([inbox, "search", "--json", "--limit", str(limit), "*"], check=True,
                         capture_output=True, text=True).stdout
    ids = [m["id"] for m in json.loads(out)]
    listed = json.loads(subprocess.run([inbox, "account", "list", "--json"], check=True,
                                       capture_output=True, text=True).stdout)
    acc = next((a["messages"] for a in listed if a["name"] == account), None)
    return count, ids, acc


def excess(have, want):
    """Sum over keys of have[k] - want[k] where positive, and those keys."""
    keys = [k for k, n in have.items() if n > want.get(k, 0)]
    return sum(have[k] - want.get(k, 0) for k in keys), keys


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=("imap", "maildir"))
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int)
    ap.add_argument("--tls", action="store_true")
    ap.add_argument("--ca-file")
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--folder")
    ap.add_argument("--maildir")
    ap.add_argument("--store", required=True)
    ap.add_argument("--account", required=True)
    ap.add_argument("--inbox", required=True)
    a = ap.parse_args()

    messages, locations = store_rows(a.store, a.account)
    if a.mode == "imap":
        source, uidvalidity = server_messages(a)
        folder = a.folder

        def key(remote_id):
            validity, _, uid = remote_id.partition(":")
            return int(uid) if validity == str(uidvalidity) and uid.isdigit() else None
    else:
        source = maildir_messages(a.maildir)
        folder = "INBOX"

        def key(remote_id):
            return remote_id

    # Each source message must have exactly one location (the table's key
    # allows no second), pointing to a message with its Message-ID; every
    # stored message must be pointed to by a location, and no Message-ID may
    # be stored more often than the source holds it.
    here = {}
    stale = 0
    for loc_folder, remote_id, row in locations:
        if loc_folder != folder:
            continue
        k = key(remote_id)
        if k in source:
            here[k] = row
        else:
            stale += 1
    lost = [k for k in source if k not in here]
    mismatch = [k for k in here if messages.get(here[k]) != source[k]]
    pointed = {row for _, _, row in locations}
    orphans = [row for row in messages if row not in pointed]
    stored_ids = collections.Counter(mid for mid in messages.values() if mid is not None)
    dup, dup_keys = excess(stored_ids, collections.Counter(source.values()))
    result = {
        "source": len(source), "locations": len(here), "store": len(messages),
        "lost": len(lost), "duplicated": dup + len(orphans), "stale": stale,
        "id_mismatch": len(mismatch),
        "examples": {"lost": [source[k] for k in lost[:3]],
                     "duplicated": dup_keys[:3] + [messages[r] for r in orphans[:3]],
                     "id_mismatch": [{"source": source[k], "store": messages.get(here[k])}
                                     for k in mismatch[:3]]},
    }

    count, ids, listed = index_side(a.inbox, a.account, max(len(messages), 1) * 2 + 10)
    seen = collections.Counter(ids)
    rows = set(messages)
    result.update(index=count, index_ids=len(seen),
                  index_dup=sum(n - 1 for n in seen.values() if n > 1),
                  index_vs_store=len(rows - set(seen)) + len(set(seen) - rows),
                  account_list=listed)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
