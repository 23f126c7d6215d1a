#!/usr/bin/env bash
# Benchmark syncing one large IMAP folder: a raw fetch, mbsync and inbox, in one
# run, on one machine, against a private Dovecot, one after the other.
#
# Usage: bench/imap.sh [--build] [--profile]
#
#   --build    run `cargo build --release --bin inbox` first
#   --profile  after the measures, profile one more first sync of inbox over
#              TLS: wall time split from its progress log, on-CPU time by
#              component from `perf record` (needs perf)
#
# Environment:
#   BENCH_DIR    work directory (default /tmp/inbox-bench); the Maildir is cached
#                in $BENCH_DIR/maildir, everything else goes to a fresh
#                $BENCH_DIR/imap.* directory removed at the end (KEEP=1 keeps it)
#   DOVECOT_DIR  the Dovecot instance (default /tmp/inbox-bench-dc, <= 60 chars);
#                started if it is not running, left running afterwards
#   IMAP_PORT, IMAPS_PORT  its ports (default 11143, 11993)
#   RUNS         measured no-change re-syncs (default 10; one extra warm-up run)
#   INBOX_BIN    inbox binary (default ${CARGO_TARGET_DIR:-target}/release/inbox)
#   INBOX_TEST_CORPUS  corpus root, to build the Maildir (default ../shared/corpus)
#   MAILDIR_COPIES     copies of each corpus message in the Maildir (default 6:
#                      30,462 messages); other sizes use folder bench-xN
#
# Prints a markdown table on stdout (rows = measures, columns = tools) and
# progress on stderr.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
peer=$repo/../shared/peers/dovecot
BENCH_DIR=${BENCH_DIR:-/tmp/inbox-bench}
DOVECOT_DIR=${DOVECOT_DIR:-/tmp/inbox-bench-dc}
export IMAP_PORT=${IMAP_PORT:-11143} IMAPS_PORT=${IMAPS_PORT:-11993}
RUNS=${RUNS:-10}
BUILD=0
PROFILE=0
while [ $# -gt 0 ]; do
    case "$1" in
        --build) BUILD=1 ;;
        --profile) PROFILE=1 ;;
        *) echo "usage: $0 [--build] [--profile]" >&2; exit 2 ;;
    esac
    shift
done
target_dir=${CARGO_TARGET_DIR:-$repo/target}
INBOX_BIN=${INBOX_BIN:-$target_dir/release/inbox}
USER_NAME=bob
USER_PASS=bobpass

log() { echo "== $*" >&2; }

# shellcheck source=tools.sh
. "$here/tools.sh"

if [ "$BUILD" = 1 ]; then
    log "cargo build --release --bin inbox"
    (cd "$repo" && cargo build --release --bin inbox >&2)
fi
[ -x "$INBOX_BIN" ] || { echo "error: no inbox binary at $INBOX_BIN (build it, or pass --build)" >&2; exit 1; }
packages=(/usr/bin/time:time mbsync:isync)
[ "$PROFILE" = 1 ] && packages+=(perf:linux-perf)
install_missing "${packages[@]}"

# --- the Maildir (cached, shared with run.sh) -----------------------------

# shellcheck source=maildir.sh
. "$here/maildir.sh"
cached_maildir
# One folder per Maildir, so switching sizes reloads nothing (deleting a
# 30,000-message folder takes Dovecot minutes).
FOLDER=bench
[ "${MAILDIR_COPIES:-6}" = 6 ] || FOLDER=bench-x$MAILDIR_COPIES

# --- the server: started or reused, the folder loaded once ------------------

log "dovecot in $DOVECOT_DIR (ports $IMAP_PORT, $IMAPS_PORT)"
bash "$peer/start.sh" "$DOVECOT_DIR" >&2
DOVECOT_CONF=$DOVECOT_DIR/etc/dovecot.conf
CA_FILE=$DOVECOT_DIR/ssl/cert.pem
server_count() {  # the folder's message count; empty when it does not exist
    { doveadm -c "$DOVECOT_CONF" mailbox status -u "$USER_NAME" messages "$FOLDER" 2>/dev/null || true; } \
        | sed -n 's/.*messages=\([0-9]*\).*/\1/p'
}
on_server=$(server_count)
if [ "${on_server:-0}" != "$MESSAGES" ]; then
    if [ -n "$on_server" ]; then
        log "folder $FOLDER holds $on_server messages, not $MESSAGES: reloading it"
        doveadm -c "$DOVECOT_CONF" mailbox delete -u "$USER_NAME" -s "$FOLDER" >&2
    fi
    log "loading $MESSAGES messages into $USER_NAME/$FOLDER"
    python3 "$peer/load_corpus.py" "$DOVECOT_DIR" "$USER_NAME" "$MAILDIR" --mode copy --folder "$FOLDER" >&2
    on_server=$(server_count)
else
    log "reusing $USER_NAME/$FOLDER ($on_server messages)"
fi
[ "$on_server" = "$MESSAGES" ] || { echo "error: the server holds ${on_server:-no} messages in $FOLDER, expected $MESSAGES" >&2; exit 1; }

# --- isolated environment ------------------------------------------------

WORK=$(mktemp -d "$BENCH_DIR/imap.XXXXXX")
cleanup() { [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"; }
trap cleanup EXIT
isolate_home "$WORK"

declare -A R  # R[measure|tool] = cell text
ROWS=()
put() {  # put MEASURE TOOL VALUE
    [ -n "${R[$1|__row]:-}" ] || { ROWS+=("$1"); R[$1|__row]=1; }
    R[$1|$2]=$3
}
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }

# --- raw fetch: the wire-speed floor -----------------------------------------

measure_raw() {
    local secs n bytes
    log "raw fetch: UID FETCH 1:* BODY.PEEK[], plain"
    IFS=$'\t' read -r secs n bytes < <(python3 "$here/imapfetch.py" 127.0.0.1 "$IMAP_PORT" "$USER_NAME" "$USER_PASS" "$FOLDER")
    put "first full sync, plain (s)" raw "$secs"
    put "first full sync, plain (msg/s)" raw "$(rate "$n" "$secs")"
    log "raw fetch: UID FETCH 1:* BODY.PEEK[], TLS"
    IFS=$'\t' read -r secs n bytes < <(python3 "$here/imapfetch.py" --tls --ca-file "$CA_FILE" 127.0.0.1 "$IMAPS_PORT" "$USER_NAME" "$USER_PASS" "$FOLDER")
    put "first full sync, TLS (s)" raw "$secs"
    put "first full sync, TLS (msg/s)" raw "$(rate "$n" "$secs")"
    put "messages received / stored" raw "$n ($((bytes / 1000000)) MB of bodies)"
    log "raw fetch: 200 UIDs per command, each awaited, TLS"
    IFS=$'\t' read -r secs n bytes < <(python3 "$here/imapfetch.py" --chunk 200 --tls --ca-file "$CA_FILE" 127.0.0.1 "$IMAPS_PORT" "$USER_NAME" "$USER_PASS" "$FOLDER")
    put "TLS, 200 UIDs per FETCH command, one at a time (s)" raw "$secs"
}

# --- mbsync --------------------------------------------------------------------

measure_mbsync() {
    local cfg=$WORK/mbsyncrc wall rss res n mode
    # Over TLS the host is "localhost": mbsync matches the certificate's DNS
    # names only, not its IP address.
    # FSync no: mbsync's default fsyncs every message file (30,462 fsyncs, which
    # took 215 s here); inbox makes a batch of 1,000 durable at once.
    cat >"$cfg" <<EOF
FSync no

IMAPAccount plain
Host 127.0.0.1
Port $IMAP_PORT
User $USER_NAME
Pass $USER_PASS
SSLType None
AuthMechs LOGIN

IMAPAccount tls
Host localhost
Port $IMAPS_PORT
User $USER_NAME
Pass $USER_PASS
SSLType IMAPS
CertificateFile $CA_FILE
EOF
    for mode in plain tls; do
        mkdir -p "$WORK/mbsync-$mode"
        cat >>"$cfg" <<EOF

IMAPStore $mode-far
Account $mode

MaildirStore $mode-near
Path $WORK/mbsync-$mode/

Channel $mode
Far :$mode-far:$FOLDER
Near :$mode-near:$FOLDER
Sync Pull
Create Near
Expunge None
SyncState *
EOF
    done
    log "mbsync: first sync, plain"
    res=$(timed "$WORK/mbsync-plain" mbsync -c "$cfg" -q plain) || return 1
    read -r wall rss <<<"$res"
    put "first full sync, plain (s)" mbsync "$wall"
    put "first full sync, plain (msg/s)" mbsync "$(rate "$MESSAGES" "$wall")"
    rm -rf "$WORK/mbsync-plain"
    log "mbsync: first sync, TLS"
    res=$(timed "$WORK/mbsync-tls" mbsync -c "$cfg" -q tls) || return 1
    read -r wall rss <<<"$res"
    put "first full sync, TLS (s)" mbsync "$wall"
    put "first full sync, TLS (msg/s)" mbsync "$(rate "$MESSAGES" "$wall")"
    put "first full sync, TLS: peak RSS (MB)" mbsync "$(mb "$rss")"
    n=$(find "$WORK/mbsync-tls/$FOLDER/cur" "$WORK/mbsync-tls/$FOLDER/new" -type f | wc -l)
    put "messages received / stored" mbsync "$n"
    log "mbsync: no-change re-sync, TLS (median of $RUNS)"
    res=$(python3 "$here/timecmd.py" --runs "$RUNS" -- mbsync -c "$cfg" -q tls) || return 1
    put "no-change re-sync, TLS (ms, median of $RUNS)" mbsync "$(cut -f1 <<<"$res")"
    rm -rf "$WORK/mbsync-tls"
}

# --- inbox ---------------------------------------------------------------------

# inbox_home NAME TLS-ARGS...: a fresh INBOX_HOME with a vault and the account.
inbox_home() {
    local name=$1; shift
    export INBOX_HOME=$WORK/$name
    mkdir -p "$INBOX_HOME"
    "$INBOX_BIN" vault init --work-factor 10 >/dev/null || return 1
    echo "$USER_PASS" | "$INBOX_BIN" account add imap bench --host 127.0.0.1 --user "$USER_NAME" \
        --include "$FOLDER" --password-stdin "$@" >/dev/null || return 1
}

measure_inbox() {
    local wall rss res n local_rate
    export INBOX_PASSPHRASE_FILE=$WORK/passphrase
    (umask 077 && echo "benchmark passphrase" >"$INBOX_PASSPHRASE_FILE")

    log "inbox: local import of the same Maildir"
    export INBOX_HOME=$WORK/inbox-local
    mkdir -p "$INBOX_HOME"
    res=$(timed "$WORK/inbox-import" "$INBOX_BIN" import "$MAILDIR") || return 1
    read -r wall rss <<<"$res"
    local_rate=$(rate "$MESSAGES" "$wall")
    put "local import of the Maildir (s)" inbox "$wall"
    put "local import of the Maildir (msg/s)" inbox "$local_rate"
    rm -rf "$INBOX_HOME"

    log "inbox: first sync, TLS"
    inbox_home inbox-tls --tls implicit --port "$IMAPS_PORT" --tls-ca-file "$CA_FILE" || return 1
    res=$(timed "$WORK/inbox-tls" "$INBOX_BIN" sync) || return 1
    read -r wall rss <<<"$res"
    put "first full sync, TLS (s)" inbox "$wall"
    put "first full sync, TLS (msg/s)" inbox "$(rate "$MESSAGES" "$wall")"
    put "first full sync, TLS: peak RSS (MB)" inbox "$(mb "$rss")"
    put "TLS sync rate / local import rate" inbox \
        "$(awk -v n="$MESSAGES" -v s="$wall" -v l="$local_rate" 'BEGIN { printf "%.0f %%", 100 * n / s / l }')"
    put "sync summary" inbox "$(tail -1 "$WORK/inbox-tls.log")"
    n=$("$INBOX_BIN" search --count '*')
    if [ "$n" = "$on_server" ]; then
        put "messages received / stored" inbox "$n"
    else
        put "messages received / stored" inbox "$n (MISMATCH: server has $on_server)"
        log "MISMATCH: inbox stores $n messages, the server holds $on_server"
    fi
    log "inbox: no-change re-sync, TLS (median of $RUNS)"
    res=$(python3 "$here/timecmd.py" --runs "$RUNS" -- "$INBOX_BIN" sync) || return 1
    put "no-change re-sync, TLS (ms, median of $RUNS)" inbox "$(cut -f1 <<<"$res")"
    rm -rf "$INBOX_HOME"

    log "inbox: first sync, plain"
    inbox_home inbox-plain --tls none --port "$IMAP_PORT" || return 1
    res=$(timed "$WORK/inbox-plain" "$INBOX_BIN" sync) || return 1
    read -r wall rss <<<"$res"
    put "first full sync, plain (s)" inbox "$wall"
    put "first full sync, plain (msg/s)" inbox "$(rate "$MESSAGES" "$wall")"
    rm -rf "$INBOX_HOME"
}

# --- profile (optional) -------------------------------------------------------

profile_inbox() {
    log "profile: first sync over TLS, progress log time-stamped"
    inbox_home profile-log --tls implicit --port "$IMAPS_PORT" --tls-ca-file "$CA_FILE" || return 1
    PROFILE_WALL=$(RUST_LOG=info python3 "$here/sync-profile.py" stamps -- "$INBOX_BIN" sync) || return 1
    rm -rf "$INBOX_HOME"
    log "profile: first sync over TLS under perf record"
    inbox_home profile-perf --tls implicit --port "$IMAPS_PORT" --tls-ca-file "$CA_FILE" || return 1
    perf record -q -e cpu-clock -F 999 -o "$WORK/perf.data" -- "$INBOX_BIN" sync >/dev/null 2>"$WORK/perf.log" || {
        tail "$WORK/perf.log" >&2; return 1; }
    PROFILE_CPU=$(python3 "$here/sync-profile.py" perf "$WORK/perf.data") || return 1
    log "profile: $RUNS no-change syncs under perf record"
    perf record -q -e cpu-clock -F 4999 -o "$WORK/perf-nochange.data" -- \
        sh -c "for i in \$(seq $RUNS); do '$INBOX_BIN' sync >/dev/null || exit 1; done" 2>"$WORK/perf.log" || {
        tail "$WORK/perf.log" >&2; return 1; }
    PROFILE_NOCHANGE=$(python3 "$here/sync-profile.py" perf "$WORK/perf-nochange.data" "$RUNS") || return 1
    rm -rf "$INBOX_HOME"
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
measure_raw || log "raw fetch failed; its cells stay n/a"
measure_mbsync || log "mbsync failed; its remaining cells stay n/a"
measure_inbox || log "inbox failed; its remaining cells stay n/a"
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
PROFILE_WALL=""
PROFILE_CPU=""
PROFILE_NOCHANGE=""
[ "$PROFILE" = 1 ] && { profile_inbox || log "profiling failed"; }

# --- report ----------------------------------------------------------------

cpus=$(nproc)
cpu_model=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
echo "Server: Dovecot $(dovecot --version | cut -d' ' -f1) on 127.0.0.1, folder $FOLDER: $on_server messages ($(cut -d' ' -f3 "$MAILDIR_DONE") bytes as files)."
echo "Machine: $cpus cores (${cpu_model:-unknown CPU}), $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo) RAM; $(uname -sr)."
echo "Versions: $(mbsync --version 2>/dev/null | head -1); $("$INBOX_BIN" --version); Python $(python3 -c 'import platform; print(platform.python_version())') (raw fetch)."
echo "Load average (1, 5, 15 min): $load_start at the start, $load_end at the end."
echo
echo "| measure | raw fetch | mbsync | inbox |"
echo "|---|---|---|---|"
for row in "${ROWS[@]}"; do
    printf '| %s |' "$row"
    for tool in raw mbsync inbox; do printf ' %s |' "${R[$row|$tool]:-n/a}"; done
    echo
done
if [ -n "$PROFILE_WALL$PROFILE_CPU" ]; then
    echo
    echo "Profile of one more first sync of inbox over TLS (load average now $(cut -d' ' -f1-3 /proc/loadavg)):"
    echo
    echo "| where the time goes | s | share | |"
    echo "|---|---|---|---|"
    [ -n "$PROFILE_WALL" ] && echo "$PROFILE_WALL"
    [ -n "$PROFILE_CPU" ] && echo "$PROFILE_CPU"
    if [ -n "$PROFILE_NOCHANGE" ]; then
        echo
        echo "On-CPU time of a no-change sync over TLS:"
        echo
        echo "| where the time goes | s | share | |"
        echo "|---|---|---|---|"
        echo "$PROFILE_NOCHANGE"
    fi
fi
