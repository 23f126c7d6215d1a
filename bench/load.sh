#!/usr/bin/env bash
# Load on inboxd while it syncs: many concurrent search clients for a while,
# then hundreds of connections dropped mid-request; the daemon must answer
# every request, keep serving, and finish the sync with every message once.
#
# Usage: bench/load.sh [--build]
#
#   --build   run `cargo build --release --bin inbox --bin inboxd` first
#
# Environment:
#   MESSAGES     messages in the IMAP folder synced during the load, the first
#                of the benchmark Maildir (default 10000); the same messages
#                are imported first as a local account, so searches find mail
#   CLIENTS      concurrent search clients (default 32)
#   SECONDS_LOAD how long they search (default 60)
#   DROPS        connections dropped mid-request afterwards (default 200)
#   BENCH_DIR    work directory (default /tmp/inbox-bench; the Maildir is cached
#                there, shared with run.sh)
#   DOVECOT_DIR  the Dovecot instance (default /tmp/inbox-crash-dc, shared with
#                crash.sh); started if it is not running
#   IMAP_PORT, IMAPS_PORT  its ports (default 11145, 11995)
#   INBOX_BIN, INBOXD_BIN  binaries (default ${CARGO_TARGET_DIR:-target}/release/…)
#   INBOX_TEST_CORPUS  corpus root, to build the Maildir (default ../shared/corpus)
#
# Prints a markdown table on stdout and progress on stderr; exits 1 when a
# request failed, the daemon died, or the synced store is not exact.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
peer=$repo/../shared/peers/dovecot
BENCH_DIR=${BENCH_DIR:-/tmp/inbox-bench}
DOVECOT_DIR=${DOVECOT_DIR:-/tmp/inbox-crash-dc}
export IMAP_PORT=${IMAP_PORT:-11145} IMAPS_PORT=${IMAPS_PORT:-11995}
CLIENTS=${CLIENTS:-32}
SECONDS_LOAD=${SECONDS_LOAD:-60}
DROPS=${DROPS:-200}
WANT_MESSAGES=${MESSAGES:-10000}
target_dir=${CARGO_TARGET_DIR:-$repo/target}
INBOX_BIN=${INBOX_BIN:-$target_dir/release/inbox}
INBOXD_BIN=${INBOXD_BIN:-$target_dir/release/inboxd}
USER_NAME=bob
USER_PASS=bobpass
ACCOUNT=load

log() { echo "== $*" >&2; }
case "${1:-}" in
    --build) log "cargo build --release --bin inbox --bin inboxd"
        (cd "$repo" && cargo build --release --bin inbox --bin inboxd >&2) ;;
    "") ;;
    *) echo "usage: $0 [--build]" >&2; exit 2 ;;
esac
for bin in "$INBOX_BIN" "$INBOXD_BIN"; do
    [ -x "$bin" ] || { echo "error: no binary at $bin (build it, or pass --build)" >&2; exit 1; }
done

# The ten benchmark queries of run.sh.
mapfile -t QUERIES < <(sed -n '/^QUERIES=(/,/^)/p' "$here/run.sh" | sed -n "s/^    '\(.*\)'$/\1/p")

# shellcheck source=maildir.sh
. "$here/maildir.sh"
cached_maildir
MESSAGES=$WANT_MESSAGES
FOLDER=bench-$MESSAGES

WORK=$(mktemp -d "$BENCH_DIR/load.XXXXXX")
DAEMON_PID=""
cleanup() {
    if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
        kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null || true
    fi
    [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT
export HOME=$WORK/home XDG_CONFIG_HOME=$WORK/home/.config XDG_CACHE_HOME=$WORK/home/.cache
export XDG_DATA_HOME=$WORK/home/.local/share XDG_RUNTIME_DIR=$WORK/home/run TZ=UTC LC_ALL=C.UTF-8
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
unset RUST_LOG INBOX_PASSPHRASE_FILE
export INBOX_HOME=$WORK/inbox
SOCKET=$INBOX_HOME/run/rpc.sock
RPC=(python3 "$here/rpcload.py")

# The first MESSAGES files of the Maildir, as load_corpus.py takes them.
SOURCE=$WORK/source
mkdir -p "$SOURCE/cur" "$SOURCE/new" "$SOURCE/tmp"
find "$MAILDIR/cur" -maxdepth 1 -type f -printf '%f\n' | sort | awk -v n="$MESSAGES" 'NR <= n' \
    | while read -r name; do ln "$MAILDIR/cur/$name" "$SOURCE/cur/$name" 2>/dev/null \
        || cp "$MAILDIR/cur/$name" "$SOURCE/cur/$name"; done

# --- the server: folder bench-MESSAGES ------------------------------------------

DOVECOT_CONF=$DOVECOT_DIR/etc/dovecot.conf
log "dovecot in $DOVECOT_DIR (ports $IMAP_PORT, $IMAPS_PORT)"
bash "$peer/start.sh" "$DOVECOT_DIR" >/dev/null
server_count() {
    doveadm -c "$DOVECOT_CONF" mailbox status -u "$USER_NAME" messages "$FOLDER" 2>/dev/null \
        | sed -n 's/.*messages=\([0-9]*\).*/\1/p' || true
}
if [ "$(server_count)" != "$MESSAGES" ]; then
    [ -z "$(server_count)" ] || doveadm -c "$DOVECOT_CONF" mailbox delete -u "$USER_NAME" -s "$FOLDER" >&2
    log "loading $MESSAGES messages into $USER_NAME/$FOLDER"
    python3 "$peer/load_corpus.py" "$DOVECOT_DIR" "$USER_NAME" "$MAILDIR" --mode copy \
        --folder "$FOLDER" --limit "$MESSAGES" >&2
fi
[ "$(server_count)" = "$MESSAGES" ] || { echo "error: $FOLDER does not hold $MESSAGES messages" >&2; exit 1; }

# --- the home: a local copy to search, the IMAP account to sync ----------------

mkdir -p "$INBOX_HOME"
"$INBOX_BIN" vault init --identity >/dev/null
log "inbox import of $MESSAGES messages (account local)"
"$INBOX_BIN" import "$SOURCE" --account local >/dev/null 2>&1
echo "$USER_PASS" | "$INBOX_BIN" account add imap "$ACCOUNT" --host 127.0.0.1 --user "$USER_NAME" \
    --include "$FOLDER" --tls implicit --port "$IMAPS_PORT" \
    --tls-ca-file "$DOVECOT_DIR/ssl/cert.pem" --password-stdin >/dev/null

synced() {  # messages of the IMAP account stored so far
    "${RPC[@]}" call "$SOCKET" account_status "{\"account\":\"$ACCOUNT\"}" 2>/dev/null \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["messages"])' 2>/dev/null || echo 0
}
hwm_mib() { awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$DAEMON_PID/status"; }

log "starting inboxd; the sync of $MESSAGES messages begins"
"$INBOXD_BIN" 2>>"$WORK/inboxd.log" &
DAEMON_PID=$!
for _ in $(seq 300); do [ -S "$SOCKET" ] && "${RPC[@]}" call "$SOCKET" list_accounts >/dev/null 2>&1 && break; sleep 0.1; done

FAILED=0
before=$(synced)
log "$CLIENTS clients searching for ${SECONDS_LOAD}s while the sync runs ($before stored)"
answered=yes
load_out=$("${RPC[@]}" throughput "$SOCKET" --clients "$CLIENTS" --seconds "$SECONDS_LOAD" \
    --params '{"limit":50}' "${QUERIES[@]}") || { log "a search failed: $load_out"; answered=no; FAILED=1; }
IFS=$'\t' read -r nreq secs rate p50 p99 _ <<<"$load_out"
after=$(synced)

log "$DROPS connections dropped mid-request"
drop_out=$("${RPC[@]}" drop --count "$DROPS" "$SOCKET" "${QUERIES[@]}") || { log "no answer after the drops"; FAILED=1; }
IFS=$'\t' read -r dropped answer_ms <<<"$drop_out"
alive=yes
kill -0 "$DAEMON_PID" 2>/dev/null || { alive=no; FAILED=1; }

log "waiting for the sync to finish"
for _ in $(seq 1200); do [ "$(synced)" -ge "$MESSAGES" ] && break; sleep 0.5; done
final=$(synced)
total=$("$INBOX_BIN" search --count '*')
[ "$final" = "$MESSAGES" ] && [ "$total" = $((2 * MESSAGES)) ] || FAILED=1
panics=$(grep -c "panicked" "$WORK/inboxd.log" || true)
[ "$panics" = 0 ] || FAILED=1
hwm=$(hwm_mib)

echo "Machine: $(nproc) cores; load average at the end $(cut -d' ' -f1-3 /proc/loadavg); inbox $("$INBOX_BIN" --version | cut -d' ' -f2)."
echo
echo "| measure | value |"
echo "|---|---|"
echo "| searches by $CLIENTS clients in ${secs:-?} s, limit 50 | ${nreq:-0} (${rate:-0}/s), every one answered: $answered |"
echo "| latency under load p50 / p99 (ms) | ${p50:-?} / ${p99:-?} |"
echo "| IMAP messages stored during the load | $((after - before)) (from $before to $after of $MESSAGES) |"
echo "| connections dropped mid-request; next answer (ms) | ${dropped:-0}; ${answer_ms:-none} |"
echo "| daemon alive afterwards; panics in its log | $alive; $panics |"
echo "| after the sync: IMAP account / all messages (expected $MESSAGES / $((2 * MESSAGES))) | $final / $total |"
echo "| peak RSS, VmHWM (MiB) | $hwm |"
exit "$FAILED"
