#!/usr/bin/env bash
# Runs every check: the formatting, lint and documentation gates, then starts
# the Dovecot IMAP test server the IMAP tests talk to (installing
# dovecot-imapd on first use), then `cargo test --workspace` with skipping
# turned into failure, then the reduced crash-safety check.
set -euo pipefail
cd "$(dirname "$0")/.."

# gate NAME FIX COMMAND...: runs COMMAND; if it fails, says which gate failed
# and how to fix it, and stops.
gate() {
    local name=$1 fix=$2
    shift 2
    echo "gate: $name" >&2
    if ! "$@"; then
        echo "FAILED gate \"$name\": $fix" >&2
        exit 1
    fi
}
gate format "run \`cargo fmt --all\` and commit the result" \
    cargo fmt --all -- --check
gate clippy "fix the warnings above (\`cargo clippy --workspace --all-targets -- -D warnings\`)" \
    cargo clippy --workspace --all-targets -- -D warnings
gate docs "fix the rustdoc warnings above (\`RUSTDOCFLAGS=\"-D warnings\" cargo doc --workspace --no-deps\`)" \
    env RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps

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

# A test that needs the corpus or the Dovecot server skips itself, saying
# why, when it is missing; here that is a failure, never a silent skip.
export INBOX_TEST_STRICT=1
cargo test --workspace

# Crash safety in its reduced form (bench/crash.sh): inboxd killed during an
# IMAP backfill, the IMAP server restarted mid-sync, a full disk during an
# import; fails on any lost or duplicated message. Uses the binaries just built.
bin="${CARGO_TARGET_DIR:-target}/debug"
INBOX_BIN="$bin/inbox" INBOXD_BIN="$bin/inboxd" bash bench/crash.sh --quick
