#!/usr/bin/env bash
# The whole benchmark in one run on one machine: run.sh (import, re-import,
# size and search: notmuch, mu, inbox), imap.sh (IMAP sync: raw fetch, mbsync,
# inbox), daemon.sh (inboxd latency, throughput, memory, idle CPU) and
# scale.sh (import time from 5,077 to 60,924 messages) and tagging.sh (import
# with and without the taggers and the spam model), in that order, then the
# scaling plot. Each script also runs alone; this one only chains them.
#
# Usage: bench/report.sh [--build] [--quick] [--out DIR]
#
#   --build   run `cargo build --release --bin inbox --bin inboxd` first
#   --quick   tiny settings, to check the plumbing in a few minutes: the
#             5,077-message Maildir for run.sh, imap.sh and daemon.sh, 2 query
#             runs, 20 latency rounds, 2 s of load, 5 s idle, no waiting for a
#             quiet machine, scale.sh at 5,077 and 10,154 messages; writes to
#             $BENCH_DIR/report-quick unless --out says otherwise
#   --out     where report.md, import-scaling.tsv and import-scaling.png go
#             (default: bench/results)
#
# The environment is passed to every script (see their headers: BENCH_DIR,
# INBOX_BIN, INBOXD_BIN, DOVECOT_DIR, RUNS, ...). Progress goes to stderr.
# Takes about 40 minutes on 2 cores; run it on an otherwise idle machine.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
BENCH_DIR=${BENCH_DIR:-/tmp/inbox-bench}
BUILD=0
QUICK=0
OUT=""
usage() { echo "usage: $0 [--build] [--quick] [--out DIR]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --build) BUILD=1 ;;
        --quick) QUICK=1 ;;
        --out) [ $# -ge 2 ] || usage; OUT=$2; shift ;;
        *) usage ;;
    esac
    shift
done
if [ -z "$OUT" ]; then
    if [ "$QUICK" = 1 ]; then OUT=$BENCH_DIR/report-quick; else OUT=$here/results; fi
fi
target_dir=${CARGO_TARGET_DIR:-$repo/target}
export BENCH_DIR
export INBOX_BIN=${INBOX_BIN:-$target_dir/release/inbox}
export INBOXD_BIN=${INBOXD_BIN:-$target_dir/release/inboxd}
PLOT_BIN=$here/plot/target/release/inbox-bench-plot
FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf

log() { echo "== report: $*" >&2; }

# shellcheck source=tools.sh
. "$here/tools.sh"

# --- everything built and installed before anything is measured -------------

install_missing /usr/bin/time:time notmuch:notmuch mu:maildir-utils mbsync:isync "$FONT:fonts-dejavu-core"
if [ "$BUILD" = 1 ]; then
    log "cargo build --release --bin inbox --bin inboxd"
    (cd "$repo" && cargo build --release --bin inbox --bin inboxd >&2)
fi
for bin in "$INBOX_BIN" "$INBOXD_BIN"; do
    [ -x "$bin" ] || { echo "error: no binary at $bin (build it, pass --build, or set INBOX_BIN/INBOXD_BIN)" >&2; exit 1; }
done
log "building the plot tool (bench/plot, its own workspace)"
CARGO_TARGET_DIR=$here/plot/target cargo build --release --locked --quiet \
    --manifest-path "$here/plot/Cargo.toml" >&2

mkdir -p "$OUT"
# Nothing of an earlier run may pass for this one's.
rm -f "$OUT/report.md" "$OUT/import-scaling.tsv" "$OUT/import-scaling.png"
SECTIONS=$(mktemp -d "${TMPDIR:-/tmp}/inbox-report.XXXXXX")
trap 'rm -rf "$SECTIONS"' EXIT

# --- the four benchmarks ---------------------------------------------------------

declare -A NOTE  # NOTE[name] = when it ran, how long, under what load, and how it ended
# section NAME CMD...: runs CMD, its stdout kept for the report.
section() {
    local name=$1; shift
    local load start status=0 secs
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    start=$(date +%s)
    log "$name: $* (load average $load)"
    "$@" >"$SECTIONS/$name.md" || status=$?
    secs=$(($(date +%s) - start))
    NOTE[$name]="Started $(date -u -d "@$start" '+%H:%M:%S UTC'), took ${secs} s; load average (1, 5, 15 min) before it: $load."
    if [ "$status" -ne 0 ]; then
        NOTE[$name]="${NOTE[$name]} **It failed (exit status $status)**: what it printed before is below; its error is in the progress output."
        log "$name failed with exit status $status; going on with the next"
    fi
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
START=$(date +%s)
if [ "$QUICK" = 1 ]; then
    section run env MAILDIR_COPIES=1 RUNS=2 bash "$here/run.sh"
    section imap env MAILDIR_COPIES=1 RUNS=2 bash "$here/imap.sh"
    section daemon env MAILDIR_COPIES=1 RUNS=20 SECONDS_LOAD=2 IDLE_SECONDS=5 LOAD_WAIT=0 bash "$here/daemon.sh"
    section scale bash "$here/scale.sh" --copies "1 2" --tsv "$OUT/import-scaling.tsv"
    section tagging env MAILDIR_COPIES=1 RUNS=1 bash "$here/tagging.sh"
else
    section run bash "$here/run.sh"
    section imap bash "$here/imap.sh"
    section daemon bash "$here/daemon.sh"
    section scale bash "$here/scale.sh" --tsv "$OUT/import-scaling.tsv"
    section tagging bash "$here/tagging.sh"
fi
END=$(date +%s)
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the plot ------------------------------------------------------------------------

cpu_model=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
ram_gb=$(awk '/MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)
MACHINE="$(nproc) cores (${cpu_model:-unknown CPU}), $ram_gb GB RAM"
PLOT=""
if [ -s "$OUT/import-scaling.tsv" ]; then
    log "plotting $OUT/import-scaling.png"
    if "$PLOT_BIN" "$OUT/import-scaling.tsv" "$OUT/import-scaling.png" "$MACHINE"; then
        PLOT="![Import time and rate against message count](import-scaling.png)"
    else
        PLOT="(The plot could not be drawn; the error is in the progress output.)"
    fi
fi

# --- the report ------------------------------------------------------------------------

version() {  # version COMMAND...: the first line it prints, or n/a
    local v
    v=$("$@" 2>/dev/null | head -1) || true
    echo "${v:-n/a}"
}
commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$repo" diff --quiet HEAD 2>/dev/null || commit="$commit with uncommitted changes"
os=$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-}")

print_section() {  # print_section NAME TITLE
    echo "## $2"
    echo
    echo "${NOTE[$1]:-Not run.}"
    echo
    cat "$SECTIONS/$1.md" 2>/dev/null || true
    echo
}

{
    echo "# Benchmark report"
    echo
    echo "Produced by \`bench/report.sh$([ "$QUICK" = 1 ] && echo " --quick")\` in one run on one machine, $(date -u -d "@$START" '+%Y-%m-%d %H:%M') to $(date -u -d "@$END" '+%H:%M UTC') ($(((END - START + 30) / 60)) min); the tools run one after the other, never in parallel."
    if [ "$QUICK" = 1 ]; then
        echo
        echo "**Quick run**: tiny settings that check the scripts work; its figures are not results."
    fi
    echo
    echo "| machine | |"
    echo "|---|---|"
    echo "| CPU | ${cpu_model:-unknown}, $(nproc) cores |"
    echo "| RAM | $ram_gb GB |"
    echo "| kernel | $(uname -srm) |"
    echo "| system | ${os:-unknown} |"
    echo "| load average (1, 5, 15 min) | $LOAD_START at the start, $LOAD_END at the end |"
    echo "| inbox | $(version "$INBOX_BIN" --version), commit $commit (release build) |"
    echo "| notmuch | $(version notmuch --version) |"
    echo "| mu | $(version mu --version) |"
    echo "| mbsync | $(version mbsync --version) |"
    echo "| Dovecot (IMAP server) | $(version dovecot --version) |"
    echo "| Python (raw IMAP fetch, RPC clients) | $(version python3 --version) |"
    echo
    echo "What each table measures, and how: bench/README.md."
    echo
    print_section run "Import, re-import, size and search (run.sh)"
    print_section imap "IMAP sync (imap.sh)"
    print_section daemon "Daemon (daemon.sh)"
    print_section scale "Import scaling (scale.sh)"
    print_section tagging "What tagging costs at import (tagging.sh)"
    if [ -n "$PLOT" ]; then echo "$PLOT"; fi
} >"$OUT/report.md.part"
mv "$OUT/report.md.part" "$OUT/report.md"
log "done in $(((END - START + 30) / 60)) min: $OUT/report.md$([ -n "$PLOT" ] && echo ", $OUT/import-scaling.png")"
