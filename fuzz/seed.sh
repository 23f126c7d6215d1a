#!/usr/bin/env bash
# Fills fuzz/corpus/<target> with seeds from the shared test corpus (never
# committed): every message file for `normalize`, the benchmark and README
# queries for `query`, the README's JSON-RPC examples for `rpc_request`,
# the HTML parts of the corpus and markup that is costly to parse for
# `sanitize` (and the same markup as messages for `normalize`).
#
# Usage: fuzz/seed.sh [CORPUS_DIR]   (default: ../shared/corpus beside the repo)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
corpus=${1:-${INBOX_TEST_CORPUS:-$repo/../shared/corpus}}
[ -d "$corpus" ] || { echo "error: no corpus at $corpus" >&2; exit 1; }

mkdir -p "$here/corpus/normalize" "$here/corpus/query" "$here/corpus/rpc_request" "$here/corpus/sanitize"
# Message files: everything but the mbox files and the indexes, by content hash.
find "$corpus" -type f -size -1024k ! -name '*.tsv' ! -name '*.md' ! -name '*.mbox' -print0 |
    while IFS= read -r -d '' file; do
        cp "$file" "$here/corpus/normalize/$(sha1sum "$file" | cut -c1-16)"
    done

n=0
seed() { n=$((n + 1)); printf '%s' "$2" >"$here/corpus/$1/seed-$n"; }
while IFS= read -r query; do seed query "$query"; done < <(
    sed -n '/^QUERIES=(/,/^)/p' "$repo/bench/run.sh" | sed -n "s/^    '\(.*\)'$/\1/p")
for query in 'from:alice to:bob subject:"quarterly report"' 'tag:inbox and not tag:spam' \
    'date:2024-01..2024-03 is:unread' 'body:invoi* or (attachment:pdf and -is:flagged)' \
    'account:work thread:42 source:x from:@handle' 'is:important date:..2002-08-01' '*'; do
    seed query "$query"
done
# The README's request examples: lines starting with {"jsonrpc" or [{"jsonrpc".
grep -hoE '^\[?\{"jsonrpc".*' "$repo/README.md" | while IFS= read -r line; do seed rpc_request "$line"; done
seed rpc_request '[{"jsonrpc":"2.0","method":"count","params":["tag:unread"],"id":1},{"jsonrpc":"2.0","method":"x"}]'
# HTML: the corpus messages' bodies from their first tag on, and markup that
# is costly to parse (deep, wide, repeated), small enough to mutate.
# (A list first: `head` closing the pipe early must not stop the script.)
mapfile -t html_files < <(grep -rlis '<html' "$corpus" | head -500)
for file in "${html_files[@]}"; do
    sed -n '/<[hH][tT][mM][lL]/,$p' "$file" >"$here/corpus/sanitize/$(sha1sum "$file" | cut -c1-16)"
done
repeat() { local out="" i; for ((i = 0; i < $2; i++)); do out+=$1; done; printf '%s' "$out"; }
html_seeds=(
    "$(repeat '<style></style>' 2000)after"
    "<p$(for i in $(seq 2000); do printf ' a%d=v' "$i"; done)>wide</p>"
    "$(repeat '<div>' 2000)text$(repeat '</span>' 2000)"
    "$(repeat '<b><div></b>' 500)$(repeat '<p>x' 500)<table>$(repeat '<tr><td><li>' 300)"
    '<a href="d&#x2028;ata:image/../../api/erase?query=*">x</a><img src="data:image/svg+xml,x">'
    '<form>secret<input></form><svg><a href=x>in svg</a></svg><svg/>after<math>'
)
for html in "${html_seeds[@]}"; do
    seed sanitize "$html"
    seed normalize "$(printf 'Subject: html\nContent-Type: text/html\n\n%s' "$html")"
done
echo "seeded: $(ls "$here/corpus/normalize" | wc -l) messages, $(ls "$here/corpus/query" | wc -l) queries, $(ls "$here/corpus/rpc_request" | wc -l) requests, $(ls "$here/corpus/sanitize" | wc -l) HTML documents"
