#!/usr/bin/env bash
# Benchmark inboxd: search latency and throughput over the JSON-RPC socket,
# memory, and CPU while idle with an IMAP account watching, in one run.
#
# Usage: bench/daemon.sh [--build]
#
#   --build   run `cargo build --release --bin inbox --bin inboxd` first
#
# Environment:
#   BENCH_DIR    work directory (default /tmp/inbox-bench); the Maildir is cached
#                in $BENCH_DIR/maildir, the store goes to a fresh
#                $BENCH_DIR/daemon.* directory removed at the end (KEEP=1 keeps it)
#   DOVECOT_DIR  the Dovecot instance for the idle measure (default
#                /tmp/inbox-bench-dc, <= 60 chars); started if it is not
#                running, left running afterwards
#   IMAP_PORT, IMAPS_PORT  its ports (default 11143, 11993)
#   RUNS         latency rounds, each sending the 10 queries once (default 300)
#   CLIENTS      concurrent clients for the throughput (default 8)
#   SECONDS_LOAD how long the throughput runs (default 15)
#   IDLE_SECONDS how long the idle CPU is measured (default 60)
#   MAX_LOAD     wait (up to LOAD_WAIT seconds, default 300) until the 1-minute
#                load average is below this before measuring (default 1.5)
#   INBOX_BIN, INBOXD_BIN  binaries (default ${CARGO_TARGET_DIR:-target}/release/…)
#   INBOX_TEST_CORPUS  corpus root, to build the Maildir (default ../shared/corpus)
#   MAILDIR_COPIES     copies of each corpus message in the Maildir (default 6:
#                      30,462 messages)
#
# Prints a markdown table on stdout and progress on stderr.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
peer=$repo/../shared/peers/dovecot
BENCH_DIR=${BENCH_DIR:-/tmp/inbox-bench}
DOVECOT_DIR=${DOVECOT_DIR:-/tmp/inbox-bench-dc}
export IMAP_PORT=${IMAP_PORT:-11143} IMAPS_PORT=${IMAPS_PORT:-11993}
RUNS=${RUNS:-300}
CLIENTS=${CLIENTS:-8}
SECONDS_LOAD=${SECONDS_LOAD:-15}
IDLE_SECONDS=${IDLE_SECONDS:-60}
MAX_LOAD=${MAX_LOAD:-1.5}
LOAD_WAIT=${LOAD_WAIT:-300}
BUILD=0
while [ $# -gt 0 ]; do
    case "$1" in
        --build) BUILD=1 ;;
        *) echo "usage: $0 [--build]" >&2; exit 2 ;;
    esac
    shift
done
target_dir=${CARGO_TARGET_DIR:-$repo/target}
INBOX_BIN=${INBOX_BIN:-$target_dir/release/inbox}
INBOXD_BIN=${INBOXD_BIN:-$target_dir/release/inboxd}
USER_NAME=bob
USER_PASS=bobpass
FOLDER=INBOX

log() { echo "== $*" >&2; }

if [ "$BUILD" = 1 ]; then
    log "cargo build --release --bin inbox --bin inboxd"
    (cd "$repo" && cargo build --release --bin inbox --bin inboxd >&2)
fi
for bin in "$INBOX_BIN" "$INBOXD_BIN"; do
    [ -x "$bin" ] || { echo "error: no binary at $bin (build it, or pass --build)" >&2; exit 1; }
done

# The ten benchmark queries of run.sh, read from it so both stay the same.
mapfile -t QUERIES < <(sed -n '/^QUERIES=(/,/^)/p' "$here/run.sh" | sed -n "s/^    '\(.*\)'$/\1/p")
[ ${#QUERIES[@]} -eq 10 ] || { echo "error: found ${#QUERIES[@]} queries in run.sh, expected 10" >&2; exit 1; }

# --- the Maildir (cached, shared with run.sh) -----------------------------

# shellcheck source=maildir.sh
. "$here/maildir.sh"
cached_maildir

# --- isolated environment ------------------------------------------------

WORK=$(mktemp -d "$BENCH_DIR/daemon.XXXXXX")
DAEMON_PID=""
cleanup() {
    if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
        kill -TERM "$DAEMON_PID" && wait "$DAEMON_PID" 2>/dev/null || true
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

declare -A V T M  # value, target, met per measure
ROWS=()
put() {  # put MEASURE VALUE [TARGET MET]
    [ -n "${V[$1]+x}" ] || ROWS+=("$1")
    V[$1]=$2; T[$1]=${3:-}; M[$1]=${4:-}
}
met() {  # met VALUE OP LIMIT: "yes" or "no"
    awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN {
        ok = (op == "<=") ? v <= l : (op == "<") ? v < l : v >= l; print ok ? "yes" : "no" }'
}

# Waits until the 1-minute load average is below MAX_LOAD (at most LOAD_WAIT s).
wait_for_quiet() {
    local waited=0
    while awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v m="$MAX_LOAD" 'BEGIN { exit !(l >= m) }'; do
        if [ "$waited" -ge "$LOAD_WAIT" ]; then
            log "load average still $(cut -d' ' -f1 /proc/loadavg) after ${LOAD_WAIT}s; measuring anyway"
            return 0
        fi
        [ $((waited % 30)) -eq 0 ] && log "load average $(cut -d' ' -f1 /proc/loadavg) >= $MAX_LOAD: waiting"
        sleep 5; waited=$((waited + 5))
    done
}
load_now() { cut -d' ' -f1-3 /proc/loadavg; }

rss_mib() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$DAEMON_PID/status"; }
hwm_mib() { awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$DAEMON_PID/status"; }
# utime + stime of the daemon (all its threads) in clock ticks. The command
# name is in parentheses and may hold spaces: count fields after the last ')'.
cpu_ticks() { sed 's/.*) //' "/proc/$DAEMON_PID/stat" | awk '{ print $12 + $13 }'; }
TICKS=$(getconf CLK_TCK)

start_daemon() {
    rm -f "$SOCKET"
    "$INBOXD_BIN" 2>>"$WORK/inboxd.log" &
    DAEMON_PID=$!
    local i
    for i in $(seq 300); do
        [ -S "$SOCKET" ] && "${RPC[@]}" call "$SOCKET" list_accounts >/dev/null 2>&1 && return 0
        kill -0 "$DAEMON_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "error: inboxd did not answer on $SOCKET; its log:" >&2
    tail -20 "$WORK/inboxd.log" >&2
    return 1
}

# --- 1. the store and the daemon --------------------------------------------

log "inbox import $MAILDIR"
mkdir -p "$INBOX_HOME"
"$INBOX_BIN" import "$MAILDIR" >"$WORK/import.log" 2>&1 || { tail -20 "$WORK/import.log" >&2; exit 1; }
"$INBOX_BIN" vault init --identity >/dev/null
indexed=$("$INBOX_BIN" search --count '*')
[ "$indexed" = "$MESSAGES" ] || { echo "error: the store holds $indexed messages, expected $MESSAGES" >&2; exit 1; }

log "starting inboxd"
t0=$(date +%s.%N)
start_daemon
startup_ms=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", (b - a) * 1000 }')
sleep 2
rss_start=$(rss_mib)

# --- 2. latency ----------------------------------------------------------------

wait_for_quiet
load_start=$(load_now)
declare -a QROWS
lat_total=0
log "latency: $RUNS rounds of the 10 queries, search limit 50 (snippets on, the default)"
while IFS=$'\t' read -r q p50 p99 mean n; do
    if [ "$q" = all ]; then
        put "search, limit 50: p50 over all queries (ms)" "$p50" "<= 2" "$(met "$p50" '<=' 2)"
        put "search, limit 50: p99 over all queries (ms)" "$p99" "<= 10" "$(met "$p99" '<=' 10)"
        put "search, limit 50: mean (ms)" "$mean"
        lat_total=$n
    else
        QROWS+=("| q$q | $p50 | $p99 | $mean | $n |")
    fi
done < <("${RPC[@]}" latency "$SOCKET" --runs "$RUNS" --params '{"limit":50}' "${QUERIES[@]}")

log "latency: the same without snippets, and count"
read -r _ nosnip50 nosnip99 _ < <("${RPC[@]}" latency "$SOCKET" --runs "$((RUNS / 3))" \
    --params '{"limit":50,"snippets":false}' "${QUERIES[@]}" | grep '^all')
put "search, limit 50, snippets off: p50 / p99 (ms)" "$nosnip50 / $nosnip99"
read -r _ count50 count99 _ < <("${RPC[@]}" latency "$SOCKET" --runs "$((RUNS / 3))" --method count "${QUERIES[@]}" | grep '^all')
put "count: p50 / p99 (ms)" "$count50 / $count99"

# --- 3. throughput -------------------------------------------------------------

wait_for_quiet
log "throughput: $CLIENTS clients for ${SECONDS_LOAD}s"
cpu0=$(cpu_ticks)
IFS=$'\t' read -r nreq secs rate tp50 tp99 client_cpu < <("${RPC[@]}" throughput "$SOCKET" \
    --clients "$CLIENTS" --seconds "$SECONDS_LOAD" --params '{"limit":50}' "${QUERIES[@]}")
daemon_cpu=$(awk -v a="$cpu0" -v b="$(cpu_ticks)" -v t="$TICKS" 'BEGIN { printf "%.1f", (b - a) / t }')
put "throughput, $CLIENTS clients (searches/s)" "$rate" ">= 2000" "$(met "$rate" '>=' 2000)"
put "throughput: requests in ${secs} s; p50 / p99 under load (ms)" "$nreq; $tp50 / $tp99"
put "throughput: CPU s of inboxd / of the Python clients" "$daemon_cpu / $client_cpu"
log "throughput without snippets"
IFS=$'\t' read -r _ _ rate_nosnip _ _ _ < <("${RPC[@]}" throughput "$SOCKET" \
    --clients "$CLIENTS" --seconds "$SECONDS_LOAD" --params '{"limit":50,"snippets":false}' "${QUERIES[@]}")
put "throughput, snippets off (searches/s)" "$rate_nosnip"
load_after_search=$(load_now)

# --- 4. memory -------------------------------------------------------------------

sleep 5
rss_after=$(rss_mib)
put "RSS right after start (MiB)" "$rss_start" "<= 50" "$(met "$rss_start" '<=' 50)"
put "RSS idle after the searches (MiB)" "$rss_after" "<= 50" "$(met "$rss_after" '<=' 50)"
put "peak RSS so far, VmHWM (MiB)" "$(hwm_mib)"

# --- 5. idle CPU with an IMAP account in IDLE --------------------------------------

log "dovecot in $DOVECOT_DIR (ports $IMAP_PORT, $IMAPS_PORT)"
bash "$peer/start.sh" "$DOVECOT_DIR" >&2
CA_FILE=$DOVECOT_DIR/ssl/cert.pem
on_server=$(doveadm -c "$DOVECOT_DIR/etc/dovecot.conf" mailbox status -u "$USER_NAME" messages "$FOLDER" 2>/dev/null \
    | sed -n 's/.*messages=\([0-9]*\).*/\1/p')
log "adding IMAP account $USER_NAME ($FOLDER only: ${on_server:-?} messages), then SIGHUP"
echo "$USER_PASS" | "$INBOX_BIN" account add imap dc --host 127.0.0.1 --user "$USER_NAME" --include "$FOLDER" \
    --tls implicit --port "$IMAPS_PORT" --tls-ca-file "$CA_FILE" --password-stdin >/dev/null
kill -HUP "$DAEMON_PID"
state=""
for i in $(seq 120); do
    state=$("${RPC[@]}" call "$SOCKET" account_status '{"account":"dc"}' \
        | python3 -c 'import json, sys; r = json.load(sys.stdin); print(r[0]["state"] if r else "")')
    [ "$state" = idle ] && break
    sleep 0.5
done
if [ "$state" != idle ]; then
    put "idle CPU over ${IDLE_SECONDS} s, IMAP IDLE open (s)" "n/a (account state: ${state:-none})" "< 0.5" no
else
    sleep 3  # the sync's tail (index commit, events) settles
    wait_for_quiet
    load_idle=$(load_now)
    log "idle CPU: ${IDLE_SECONDS}s"
    cpu0=$(cpu_ticks)
    sleep "$IDLE_SECONDS"
    idle_cpu=$(awk -v a="$cpu0" -v b="$(cpu_ticks)" -v t="$TICKS" 'BEGIN { printf "%.2f", (b - a) / t }')
    state_after=$("${RPC[@]}" call "$SOCKET" account_status '{"account":"dc"}' \
        | python3 -c 'import json, sys; r = json.load(sys.stdin); print(r[0]["state"])')
    put "idle CPU over ${IDLE_SECONDS} s, IMAP IDLE open (s)" "$idle_cpu" "< 0.5" "$(met "$idle_cpu" '<' 0.5)"
    put "account state before / after the idle minute" "idle / $state_after"
    put "RSS with the IMAP account watching (MiB)" "$(rss_mib)" "<= 50" "$(met "$(rss_mib)" '<=' 50)"
fi

# --- report ----------------------------------------------------------------

cpus=$(nproc)
cpu_model=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
echo "Store: $indexed messages imported from $MAILDIR ($(du -sm "$INBOX_HOME" | cut -f1) MB); inboxd answered ${startup_ms} ms after its start."
echo "Machine: $cpus cores (${cpu_model:-unknown CPU}), $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo) RAM; $(uname -sr). $("$INBOX_BIN" --version); Python $(python3 -c 'import platform; print(platform.python_version())') clients."
echo "Load average (1, 5, 15 min): $load_start before the searches, $load_after_search after them, ${load_idle:-n/a} before the idle minute."
echo "Latency: $RUNS rounds of the 10 queries over one connection, one request at a time ($lat_total requests), after one warm-up each."
echo
echo "| measure | value | target | met? |"
echo "|---|---|---|---|"
for row in "${ROWS[@]}"; do
    echo "| $row | ${V[$row]} | ${T[$row]:-} | ${M[$row]:-} |"
done
echo
echo "Per query, search with limit 50 (ms):"
echo
echo "| query | p50 | p99 | mean | matches |"
echo "|---|---|---|---|---|"
printf '%s\n' "${QROWS[@]}"
echo
for i in "${!QUERIES[@]}"; do echo "- q$((i + 1)): \`${QUERIES[$i]}\`"; done
