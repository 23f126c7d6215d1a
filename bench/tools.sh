# shellcheck shell=bash
# Sourced by run.sh, imap.sh and scale.sh: what it takes to run notmuch, mu and inbox
# side by side on one Maildir, each isolated from the user's files. Needs `log`
# and INBOX_BIN.

# install_missing NEED:PACKAGE...: installs (as root) the Debian package of
# every NEED not found, a command name or an absolute file path; exits with the
# apt-get line to run otherwise.
install_missing() {
    local missing=() pair need
    for pair in "$@"; do
        need=${pair%%:*}
        case "$need" in
            /*) [ -e "$need" ] ;;
            *) command -v "$need" >/dev/null ;;
        esac || missing+=("${pair#*:}")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "error: missing packages ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root" >&2
        exit 1
    fi
    log "installing ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
}

# tool_packages TOOLS: the COMMAND:PACKAGE pairs the benchmark of TOOLS needs.
tool_packages() {
    echo /usr/bin/time:time
    case " $1 " in *" notmuch "*) echo notmuch:notmuch ;; esac
    case " $1 " in *" mu "*) echo mu:maildir-utils ;; esac
}

tool_available() {
    case "$1" in
        inbox) [ -x "$INBOX_BIN" ] ;;
        *) command -v "$1" >/dev/null ;;
    esac
}

# isolate_home DIR: HOME, the XDG directories, TZ and the locale point into DIR,
# so no tool reads or writes a file of the user's.
isolate_home() {
    export HOME=$1/home XDG_CONFIG_HOME=$1/home/.config XDG_CACHE_HOME=$1/home/.cache
    export XDG_DATA_HOME=$1/home/.local/share XDG_RUNTIME_DIR=$1/home/run TZ=UTC LC_ALL=C.UTF-8
    mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
    unset INBOX_HOME RUST_LOG
}

# setup_tool TOOL DIR MAILDIR: a fresh, empty index of TOOL under DIR for
# MAILDIR. Exports NOTMUCH_CONFIG, MUHOME or INBOX_HOME; sets STORE (the
# tool's data directory) and IMPORT (the command that indexes the Maildir).
setup_tool() {
    local tool=$1 dir=$2 maildir=$3
    case "$tool" in
        notmuch)
            STORE=$dir/notmuch
            export NOTMUCH_CONFIG=$dir/notmuch.cfg
            mkdir -p "$STORE"
            cat >"$NOTMUCH_CONFIG" <<EOF
[database]
path=$STORE
mail_root=$maildir
[user]
name=Bench
primary_email=bench@example.invalid
[new]
tags=unread;inbox
ignore=
[search]
exclude_tags=
[maildir]
synchronize_flags=true
EOF
            IMPORT=(notmuch new) ;;
        mu)
            STORE=$dir/mu
            export MUHOME=$STORE
            mu init --muhome="$MUHOME" --maildir="$maildir" --my-address=bench@example.invalid >/dev/null || return 1
            IMPORT=(mu index --muhome="$MUHOME") ;;
        inbox)
            STORE=$dir/inbox
            export INBOX_HOME=$STORE
            mkdir -p "$STORE"
            IMPORT=("$INBOX_BIN" import "$maildir") ;;
        *) echo "error: unknown tool '$tool' (notmuch, mu or inbox)" >&2; return 1 ;;
    esac
}

# count_all TOOL: how many messages TOOL's index (set up by setup_tool) holds.
# mu has no count command: its matches are listed, one line each.
count_all() {
    case "$1" in
        notmuch) notmuch count '*' ;;
        mu) { mu find --muhome="$MUHOME" --fields=i '' || [ $? -eq 4 ]; } | wc -l ;;
        inbox) "$INBOX_BIN" search --count '*' ;;
    esac
}

# timed OUTFILE CMD...: runs CMD under /usr/bin/time -v, its output in
# OUTFILE.log; prints "WALL_SECONDS PEAK_RSS_KB". On failure prints the
# command's last lines on stderr and returns 1.
timed() {
    local out=$1; shift
    /usr/bin/time -v -o "$out.time" "$@" >"$out.log" 2>&1 || {
        echo "error: '$*' failed; see its output below" >&2; tail -20 "$out.log" >&2; return 1; }
    awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; printf "%.2f ", s }
                /Maximum resident set size/ { printf "%d\n", $2 }' "$out.time"
}

# mb KIB: KiB as whole MB (MiB, as du and /usr/bin/time count).
mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
