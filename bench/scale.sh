#!/usr/bin/env bash
# How import cost grows with the number of messages: notmuch, mu and inbox each
# index Maildirs of 1, 2, 4, 6 and 12 copies of the corpus (5,077 to 60,924
# messages) into a fresh, empty index, one after the other.
#
# Usage: bench/scale.sh [--build] [--tools "notmuch mu inbox"] [--copies "1 2 4 6 12"] [--tsv FILE]
#
#   --build   run `cargo build --release --bin inbox` first
#   --tools   which tools to measure (default: all three; others print n/a)
#   --copies  which Maildir sizes, in copies of the corpus's 5,077 messages
#   --tsv     where to write the measures (default $BENCH_DIR/import-scaling.tsv)
#
# Environment:
#   BENCH_DIR          work directory (default /tmp/inbox-bench); each Maildir is
#                      cached in $BENCH_DIR/maildir-xN ($BENCH_DIR/maildir for 6
#                      copies), indexes go to a fresh $BENCH_DIR/scale.* directory
#                      removed at the end (KEEP=1 keeps it)
#   INBOX_TEST_CORPUS  corpus root (default: ../shared/corpus next to the repository)
#   INBOX_BIN          inbox binary (default ${CARGO_TARGET_DIR:-target}/release/inbox)
#
# Writes the TSV (messages, tool, seconds, peak_rss_kb; one line per import
# that succeeded, wall time and peak RSS from /usr/bin/time -v), prints a
# markdown table on stdout and progress on stderr. After each import the
# tool's message count is checked against the Maildir's.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
BENCH_DIR=${BENCH_DIR:-/tmp/inbox-bench}
TOOLS="notmuch mu inbox"
COPIES="1 2 4 6 12"
TSV=""
BUILD=0
usage() { echo "usage: $0 [--build] [--tools \"notmuch mu inbox\"] [--copies \"1 2 4 6 12\"] [--tsv FILE]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --build) BUILD=1 ;;
        --tools) [ $# -ge 2 ] || usage; TOOLS=$2; shift ;;
        --copies) [ $# -ge 2 ] || usage; COPIES=$2; shift ;;
        --tsv) [ $# -ge 2 ] || usage; TSV=$2; shift ;;
        *) usage ;;
    esac
    shift
done
TSV=${TSV:-$BENCH_DIR/import-scaling.tsv}
target_dir=${CARGO_TARGET_DIR:-$repo/target}
INBOX_BIN=${INBOX_BIN:-$target_dir/release/inbox}

log() { echo "== $*" >&2; }

# shellcheck source=tools.sh
. "$here/tools.sh"
# shellcheck source=maildir.sh
. "$here/maildir.sh"

if [ "$BUILD" = 1 ]; then
    log "cargo build --release --bin inbox"
    (cd "$repo" && cargo build --release --bin inbox >&2)
fi
mapfile -t packages < <(tool_packages "$TOOLS")
install_missing "${packages[@]}"

ALL_TOOLS=(notmuch mu inbox)
for tool in $TOOLS; do
    case " ${ALL_TOOLS[*]} " in *" $tool "*) ;; *) echo "error: unknown tool '$tool' (notmuch, mu or inbox)" >&2; exit 2 ;; esac
done

# Build every Maildir first, so no import shares the machine with a build.
declare -A DIR SIZE  # DIR[copies] = Maildir, SIZE[copies] = its messages
for copies in $COPIES; do
    cached_maildir "$copies"
    DIR[$copies]=$MAILDIR
    SIZE[$copies]=$MESSAGES
done
# Every tool then reads the files from the page cache, none from the disk.
log "flushing and reading the Maildirs once (warm page cache)"
sync
for copies in $COPIES; do find "${DIR[$copies]}" -type f -exec cat {} + >/dev/null; done

WORK=$(mktemp -d "$BENCH_DIR/scale.XXXXXX")
cleanup() { [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"; }
trap cleanup EXIT
isolate_home "$WORK"
mkdir -p "$(dirname "$TSV")"
printf 'messages\ttool\tseconds\tpeak_rss_kb\n' >"$TSV.part"

declare -A CELL  # CELL[messages|tool] = table cell
# measure COPIES TOOL: one import into a fresh index; appends to the TSV.
measure() {
    local copies=$1 tool=$2 dir=$WORK/x$1-$2 res wall rss n cell
    local messages=${SIZE[$copies]}
    mkdir -p "$dir"
    setup_tool "$tool" "$dir" "${DIR[$copies]}" || return 1
    log "$tool: import of $messages messages"
    res=$(timed "$dir/import" "${IMPORT[@]}") || return 1
    read -r wall rss <<<"$res"
    n=$(count_all "$tool") || return 1
    printf '%s\t%s\t%s\t%s\n' "$messages" "$tool" "$wall" "$rss" >>"$TSV.part"
    cell="$wall s, $(awk -v n="$messages" -v s="$wall" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }') msg/s, $(mb "$rss") MB"
    if [ "$n" != "$messages" ]; then
        cell="$cell (MISMATCH: $n indexed)"
        log "MISMATCH: $tool indexed $n of $messages messages"
    fi
    CELL[$messages|$tool]=$cell
    [ "${KEEP:-0}" = 1 ] || rm -rf "$dir"
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for copies in $COPIES; do
    for tool in "${ALL_TOOLS[@]}"; do
        case " $TOOLS " in *" $tool "*) ;; *) continue ;; esac
        if ! tool_available "$tool"; then
            log "$tool: not available, skipped (inbox: build with cargo build --release)"
            continue
        fi
        measure "$copies" "$tool" || log "$tool: import of ${SIZE[$copies]} messages failed; its cell stays n/a"
    done
done
mv "$TSV.part" "$TSV"
log "measures written to $TSV"

echo "Import into an empty index: wall time, messages per second, peak RSS (/usr/bin/time -v); one run each, tools one after the other."
echo "Load average (1, 5, 15 min): $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end. Measures in $(basename "$TSV")."
echo
echo "| messages | notmuch | mu | inbox |"
echo "|---|---|---|---|"
for copies in $COPIES; do
    n=${SIZE[$copies]}
    printf '| %s |' "$n"
    for tool in "${ALL_TOOLS[@]}"; do printf ' %s |' "${CELL[$n|$tool]:-n/a}"; done
    echo
done
