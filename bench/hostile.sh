#!/usr/bin/env bash
# Hostile input through the whole pipeline: each hostile message imported
# alone into a fresh inbox, then all of them at once; time, memory, outcome.
# Each message alone is also shown through inboxd (`get_message` with its
# sanitized HTML part), timed, with the daemon's peak memory.
#
# Usage: bench/hostile.sh
#
# Environment:
#   BENCH_DIR          work directory (default /tmp/inbox-bench); the hostile
#                      Maildir is cached in $BENCH_DIR/hostile (rebuilt when
#                      make-hostile.py changes), inboxes go to a fresh
#                      $BENCH_DIR/hostile-run.* removed at the end (KEEP=1 keeps it)
#   INBOX_TEST_CORPUS  corpus root (default: ../shared/corpus next to the repository)
#   INBOX_BIN          inbox binary (default ${CARGO_TARGET_DIR:-target}/release/inbox)
#   INBOXD_BIN         inboxd binary (default: inboxd next to INBOX_BIN)
#   TIMEOUT            seconds before an import is killed (default 300)
#   CASES              only these cases, by file name (default: all; see make-hostile.py --list)
#
# Prints a markdown table on stdout and progress on stderr. Exits 1 when any
# import panics, fails, runs longer than 30 s, peaks above 10 times the
# message size + 150 MB, or loses the message (count, subject search or raw
# bytes differ), or when `get_message` fails, takes longer than 30 s or the
# daemon peaks above the same memory bound.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
BENCH_DIR=${BENCH_DIR:-/tmp/inbox-bench}
TIMEOUT=${TIMEOUT:-300}
target_dir=${CARGO_TARGET_DIR:-$repo/target}
INBOX_BIN=${INBOX_BIN:-$target_dir/release/inbox}
INBOXD_BIN=${INBOXD_BIN:-$(dirname "$INBOX_BIN")/inboxd}
MAX_SECONDS=30

log() { echo "== $*" >&2; }

[ -x "$INBOX_BIN" ] || { echo "error: $INBOX_BIN not found; build it (cargo build --release --bin inbox) or set INBOX_BIN" >&2; exit 1; }
[ -x "$INBOXD_BIN" ] || { echo "error: $INBOXD_BIN not found; build it (cargo build --release --bin inboxd) or set INBOXD_BIN" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "error: /usr/bin/time is missing; install it (apt-get install time)" >&2; exit 1; }

# --- the hostile Maildir, cached -----------------------------------------------

HOSTILE=$BENCH_DIR/hostile
mkdir -p "$BENCH_DIR"
stamp="$(sha1sum "$here/make-hostile.py" | cut -d' ' -f1) ${INBOX_TEST_CORPUS:-default corpus}"
if [ "$(head -1 "$BENCH_DIR/hostile.done" 2>/dev/null)" != "$stamp" ]; then
    log "building $HOSTILE"
    rm -rf "$HOSTILE" "$BENCH_DIR/hostile.done"
    corpus_args=()
    [ -n "${INBOX_TEST_CORPUS:-}" ] && corpus_args=(--corpus "$INBOX_TEST_CORPUS")
    python3 "$here/make-hostile.py" "${corpus_args[@]}" "$HOSTILE" >"$BENCH_DIR/hostile.list"
    { echo "$stamp"; tail -1 "$BENCH_DIR/hostile.list"; } >"$BENCH_DIR/hostile.done"
fi
log "using $HOSTILE ($(tail -1 "$BENCH_DIR/hostile.done"))"

RUN=$(mktemp -d "$BENCH_DIR/hostile-run.XXXXXX")
cleanup() { if [ "${KEEP:-0}" = 1 ]; then log "kept $RUN"; else rm -rf "$RUN"; fi; }
trap cleanup EXIT

# --- one measured import ---------------------------------------------------------

# What `inbox show --json` says of one message, in a few words.
KEPT_PY=$(cat <<'EOF'
import json, sys
m = json.load(sys.stdin)
parts = []
for field in ("to", "cc"):
    if len(m[field]) > 1:
        parts.append(f"{field} {len(m[field])}")
attachments = m["attachment_list"]
if len(attachments) > 2:
    parts.append(f"{len(attachments)} attachments")
for a in attachments[:2]:
    parts.append(f"attachment {a['name'] or '(unnamed)'} {a['mime_type']} {a['size']} B")
parts.append(f"subject {len((m['subject'] or '').encode())} B, body {len(m['body'].encode())} B")
print("; ".join(parts) + "\t" + (" / ".join(w.split(" (")[0] for w in m["warnings"]) or "none"))
EOF
)

# shown_as_html HOME ID BYTES: "seconds<TAB>HTML bytes<TAB>daemon peak MB<TAB>problem"
# of one `get_message` with `html` through a daemon started for HOME.
shown_as_html() {
    local home=$1 id=$2 bytes=$3 socket=$1/run/rpc.sock log=$1/inboxd.log
    INBOX_HOME=$home "$INBOX_BIN" vault init --identity >/dev/null 2>>"$log"
    INBOX_HOME=$home "$INBOXD_BIN" 2>>"$log" &
    local daemon=$! i
    for i in $(seq 300); do
        [ -S "$socket" ] && python3 "$here/rpcload.py" call "$socket" list_accounts >/dev/null 2>&1 && break
        sleep 0.1
    done
    local start end html problem=""
    start=$(date +%s.%N)
    html=$(python3 "$here/rpcload.py" call "$socket" get_message "{\"id\": $id, \"html\": true}" 2>>"$log" |
        python3 -c 'import json, sys; print(len((json.load(sys.stdin).get("html") or "").encode()))') || problem="get_message failed"
    end=$(date +%s.%N)
    local peak_kb
    peak_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$daemon/status" 2>/dev/null || echo 0)
    kill "$daemon" 2>/dev/null; wait "$daemon" 2>/dev/null || true
    local seconds peak_mb=$(( ${peak_kb:-0} / 1024 ))
    seconds=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }')
    awk -v w="$seconds" -v m="$MAX_SECONDS" 'BEGIN { exit !(w > m) }' && problem="get_message over ${MAX_SECONDS} s"
    awk -v r="$peak_mb" -v b="$bytes" 'BEGIN { exit !(r > 10 * b / 1e6 + 150) }' && problem="daemon RSS over 10x size + 150 MB"
    printf '%s\t%s\t%s\t%s\n' "$seconds" "${html:-?}" "$peak_mb" "$problem"
}

# import_and_check NAME MAILDIR HOME BYTES MESSAGES: prints one table row.
import_and_check() {
    local name=$1 maildir=$2 home=$3 bytes=$4 expected=$5
    local out=$RUN/$name.out err=$RUN/$name.err timing=$RUN/$name.time
    local status=0
    INBOX_HOME=$home /usr/bin/time -f "%e %M" -o "$timing" \
        timeout "$TIMEOUT" "$INBOX_BIN" import "$maildir" >"$out" 2>"$err" || status=$?
    local wall rss_kb
    read -r wall rss_kb < <(tail -1 "$timing")
    local rss_mb=$(( rss_kb / 1024 )) size_mb
    size_mb=$(awk -v b="$bytes" 'BEGIN { printf "%.2f", b / 1e6 }')

    local problems=() summary stored=0 with_problems=0 skipped=0
    summary=$(grep '^imported ' "$out" || true)
    if [[ $summary =~ ^imported\ ([0-9]+)\ messages.*\ ([0-9]+)\ with\ problems,\ ([0-9]+)\ skipped ]]; then
        stored=${BASH_REMATCH[1]} with_problems=${BASH_REMATCH[2]} skipped=${BASH_REMATCH[3]}
    else
        problems+=("no import summary")
    fi
    [ "$status" -eq 0 ] || problems+=("exit $status")
    grep -q 'panicked' "$err" && problems+=("panic")
    awk -v w="$wall" -v m="$MAX_SECONDS" 'BEGIN { exit !(w > m) }' && problems+=("over ${MAX_SECONDS} s")
    awk -v r="$rss_mb" -v s="$size_mb" 'BEGIN { exit !(r > 10 * s + 150) }' && problems+=("RSS over 10x size + 150 MB")

    local count
    count=$(INBOX_HOME=$home "$INBOX_BIN" search --count '*' 2>>"$err" || echo "?")
    [ "$count" = "$expected" ] || problems+=("count $count, expected $expected")

    # Every message found by its subject word; the stored raw bytes, message
    # by message, the same as the files (compared as sets of SHA-1 digests).
    local found=0 file word kept="" warnings=""
    for file in "$maildir"/cur/*; do
        word=hx$(basename "$file" ":2," | tr -d -)
        case $word in
            hxmimekitstackoverflow|hxbinarygarbage) found=$((found + 1)) ;;  # no subject word of ours
            *) [ "$(INBOX_HOME=$home "$INBOX_BIN" search --count "subject:$word" 2>>"$err")" = 1 ] && found=$((found + 1)) ;;
        esac
    done
    [ "$found" = "$expected" ] || problems+=("found by subject $found of $expected")
    local ids raw_equal
    ids=$(INBOX_HOME=$home "$INBOX_BIN" search --json '*' 2>>"$err" |
        python3 -c 'import json, sys; print(" ".join(str(m["id"]) for m in json.load(sys.stdin)))' || true)
    raw_equal=$(comm -12 \
        <(for id in $ids; do INBOX_HOME=$home "$INBOX_BIN" show --raw "$id" 2>>"$err" | sha1sum; done | sort) \
        <(for file in "$maildir"/cur/*; do sha1sum <"$file"; done | sort) | wc -l)
    [ "$raw_equal" = "$expected" ] || problems+=("raw bytes equal for $raw_equal of $expected")
    local html_seconds="" html_bytes="" daemon_mb="" html_problem=""
    if [ "$expected" = 1 ] && [ -n "$ids" ]; then
        IFS=$'\t' read -r kept warnings < <(INBOX_HOME=$home "$INBOX_BIN" show --json "$ids" | python3 -c "$KEPT_PY")
        IFS=$'\t' read -r html_seconds html_bytes daemon_mb html_problem < <(shown_as_html "$home" "$ids" "$bytes")
        [ -z "$html_problem" ] || problems+=("$html_problem")
    fi

    local outcome="ok"
    [ ${#problems[@]} -eq 0 ] || outcome="FAIL: $(IFS=','; echo "${problems[*]}")"
    local raw_text="$raw_equal of $expected"
    [ "$expected" = 1 ] && { [ "$raw_equal" = 1 ] && raw_text=equal || raw_text=differ; }
    echo "| $name | $size_mb | $wall | $rss_mb | $status | $stored / $with_problems / $skipped | $count | $raw_text | ${kept:-} | ${warnings:-} | $html_seconds | $html_bytes | $daemon_mb | $outcome |"
    log "$name: ${wall} s, ${rss_mb} MB, $outcome"
}

# --- run ---------------------------------------------------------------------------

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
rows=()
total_bytes=0
for file in "$HOSTILE"/cur/*; do
    name=$(basename "$file" ":2,")
    [ -z "${CASES:-}" ] || [[ " $CASES " == *" $name "* ]] || continue
    one=$RUN/maildir-$name
    mkdir -p "$one/cur" "$one/new" "$one/tmp"
    ln "$file" "$one/cur/" 2>/dev/null || cp "$file" "$one/cur/"
    bytes=$(stat -c %s "$file")
    total_bytes=$((total_bytes + bytes))
    log "importing $name ($bytes bytes)"
    rows+=("$(import_and_check "$name" "$one" "$RUN/home-$name" "$bytes" 1)")
done
messages=${#rows[@]}
all=$HOSTILE
if [ -n "${CASES:-}" ]; then
    all=$RUN/maildir-selected
    mkdir -p "$all/cur" "$all/new" "$all/tmp"
    for name in $CASES; do ln "$HOSTILE/cur/$name:2," "$all/cur/" 2>/dev/null || cp "$HOSTILE/cur/$name:2," "$all/cur/"; done
fi
log "importing all $messages at once"
rows+=("$(import_and_check "all $messages at once" "$all" "$RUN/home-all" "$total_bytes" "$messages")")
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# --- report ------------------------------------------------------------------------

cpu_model=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
echo "Maildir: $messages hostile messages, $total_bytes bytes, from make-hostile.py (default seed)."
echo "Machine: $(nproc) cores (${cpu_model:-unknown CPU}), $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo) RAM; $(uname -sr); $("$INBOX_BIN" --version)."
echo "Load average (1, 5, 15 min): $load_start at the start, $load_end at the end."
echo
echo "| case | size (MB) | wall (s) | peak RSS (MB) | exit | stored / with problems / skipped | count | raw bytes | kept | warnings | html (s) | html (B) | daemon peak RSS (MB) | outcome |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
case "${rows[*]}" in *"| FAIL: "*) exit 1 ;; esac
