# Sourced by the benchmark scripts: the cached 30,462-message benchmark
# Maildir in $BENCH_DIR/maildir, built by make-maildir.py on first use.
# Needs `here` (the bench directory) and `log`; sets MAILDIR and MESSAGES.

cached_maildir() {
    MAILDIR=$BENCH_DIR/maildir
    mkdir -p "$BENCH_DIR"
    if [ ! -f "$BENCH_DIR/maildir.done" ]; then
        log "building $MAILDIR"
        rm -rf "$MAILDIR"
        local corpus_args=()
        [ -n "${INBOX_TEST_CORPUS:-}" ] && corpus_args=(--corpus "$INBOX_TEST_CORPUS")
        python3 "$here/make-maildir.py" "${corpus_args[@]}" "$MAILDIR" | tee "$BENCH_DIR/maildir.done" >&2
    else
        log "reusing $MAILDIR ($(cat "$BENCH_DIR/maildir.done"))"
    fi
    MESSAGES=$(find "$MAILDIR/cur" -type f | wc -l)
}
