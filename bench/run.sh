#!/usr/bin/env bash
# Benchmark notmuch, mu and inbox on the same Maildir, in one run, on one machine.
#
# Usage: bench/run.sh [--build] [--tools "notmuch mu inbox"]
#
#   --build   run `cargo build --release --bin inbox` first
#   --tools   which columns to measure (default: all three; others print n/a)
#
# Environment:
#   BENCH_DIR          work directory (default /tmp/inbox-bench); the Maildir is
#                      cached in $BENCH_DIR/maildir, indexes go to a fresh
#                      $BENCH_DIR/run.* directory removed at the end (KEEP=1 keeps it)
#   INBOX_TEST_CORPUS  corpus root (default: ../shared/corpus next to the repository)
#   RUNS               measured runs per query (default 10; one extra warm-up run)
#   INBOX_BIN          inbox binary (default ${CARGO_TARGET_DIR:-target}/release/inbox)
#   MAILDIR_COPIES     copies of each corpus message in the Maildir (default 6:
#                      30,462 messages; N copies are cached in $BENCH_DIR/maildir-xN)
#
# Prints a markdown table on stdout (rows = measures, columns = tools) and
# progress on stderr. Tools run one after the other, never in parallel.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
BENCH_DIR=${BENCH_DIR:-/tmp/inbox-bench}
RUNS=${RUNS:-10}
TOOLS="notmuch mu inbox"
BUILD=0
while [ $# -gt 0 ]; do
    case "$1" in
        --build) BUILD=1 ;;
        --tools) TOOLS=$2; shift ;;
        *) echo "usage: $0 [--build] [--tools \"notmuch mu inbox\"]" >&2; exit 2 ;;
    esac
    shift
done
target_dir=${CARGO_TARGET_DIR:-$repo/target}
INBOX_BIN=${INBOX_BIN:-$target_dir/release/inbox}

log() { echo "== $*" >&2; }

# The ten benchmark queries, in inbox/notmuch syntax and in mu syntax.
QUERIES=(
    'from:rssfeeds@spamassassin.taint.org'
    'from:pudge@perl.org'
    'to:ilug@linux.ie'
    'subject:razor'
    'subject:mortgage'
    'body:linux'
    'body:"credit card"'
    'date:2002-08-01..2002-08-31'
    'tag:unread and subject:money'
    'from:phillip.allen@enron.com or (subject:spamassassin and date:2002-09-01..2002-09-30)'
)
MU_QUERIES=(
    'from:rssfeeds@spamassassin.taint.org'
    'from:pudge@perl.org'
    'to:ilug@linux.ie'
    'subject:razor'
    'subject:mortgage'
    'body:linux'
    'body:"credit card"'
    'date:20020801..20020831'
    'flag:unread and subject:money'
    'from:phillip.allen@enron.com or (subject:spamassassin and date:20020901..20020930)'
)

# shellcheck source=tools.sh
. "$here/tools.sh"

if [ "$BUILD" = 1 ]; then
    log "cargo build --release --bin inbox"
    (cd "$repo" && cargo build --release --bin inbox >&2)
fi
mapfile -t packages < <(tool_packages "$TOOLS")
install_missing "${packages[@]}"

# --- the Maildir (cached) ------------------------------------------------

# shellcheck source=maildir.sh
. "$here/maildir.sh"
cached_maildir

# --- isolated environment ------------------------------------------------

WORK=$(mktemp -d "$BENCH_DIR/run.XXXXXX")
cleanup() { [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"; }
trap cleanup EXIT
isolate_home "$WORK"

# time_count TOOL INDEX RUNS: median time and count of query INDEX (-1: all messages)
time_count() {
    local tool=$1 i=$2 runs=$3
    case "$tool" in
        notmuch) local q='*'; [ "$i" -ge 0 ] && q=${QUERIES[$i]}
            python3 "$here/timecmd.py" --runs "$runs" -- notmuch count "$q" ;;
        mu) local q=''; [ "$i" -ge 0 ] && q=${MU_QUERIES[$i]}
            python3 "$here/timecmd.py" --runs "$runs" --ok-codes 0,4 --result lines -- \
                mu find --muhome="$MUHOME" --fields=i "$q" ;;
        inbox) local q='*'; [ "$i" -ge 0 ] && q=${QUERIES[$i]}
            python3 "$here/timecmd.py" --runs "$runs" -- "$INBOX_BIN" search --count "$q" ;;
    esac
}
# time_list TOOL INDEX: median time and line count of listing the first 50 results
time_list() {
    local tool=$1 i=$2
    case "$tool" in
        notmuch) python3 "$here/timecmd.py" --runs "$RUNS" --result lines -- \
                notmuch search --limit=50 --sort=newest-first "${QUERIES[$i]}" ;;
        mu) python3 "$here/timecmd.py" --runs "$RUNS" --ok-codes 0,4 --result lines -- \
                mu find --muhome="$MUHOME" --maxnum=50 --sortfield=date --reverse "${MU_QUERIES[$i]}" ;;
        inbox) python3 "$here/timecmd.py" --runs "$RUNS" --result lines -- \
                "$INBOX_BIN" search --limit 50 "${QUERIES[$i]}" ;;
    esac
}

# --- measurements ----------------------------------------------------------

declare -A R  # R[measure|tool] = cell text
ROWS=()
put() {  # put MEASURE TOOL VALUE
    [ -n "${R[$1|__row]:-}" ] || { ROWS+=("$1"); R[$1|__row]=1; }
    R[$1|$2]=$3
}

kib() { du -sk "$@" | awk '{print $1}'; }
kib_apparent() { du -sk --apparent-size "$@" | awk '{print $1}'; }

raw_disk=$(kib "$MAILDIR")
raw_apparent=$(kib_apparent "$MAILDIR")

measure_tool() {
    local tool=$1 wall rss res dir
    setup_tool "$tool" "$WORK" "$MAILDIR" || return 1
    dir=$STORE
    log "$tool: import"
    res=$(timed "$WORK/$tool-import" "${IMPORT[@]}") || return 1
    read -r wall rss <<<"$res"
    put "import time (s)" "$tool" "$wall"
    put "import rate (msg/s)" "$tool" "$(awk -v n="$MESSAGES" -v s="$wall" 'BEGIN { printf "%.0f", n / s }')"
    put "import peak RSS (MB)" "$tool" "$(mb "$rss")"
    [ "$tool" = inbox ] && put "import summary" "$tool" "$(tail -1 "$WORK/$tool-import.log")"

    log "$tool: re-import, nothing changed"
    res=$(timed "$WORK/$tool-reimport" "${IMPORT[@]}") || return 1
    read -r wall rss <<<"$res"
    put "re-import, no change (s)" "$tool" "$wall"

    local disk apparent
    disk=$(kib "$dir"); apparent=$(kib_apparent "$dir")
    put "store+index size on disk (MB)" "$tool" "$(mb "$disk") ($(mb "$apparent") apparent)"
    put "size / raw maildir (apparent)" "$tool" "$(awk -v a="$apparent" -v r="$raw_apparent" 'BEGIN { printf "%.0f %%", 100 * a / r }')"

    local all
    res=$(time_count "$tool" -1 1) || return 1
    all=$(cut -f2 <<<"$res")
    put "messages indexed" "$tool" "$all"

    local i ms n total=0
    for i in "${!QUERIES[@]}"; do
        log "$tool: query $((i + 1))"
        res=$(time_count "$tool" "$i" "$RUNS") || return 1
        IFS=$'\t' read -r ms n <<<"$res"
        put "count q$((i + 1)) (ms, n)" "$tool" "$ms (n=$n)"
        total=$(awk -v a="$total" -v b="$ms" 'BEGIN { print a + b }')
    done
    put "count: sum of 10 medians (ms)" "$tool" "$(printf '%.0f' "$total")"
    total=0
    for i in "${!QUERIES[@]}"; do
        res=$(time_list "$tool" "$i") || return 1
        IFS=$'\t' read -r ms n <<<"$res"
        put "list 50 q$((i + 1)) (ms)" "$tool" "$ms"
        total=$(awk -v a="$total" -v b="$ms" 'BEGIN { print a + b }')
    done
    put "list 50: sum of 10 medians (ms)" "$tool" "$(printf '%.0f' "$total")"
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
ALL_TOOLS=(notmuch mu inbox)
for tool in "${ALL_TOOLS[@]}"; do
    case " $TOOLS " in *" $tool "*) ;; *) continue ;; esac
    if ! tool_available "$tool"; then
        log "$tool: not available, skipped (inbox: build with cargo build --release)"
        continue
    fi
    measure_tool "$tool" || log "$tool: failed; its remaining cells stay n/a"
done

# --- report ----------------------------------------------------------------

cpus=$(nproc)
cpu_model=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
echo "Maildir: $MESSAGES messages, $(mb "$raw_disk") MB on disk, $(mb "$raw_apparent") MB apparent size."
echo "Machine: $cpus cores (${cpu_model:-unknown CPU}), $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo) RAM; $(uname -sr)."
echo "Versions: $(notmuch --version 2>/dev/null || echo 'notmuch n/a'); $(mu --version 2>/dev/null | head -1 || echo 'mu n/a'); inbox: $([ -x "$INBOX_BIN" ] && "$INBOX_BIN" --version 2>/dev/null || echo n/a)."
echo "Load average (1, 5, 15 min): $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end."
echo "Query times: median of $RUNS runs (after one warm-up run) of the whole CLI process, warm page cache."
echo
echo "| measure | notmuch | mu | inbox |"
echo "|---|---|---|---|"
for row in "${ROWS[@]}"; do
    printf '| %s |' "$row"
    for tool in "${ALL_TOOLS[@]}"; do printf ' %s |' "${R[$row|$tool]:-n/a}"; done
    echo
done
echo
echo "Queries (mu syntax in brackets where it differs):"
for i in "${!QUERIES[@]}"; do
    if [ "${QUERIES[$i]}" = "${MU_QUERIES[$i]}" ]; then
        echo "- q$((i + 1)): \`${QUERIES[$i]}\`"
    else
        echo "- q$((i + 1)): \`${QUERIES[$i]}\` (\`${MU_QUERIES[$i]}\`)"
    fi
done
