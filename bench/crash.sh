#!/usr/bin/env bash
# Crash test: inbox must neither lose nor duplicate a message when the daemon
# is killed, when the IMAP server restarts mid-sync, or when the disk fills up.
#
# Usage: bench/crash.sh [--quick] [--build] [--only kill|server|disk]
#
#   --quick   the reduced form: MESSAGES=10000, KILLS=5 after 200..1500 ms each,
#             RESTARTS=1 (each still overridable from the environment); about
#             a minute on 2 cores
#   --build   run `cargo build --release --bin inbox --bin inboxd` first
#   --only    run one scenario (repeatable); default all three:
#     kill    SIGKILL inboxd KILLS times, at random moments of its first sync
#             of the folder, restarting it each time; then let it finish
#     server  stop and restart Dovecot RESTARTS times while inboxd syncs; the
#             daemon must retry on its own and finish
#     disk    `inbox import` of the Maildir into a data directory on a small
#             tmpfs (DISK_MB, nearly filled by a filler file first): it must
#             fail with a clear "no space" error; after the filler is deleted
#             and the tmpfs grown, a second import must complete
#
# After each scenario the store (read from its SQLite file) is compared with
# the source: server messages by UID and Message-ID (python imaplib, `UID
# FETCH 1:* (BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])`) or the Maildir's files
# by Message-ID; the index (`inbox search --count/--json '*'`) with the store
# (`inbox account list --json` and the store's rows). See crashcheck.py.
#
# Environment:
#   BENCH_DIR    work directory (default /tmp/inbox-bench); the Maildir is cached
#                in $BENCH_DIR/maildir, everything else goes to a fresh
#                $BENCH_DIR/crash.* directory removed at the end (KEEP=1 keeps it)
#   DOVECOT_DIR  the Dovecot instance (default /tmp/inbox-crash-dc, <= 60 chars),
#                its own so restarting it disturbs nobody; started if it is not
#                running, left running afterwards
#   IMAP_PORT, IMAPS_PORT  its ports (default 11145, 11995)
#   MESSAGES     use the first N messages of the Maildir (default all: 30,462),
#                in the server folder `bench` (all) or `bench-N`, loaded once
#   KILLS        SIGKILLs of the daemon (default 20)
#   KILL_MIN_MS, KILL_MAX_MS  the random wait before each kill (default 500, 4000)
#   RESTARTS     Dovecot restarts during the sync (default 3)
#   DOWN_MS      how long Dovecot stays down each time (default 1000)
#   SEED         seed of bash's RANDOM (default: from the clock; printed)
#   SYNC_TIMEOUT seconds to wait for the last sync to finish (default 600)
#   DISK_MB      size of the tmpfs of the disk-full case (default 40)
#   FREE_MB      space the filler file leaves free on it (default 8)
#   INBOX_BIN, INBOXD_BIN  binaries (default ${CARGO_TARGET_DIR:-target}/release/…)
#   INBOX_TEST_CORPUS  corpus root, to build the Maildir (default ../shared/corpus)
#
# Needs root for the tmpfs (the disk case is reported as skipped otherwise),
# python3 and the sqlite3 CLI (installed from Debian when missing, as root).
# Prints a markdown table on stdout and progress on stderr; exits 1 when any
# message is lost or duplicated, the index and store disagree, the daemon
# panics or the disk-full error does not say so.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
peer=$repo/../shared/peers/dovecot
BENCH_DIR=${BENCH_DIR:-/tmp/inbox-bench}
DOVECOT_DIR=${DOVECOT_DIR:-/tmp/inbox-crash-dc}
export IMAP_PORT=${IMAP_PORT:-11145} IMAPS_PORT=${IMAPS_PORT:-11995}
QUICK=0
BUILD=0
ONLY=()
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) QUICK=1 ;;
        --build) BUILD=1 ;;
        --only)
            case "${2:-}" in kill | server | disk) ONLY+=("$2") ;; *) echo "usage: $0 [--quick] [--build] [--only kill|server|disk]" >&2; exit 2 ;; esac
            shift ;;
        *) echo "usage: $0 [--quick] [--build] [--only kill|server|disk]" >&2; exit 2 ;;
    esac
    shift
done
[ ${#ONLY[@]} -gt 0 ] || ONLY=(kill server disk)
if [ "$QUICK" = 1 ]; then
    WANT_MESSAGES=${MESSAGES:-10000}
    KILLS=${KILLS:-5}
    RESTARTS=${RESTARTS:-1}
    KILL_MIN_MS=${KILL_MIN_MS:-200}
    KILL_MAX_MS=${KILL_MAX_MS:-1500}
else
    WANT_MESSAGES=${MESSAGES:-}
    KILLS=${KILLS:-20}
    RESTARTS=${RESTARTS:-3}
fi
KILL_MIN_MS=${KILL_MIN_MS:-500}
KILL_MAX_MS=${KILL_MAX_MS:-4000}
DOWN_MS=${DOWN_MS:-1000}
SYNC_TIMEOUT=${SYNC_TIMEOUT:-600}
DISK_MB=${DISK_MB:-40}
FREE_MB=${FREE_MB:-8}
SEED=${SEED:-$(( $(date +%s%N) % 32768 ))}
RANDOM=$SEED
target_dir=${CARGO_TARGET_DIR:-$repo/target}
INBOX_BIN=${INBOX_BIN:-$target_dir/release/inbox}
INBOXD_BIN=${INBOXD_BIN:-$target_dir/release/inboxd}
USER_NAME=bob
USER_PASS=bobpass
ACCOUNT=crash

log() { echo "== $*" >&2; }
has() { local x; for x in "${ONLY[@]}"; do [ "$x" = "$1" ] && return 0; done; return 1; }

if [ "$BUILD" = 1 ]; then
    log "cargo build --release --bin inbox --bin inboxd"
    (cd "$repo" && cargo build --release --bin inbox --bin inboxd >&2)
fi
for bin in "$INBOX_BIN" "$INBOXD_BIN"; do
    [ -x "$bin" ] || { echo "error: no binary at $bin (build it, or pass --build)" >&2; exit 1; }
done
if ! command -v sqlite3 >/dev/null; then
    [ "$(id -u)" -eq 0 ] || { echo "error: sqlite3 is missing; apt-get install sqlite3, or run as root" >&2; exit 1; }
    log "installing sqlite3"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3 >&2
fi
log "seed $SEED (SEED=$SEED repeats this run)"

# --- the Maildir (cached, shared with run.sh), cut to MESSAGES --------------

# shellcheck source=maildir.sh
. "$here/maildir.sh"
cached_maildir
ALL_MESSAGES=$MESSAGES
MESSAGES=${WANT_MESSAGES:-$ALL_MESSAGES}
[ "$MESSAGES" -ge 1 ] && [ "$MESSAGES" -le "$ALL_MESSAGES" ] || {
    echo "error: MESSAGES must be between 1 and $ALL_MESSAGES" >&2; exit 1; }
# One folder per size, so switching between sizes reloads nothing (deleting
# a 30,000-message folder takes Dovecot minutes).
FOLDER=bench
[ "$MESSAGES" = "$ALL_MESSAGES" ] || FOLDER=bench-$MESSAGES

WORK=$(mktemp -d "$BENCH_DIR/crash.XXXXXX")
DAEMON_PID=""
MOUNTED=""
cleanup() {
    if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
        kill -KILL "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null || true
    fi
    [ -z "$MOUNTED" ] || umount "$MOUNTED" || true
    [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT
export HOME=$WORK/home XDG_CONFIG_HOME=$WORK/home/.config XDG_CACHE_HOME=$WORK/home/.cache
export XDG_DATA_HOME=$WORK/home/.local/share XDG_RUNTIME_DIR=$WORK/home/run TZ=UTC LC_ALL=C.UTF-8
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
unset INBOX_HOME RUST_LOG INBOX_PASSPHRASE_FILE

# The first MESSAGES files of the Maildir (in name order, as load_corpus.py
# takes them), hard-linked into a Maildir of their own when not all.
SOURCE=$MAILDIR
if [ "$MESSAGES" -lt "$ALL_MESSAGES" ]; then
    SOURCE=$WORK/source
    mkdir -p "$SOURCE/cur" "$SOURCE/new" "$SOURCE/tmp"
    find "$MAILDIR/cur" -maxdepth 1 -type f -printf '%f\n' | sort | awk -v n="$MESSAGES" 'NR <= n' \
        | while read -r name; do ln "$MAILDIR/cur/$name" "$SOURCE/cur/$name" 2>/dev/null \
            || cp "$MAILDIR/cur/$name" "$SOURCE/cur/$name"; done
fi
SOURCE_BYTES=$(du -sb "$SOURCE/cur" | cut -f1)

declare -A V  # V[scenario|column] = cell text
SCENARIOS=()
COLUMNS=(interruptions source stored "store messages" lost duplicated "stale / id mismatch"
    "index (count)" "index == store" "finish (s)" result)
FAILED=0
NOTES=()
put() { V[$1|$2]=$3; }

# --- the server ----------------------------------------------------------------

DOVECOT_CONF=$DOVECOT_DIR/etc/dovecot.conf
CA_FILE=$DOVECOT_DIR/ssl/cert.pem
server_count() {
    doveadm -c "$DOVECOT_CONF" mailbox status -u "$USER_NAME" messages "$FOLDER" 2>/dev/null \
        | sed -n 's/.*messages=\([0-9]*\).*/\1/p' || true
}
dovecot_up() { bash "$peer/start.sh" "$DOVECOT_DIR" >/dev/null; }
# `dovecot stop` ends the master but leaves the processes serving open
# sessions running, and their clients notice nothing: end them too (by pid,
# those of this instance only), as a restarting server does.
dovecot_down() {
    bash "$peer/stop.sh" "$DOVECOT_DIR" >/dev/null
    local pids
    pids=$(ps -eo pid=,args= | awk -v tag="dovecot-test-$(basename "$DOVECOT_DIR")/" 'index($2, tag) == 1 { print $1 }')
    # shellcheck disable=SC2086
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
}

load_folder() {
    log "dovecot in $DOVECOT_DIR (ports $IMAP_PORT, $IMAPS_PORT)"
    dovecot_up
    local on_server
    on_server=$(server_count)
    if [ "${on_server:-0}" != "$MESSAGES" ]; then
        if [ -n "$on_server" ]; then
            log "folder $FOLDER holds $on_server messages, not $MESSAGES: reloading it"
            doveadm -c "$DOVECOT_CONF" mailbox delete -u "$USER_NAME" -s "$FOLDER" >&2
        fi
        log "loading $MESSAGES messages into $USER_NAME/$FOLDER"
        python3 "$peer/load_corpus.py" "$DOVECOT_DIR" "$USER_NAME" "$MAILDIR" --mode copy \
            --folder "$FOLDER" --limit "$MESSAGES" >&2
        on_server=$(server_count)
    else
        log "reusing $USER_NAME/$FOLDER ($on_server messages)"
    fi
    [ "$on_server" = "$MESSAGES" ] || {
        echo "error: the server holds ${on_server:-no} messages in $FOLDER, expected $MESSAGES" >&2; exit 1; }
}

# --- the daemon ----------------------------------------------------------------

SOCKET=""
rpc() { timeout 10 python3 "$here/rpcload.py" call "$SOCKET" "$@" 2>/dev/null; }

# A fresh INBOX_HOME with an identity vault and the IMAP account (implicit TLS).
fresh_home() {
    export INBOX_HOME=$WORK/$1
    SOCKET=$INBOX_HOME/run/rpc.sock
    mkdir -p "$INBOX_HOME"
    "$INBOX_BIN" vault init --identity >/dev/null
    echo "$USER_PASS" | "$INBOX_BIN" account add imap "$ACCOUNT" --host 127.0.0.1 --user "$USER_NAME" \
        --include "$FOLDER" --tls implicit --port "$IMAPS_PORT" --tls-ca-file "$CA_FILE" \
        --password-stdin >/dev/null
}

start_daemon() {
    "$INBOXD_BIN" 2>>"$INBOX_HOME/inboxd.log" &
    DAEMON_PID=$!
}

# "STATE STORED LAST_SYNC" of the account, or "down 0 -" when nobody answers.
status() {
    local out
    out=$(rpc account_status "{\"account\":\"$ACCOUNT\"}") || { echo "down 0 -"; return 0; }
    python3 -c '
import json, sys
r = json.loads(sys.argv[1])[0]
n = sum(f["messages"] for f in r["folders"] if f["folder"] == sys.argv[2])
print(r["state"], n, r["last_sync"] or "-")' "$out" "$FOLDER" 2>/dev/null || echo "down 0 -"
}

# Waits until a sync of this daemon's life has finished with every server
# message stored (or, after one has finished, 15 s without progress);
# prints the seconds it took. Fails when the daemon exits or on timeout.
wait_synced() {
    local t0 state n last waited=0 idle_since=""
    t0=$(date +%s.%N)
    while :; do
        kill -0 "$DAEMON_PID" 2>/dev/null || { log "inboxd exited by itself"; return 1; }
        read -r state n last < <(status)
        if [ "$state" = idle ] && [ "$last" != - ]; then
            [ "$n" -ge "$MESSAGES" ] && break
            idle_since=${idle_since:-$waited}
            [ $((waited - idle_since)) -ge 150 ] && { log "idle with $n of $MESSAGES stored"; break; }
        fi
        [ "$waited" -ge $((SYNC_TIMEOUT * 10)) ] && { log "no finished sync after ${SYNC_TIMEOUT}s (state $state, $n stored)"; return 1; }
        sleep 0.1; waited=$((waited + 1))
    done
    awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
}

stop_daemon() {
    kill -TERM "$DAEMON_PID" 2>/dev/null || true
    wait "$DAEMON_PID" 2>/dev/null || true
    DAEMON_PID=""
}

rand_ms() { echo $(($1 + (RANDOM * 32768 + RANDOM) % ($2 - $1 + 1))); }
sleep_ms() { sleep "$(awk -v m="$1" 'BEGIN { printf "%.3f", m / 1000 }')"; }

# --- the comparison ------------------------------------------------------------

# check SCENARIO MODE ARGS...: runs crashcheck.py, fills the row, judges it.
check() {
    local name=$1 mode=$2; shift 2
    local out
    out=$(python3 "$here/crashcheck.py" "$mode" "$@" --store "$INBOX_HOME/store.sqlite3" \
        --account "${CHECK_ACCOUNT:-$ACCOUNT}" --inbox "$INBOX_BIN") || {
        put "$name" result "FAIL (check failed)"; FAILED=1; return 0; }
    echo "$out" >"$WORK/$name.check.json"
    local verdict
    verdict=$(python3 - "$out" "$mode" <<'EOF'
import json, sys
r = json.loads(sys.argv[1])
bad = []
if r["lost"]: bad.append(f'{r["lost"]} lost')
if r["duplicated"]: bad.append(f'{r["duplicated"]} duplicated')
if r["stale"]: bad.append(f'{r["stale"]} stale locations')
# A Maildir location is the file name, so the file is stored whatever its
# Message-ID reads as; over IMAP another Message-ID means a wrong UID.
if r["id_mismatch"] and sys.argv[2] == "imap": bad.append(f'{r["id_mismatch"]} locations with another Message-ID')
if r["locations"] != r["source"]: bad.append("stored != source")
same = r["index"] == r["store"] == r["index_ids"] == r["account_list"] and not r["index_dup"] and not r["index_vs_store"]
if not same: bad.append("index != store")
cells = [r["source"], r["locations"], r["store"], r["lost"], r["duplicated"],
         f'{r["stale"]} / {r["id_mismatch"]}', r["index"], "yes" if same else
         f'no (search ids {r["index_ids"]}, repeated {r["index_dup"]}, differing {r["index_vs_store"]}, account list {r["account_list"]})']
print("\t".join(str(c) for c in cells) + "\t" + ("; ".join(bad) or "pass"))
if bad: print("examples: " + json.dumps(r["examples"]), file=sys.stderr)
EOF
    )
    local mismatched
    mismatched=$(python3 -c 'import json, sys; r = json.loads(sys.argv[1]); print(r["id_mismatch"], json.dumps(r["examples"]["id_mismatch"][:2]))' "$out")
    [ "${mismatched%% *}" = 0 ] || NOTES+=("$name: ${mismatched%% *} stored message(s) carry another Message-ID than the source reads, e.g. \`${mismatched#* }\`")
    local source stored rows lost dup stale index same verdict_text
    IFS=$'\t' read -r source stored rows lost dup stale index same verdict_text <<<"$verdict"
    put "$name" source "$source"; put "$name" stored "$stored"; put "$name" "store messages" "$rows"
    put "$name" lost "$lost"; put "$name" duplicated "$dup"; put "$name" "stale / id mismatch" "$stale"
    put "$name" "index (count)" "$index"; put "$name" "index == store" "$same"
    if [ "$verdict_text" = pass ]; then
        put "$name" result pass
    else
        put "$name" result "FAIL: $verdict_text"; FAILED=1
    fi
}

# Fails the scenario when the daemon's log holds a panic.
check_log() {
    local name=$1
    if grep -q "panicked" "$INBOX_HOME/inboxd.log" 2>/dev/null; then
        put "$name" result "FAIL: panic ($(grep -m1 panicked "$INBOX_HOME/inboxd.log"))"; FAILED=1
    fi
}

imap_args() {
    echo --host 127.0.0.1 --port "$IMAPS_PORT" --tls --ca-file "$CA_FILE" \
        --user "$USER_NAME" --password "$USER_PASS" --folder "$FOLDER"
}

# --- 1. SIGKILL ------------------------------------------------------------------

scenario_kill() {
    local name="SIGKILL inboxd" i wait state n last midsync=0 secs
    SCENARIOS+=("$name")
    log "$name: $KILLS kills, each after ${KILL_MIN_MS}..${KILL_MAX_MS} ms"
    fresh_home kill
    start_daemon
    for i in $(seq "$KILLS"); do
        wait=$(rand_ms "$KILL_MIN_MS" "$KILL_MAX_MS")
        sleep_ms "$wait"
        read -r state n last < <(status)
        if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
            put "$name" result "FAIL: inboxd exited by itself before kill $i"; FAILED=1
            tail -5 "$INBOX_HOME/inboxd.log" >&2
            return 0
        fi
        kill -KILL "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null || true
        [ "$state" = syncing ] && midsync=$((midsync + 1))
        log "kill $i/$KILLS after $wait ms: $state, $n of $MESSAGES stored"
        start_daemon
    done
    put "$name" interruptions "$KILLS kills ($midsync mid-sync)"
    [ "$midsync" -ge 1 ] || NOTES+=("$name: every kill came after the sync had finished; lower KILL_MAX_MS to test more")
    secs=$(wait_synced) || { put "$name" result "FAIL: the last sync did not finish"; FAILED=1; stop_daemon; return 0; }
    put "$name" "finish (s)" "$secs"
    log "synced ${secs}s after the last restart; comparing"
    # shellcheck disable=SC2046
    check "$name" imap $(imap_args)
    stop_daemon
    check_log "$name"
}

# --- 2. Dovecot restarts -----------------------------------------------------------

scenario_server() {
    local name="Dovecot restarts" i midsync=0 waited secs
    SCENARIOS+=("$name")
    log "$name: $RESTARTS restarts during the sync, down ${DOWN_MS} ms each"
    fresh_home server
    start_daemon
    # Restart i comes after a random number (1..STEP) of the daemon's
    # "fetched messages" progress lines (one per 200 messages) since the
    # previous restart: always while messages are being fetched.
    local step=$(( MESSAGES / 200 / (RESTARTS + 1) )) lines seen=0 want
    [ "$step" -ge 1 ] || step=1
    for i in $(seq "$RESTARTS"); do
        want=$(( seen + 1 + RANDOM % step ))
        waited=0
        while :; do
            lines=$(grep -c "fetched messages" "$INBOX_HOME/inboxd.log" || true)
            [ "$lines" -ge "$want" ] && break
            grep -q "synced account" "$INBOX_HOME/inboxd.log" && break
            [ "$waited" -ge 6000 ] && break
            sleep 0.01; waited=$((waited + 1))
        done
        if grep -q "synced account" "$INBOX_HOME/inboxd.log"; then
            log "restart $i: the sync finished first"
            break
        fi
        log "restart $i/$RESTARTS: $(grep "fetched messages" "$INBOX_HOME/inboxd.log" | tail -1 | sed 's/.*done=/fetched /; s/ total=/ of /')"
        dovecot_down
        seen=$(grep -c "fetched messages" "$INBOX_HOME/inboxd.log" || true)
        midsync=$((midsync + 1))
        sleep_ms "$DOWN_MS"
        dovecot_up
    done
    put "$name" interruptions "$RESTARTS restarts ($midsync mid-sync)"
    secs=$(wait_synced) || { put "$name" result "FAIL: the sync did not finish"; FAILED=1; stop_daemon; return 0; }
    put "$name" "finish (s)" "$secs"
    local failures first
    failures=$(grep -c "sync failed" "$INBOX_HOME/inboxd.log" || true)
    first=$(grep -m1 "sync failed" "$INBOX_HOME/inboxd.log" | sed 's/^[^ ]* *//' | cut -c1-240 || true)
    NOTES+=("Dovecot restarts: inboxd logged $failures failed sync(s), each retried; the first: \`${first:-none}\`")
    log "synced ${secs}s after the last restart; comparing"
    # shellcheck disable=SC2046
    check "$name" imap $(imap_args)
    stop_daemon
    check_log "$name"
    [ "$midsync" -ge 1 ] || { put "$name" result "FAIL: the sync finished before any restart"; FAILED=1; }
}

# --- 3. disk full --------------------------------------------------------------------

scenario_disk() {
    local name="disk full (import)" mnt=$WORK/disk need rc=0 err t0 secs integrity
    SCENARIOS+=("$name")
    if [ "$(id -u)" -ne 0 ]; then
        put "$name" result "skipped (needs root for the tmpfs)"; return 0
    fi
    mkdir -p "$mnt"
    mount -t tmpfs -o "size=${DISK_MB}m,mode=0700" tmpfs "$mnt"
    MOUNTED=$mnt
    export INBOX_HOME=$mnt
    dd if=/dev/zero of="$mnt/filler" bs=1M count=$((DISK_MB - FREE_MB)) status=none
    log "$name: inbox import of $MESSAGES messages into a ${DISK_MB} MB tmpfs with ${FREE_MB} MB free"
    "$INBOX_BIN" import --account disk "$SOURCE" >"$WORK/disk-1.out" 2>"$WORK/disk-1.err" || rc=$?
    err=$(grep -i -m1 "error" "$WORK/disk-1.err" || tail -1 "$WORK/disk-1.err")
    log "first import: exit $rc: $err"
    NOTES+=("Disk full: the import exited $rc with \`${err:-<nothing on stderr>}\`")
    put "$name" interruptions "1 full disk"
    if [ "$rc" -eq 0 ]; then
        put "$name" result "FAIL: the import succeeded on a full disk"; FAILED=1
    elif ! grep -qiE "space|disk" <<<"$err"; then
        put "$name" result "FAIL: the error does not say the disk is full"; FAILED=1
    fi
    if grep -q panicked "$WORK/disk-1.err"; then
        put "$name" result "FAIL: panic"; FAILED=1
    fi
    # free the space: delete the filler, grow the tmpfs to hold the whole store
    rm -f "$mnt/filler"
    need=$(( SOURCE_BYTES * 2 / 1048576 + 64 ))
    [ "$need" -gt "$DISK_MB" ] || need=$DISK_MB
    mount -o "remount,size=${need}m" "$mnt"
    integrity=$(sqlite3 "$mnt/store.sqlite3" "PRAGMA integrity_check" 2>&1 | sed -n 1,3p | tr '\n' ' ')
    NOTES+=("Disk full: the store after the failed import: integrity_check \`${integrity% }\`")
    log "second import, ${need} MB"
    t0=$(date +%s.%N)
    rc=0
    "$INBOX_BIN" import --account disk "$SOURCE" >"$WORK/disk-2.out" 2>"$WORK/disk-2.err" || rc=$?
    secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    put "$name" "finish (s)" "$secs"
    if [ "$rc" -ne 0 ]; then
        put "$name" result "FAIL: the second import exited $rc: $(tail -1 "$WORK/disk-2.err")"; FAILED=1
        return 0
    fi
    NOTES+=("Disk full: the second import said \`$(tail -1 "$WORK/disk-2.out")\`")
    integrity=$(sqlite3 "$mnt/store.sqlite3" "PRAGMA integrity_check" 2>&1 | sed -n 1,3p | tr '\n' ' ')
    NOTES+=("Disk full: the store after the second import: integrity_check \`${integrity% }\`")
    local before=${V[$name|result]:-}
    CHECK_ACCOUNT=disk check "$name" maildir --maildir "$SOURCE"
    [ -z "$before" ] || put "$name" result "$before"
    [ "${integrity% }" = ok ] || { put "$name" result "FAIL: integrity_check: $integrity"; FAILED=1; }
    umount "$mnt"; MOUNTED=""
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date +%s)
if has kill || has server; then load_folder; fi
has kill && scenario_kill
has server && scenario_server
has disk && scenario_disk
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# --- report --------------------------------------------------------------------

cpu_model=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
echo "Source: the first $MESSAGES of the $ALL_MESSAGES benchmark messages ($((SOURCE_BYTES / 1000000)) MB); IMAP folder $FOLDER on Dovecot $(dovecot --version | cut -d' ' -f1), implicit TLS."
echo "Machine: $(nproc) cores (${cpu_model:-unknown CPU}); $(uname -sr); $("$INBOX_BIN" --version). Load average (1, 5, 15 min): $load_start at the start, $load_end at the end."
echo "Seed $SEED; kills after ${KILL_MIN_MS}..${KILL_MAX_MS} ms; Dovecot down ${DOWN_MS} ms per restart; $(( $(date +%s) - started )) s in all."
echo
printf '| scenario |'; printf ' %s |' "${COLUMNS[@]}"; echo
printf '|---|'; printf -- '---|%.0s' "${COLUMNS[@]}"; echo
for s in "${SCENARIOS[@]}"; do
    printf '| %s |' "$s"
    for c in "${COLUMNS[@]}"; do printf ' %s |' "${V[$s|$c]:-n/a}"; done
    echo
done
if [ ${#NOTES[@]} -gt 0 ]; then
    echo
    for n in "${NOTES[@]}"; do echo "- $n"; done
fi
exit "$FAILED"
