#!/usr/bin/env bash
# Runs every test: starts the Dovecot IMAP test server the IMAP tests talk to
# (installing dovecot-imapd on first use), then `cargo test --workspace`, then
# the reduced crash-safety check.
set -euo pipefail
cd "$(dirname "$0")/.."

corpus="${INBOX_TEST_CORPUS:-$PWD/../shared/corpus}"
if [ ! -d "$corpus" ]; then
    echo "the test corpus is missing at $corpus (set INBOX_TEST_CORPUS)" >&2
    exit 1
fi
peer="${INBOX_TEST_PEERS:-$PWD/../shared/peers}/dovecot"
if [ ! -f "$peer/start.sh" ]; then
    echo "the Dovecot test server scripts are missing at $peer (set INBOX_TEST_PEERS)" >&2
    exit 1
fi

export INBOX_TEST_DOVECOT_DIR="${INBOX_TEST_DOVECOT_DIR:-/tmp/inbox-dovecot}"
bash "$peer/start.sh" "$INBOX_TEST_DOVECOT_DIR"

cargo test --workspace

# Crash safety in its reduced form (bench/crash.sh): inboxd killed during an
# IMAP backfill, the IMAP server restarted mid-sync, a full disk during an
# import; fails on any lost or duplicated message. Uses the binaries just built.
bin="${CARGO_TARGET_DIR:-target}/debug"
INBOX_BIN="$bin/inbox" INBOXD_BIN="$bin/inboxd" bash bench/crash.sh --quick
