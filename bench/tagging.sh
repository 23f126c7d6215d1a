#!/usr/bin/env bash
# What smart tagging costs: `inbox import` of the benchmark Maildir with every
# tagger off, with the built-in taggers, and with the built-ins plus a spam
# model, alternating, each into a fresh home; then the spam model's training.
#
# Usage: bench/tagging.sh [--build]
#
#   --build   run `cargo build --release --bin inbox` first
#
# Environment:
#   BENCH_DIR          work directory (default /tmp/inbox-bench); the Maildir is
#                      cached in $BENCH_DIR/maildir, homes go to a fresh
#                      $BENCH_DIR/tagging.* directory removed at the end (KEEP=1 keeps it)
#   RUNS               imports per setting (default 3); the table shows the median
#   INSTRUCTIONS=1     also count the instructions of one import per setting of the
#                      one-copy Maildir (5,077 messages) under valgrind's callgrind:
#                      slow (minutes), but the same count whatever the machine's load
#   INBOX_BIN          inbox binary (default ${CARGO_TARGET_DIR:-target}/release/inbox)
#   INBOX_TEST_CORPUS  corpus root (default: ../shared/corpus next to the repository)
#
# The spam model is trained on the SpamAssassin part of the corpus (4,837
# messages, its labels.tsv). Prints a markdown table on stdout, progress on stderr.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
BENCH_DIR=${BENCH_DIR:-/tmp/inbox-bench}
RUNS=${RUNS:-3}
case "${1:-}" in
    --build) (cd "$repo" && cargo build --release --bin inbox >&2) ;;
    "") ;;
    *) echo "usage: $0 [--build]" >&2; exit 2 ;;
esac
INBOX_BIN=${INBOX_BIN:-${CARGO_TARGET_DIR:-$repo/target}/release/inbox}
CORPUS=${INBOX_TEST_CORPUS:-$repo/../shared/corpus}
log() { echo "== $*" >&2; }
[ -x "$INBOX_BIN" ] || { echo "error: no inbox binary at $INBOX_BIN; build it or pass --build" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "error: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }

# shellcheck source=maildir.sh
. "$here/maildir.sh"
cached_maildir

# shellcheck source=tools.sh
. "$here/tools.sh"
WORK=$(mktemp -d "$BENCH_DIR/tagging.XXXXXX")
cleanup() { [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"; }
trap cleanup EXIT
isolate_home "$WORK"

# The spam model, trained once and copied into each home that uses it.
log "training the spam model on $CORPUS/spamassassin"
MODEL_HOME=$WORK/model
mkdir -p "$MODEL_HOME"
train=$( { INBOX_HOME=$MODEL_HOME /usr/bin/time -f "%e %U %M" "$INBOX_BIN" spam train \
    --labels "$CORPUS/spamassassin/labels.tsv" >/dev/null; } 2>&1 | tail -1)

OFF=$'[builtin]\nlist = false\nbulk = false\nreply = false\nsent = false\nattachment = false\nspam = false\nlearned = false\n'
# The Enron sample's sent mail belongs to this address: `sent` and importance have work to do.
OWN=$'addresses = ["phillip.allen@enron.com"]\n'

# new_home SETTING: a fresh home configured for SETTING; prints its path.
new_home() {
    local home
    home=$(mktemp -d "$WORK/home.XXXXXX")
    case "$1" in
        off) printf '%s' "$OFF" >"$home/rules.toml" ;;
        builtins) printf '%s' "$OWN" >"$home/rules.toml" ;;
        spam) printf '%s' "$OWN" >"$home/rules.toml"; cp -r "$MODEL_HOME/classify" "$home/" ;;
    esac
    echo "$home"
}

# import SETTING: one import into a fresh home; prints "wall user rss_kb".
import() {
    local home
    home=$(new_home "$1")
    { INBOX_HOME=$home /usr/bin/time -f "%e %U %M" "$INBOX_BIN" import "$MAILDIR" >/dev/null; } 2>&1 | tail -1
    rm -rf "$home"
}

SETTINGS=(off builtins spam)
declare -A WALL USER RSS
for run in $(seq "$RUNS"); do
    for setting in "${SETTINGS[@]}"; do
        log "import $run/$RUNS, $setting (load $(cut -d' ' -f1 /proc/loadavg))"
        read -r wall user rss < <(import "$setting")
        WALL[$setting]+="$wall "
        USER[$setting]+="$user "
        RSS[$setting]=$rss
    done
done

median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
base=$(echo "${WALL[off]}" | median)
echo "Import of $MESSAGES messages, median of $RUNS runs per setting (runs alternate between settings)."
echo
echo "| setting | wall (s) | runs (s) | user CPU (s, median) | peak RSS (MB) | wall vs taggers off |"
echo "|---|---|---|---|---|---|"
for setting in "${SETTINGS[@]}"; do
    wall=$(echo "${WALL[$setting]}" | median)
    user=$(echo "${USER[$setting]}" | median)
    awk -v s="$setting" -v w="$wall" -v runs="${WALL[$setting]% }" -v u="$user" -v r="${RSS[$setting]}" -v b="$base" \
        'BEGIN { printf "| %s | %.2f | %s | %.2f | %.0f | %+.1f %% |\n", s, w, runs, u, r / 1024, (w / b - 1) * 100 }'
done
read -r twall tuser trss <<<"$train"
echo
echo "Training the spam model on 4,837 messages: $twall s wall, $tuser s user CPU, $((trss / 1024)) MB peak RSS."

[ "${INSTRUCTIONS:-0}" = 1 ] || exit 0
command -v valgrind >/dev/null || { echo "error: valgrind missing (apt-get install valgrind)" >&2; exit 1; }
cached_maildir 1
declare -A COUNT
for setting in "${SETTINGS[@]}"; do
    log "import of $MESSAGES messages under callgrind, $setting"
    home=$(new_home "$setting")
    COUNT[$setting]=$(INBOX_HOME=$home valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.$setting" \
        "$INBOX_BIN" import "$MAILDIR" 2>&1 >/dev/null | sed -n 's/.*Collected : //p')
    rm -rf "$home"
done
echo
echo "Instructions of one import of $MESSAGES messages (valgrind callgrind, all threads):"
echo
echo "| setting | instructions | per message | vs taggers off |"
echo "|---|---|---|---|"
for setting in "${SETTINGS[@]}"; do
    awk -v s="$setting" -v n="${COUNT[$setting]}" -v b="${COUNT[off]}" -v m="$MESSAGES" \
        'BEGIN { printf "| %s | %.3f G | %.0f k | %+.1f %% |\n", s, n / 1e9, n / m / 1e3, (n / b - 1) * 100 }'
done
exit 0
