# shellcheck shell=bash
# Sourced by the benchmark scripts: the cached benchmark Maildirs, built by
# make-maildir.py on first use. Needs `here` (the bench directory), `log` and
# BENCH_DIR.
#
# cached_maildir [COPIES]: the Maildir holding COPIES copies of every corpus
# message (default: $MAILDIR_COPIES, else 6, that is 30,462 messages).
# Six copies live in $BENCH_DIR/maildir, N copies in $BENCH_DIR/maildir-xN,
# each marked complete by a .done file beside it (make-maildir.py's summary).
# Sets MAILDIR, MAILDIR_DONE and MESSAGES.

cached_maildir() {
    local copies=${1:-${MAILDIR_COPIES:-6}}
    case "$copies" in
        '' | *[!0-9]* | 0) echo "error: Maildir copies must be a whole number >= 1, not '$copies'" >&2; exit 2 ;;
    esac
    if [ "$copies" = 6 ]; then
        MAILDIR=$BENCH_DIR/maildir
    else
        MAILDIR=$BENCH_DIR/maildir-x$copies
    fi
    MAILDIR_DONE=$MAILDIR.done
    mkdir -p "$BENCH_DIR"
    if [ ! -f "$MAILDIR_DONE" ]; then
        log "building $MAILDIR ($copies copies of each corpus message)"
        rm -rf "$MAILDIR"
        local corpus_args=()
        [ -n "${INBOX_TEST_CORPUS:-}" ] && corpus_args=(--corpus "$INBOX_TEST_CORPUS")
        python3 "$here/make-maildir.py" "${corpus_args[@]}" --copies "$copies" "$MAILDIR" >"$MAILDIR_DONE.part"
        mv "$MAILDIR_DONE.part" "$MAILDIR_DONE"
        log "$(cat "$MAILDIR_DONE")"
    else
        log "reusing $MAILDIR ($(cat "$MAILDIR_DONE"))"
    fi
    MESSAGES=$(find "$MAILDIR/cur" -type f | wc -l)
}
