#!/usr/bin/env python3
"""Reference counts for search queries over the corpus, computed without any index.

Usage: count-queries.py [--corpus DIR] [--out FILE] [--no-notmuch] [--diff QUERY]

Reads every message file of `DIR/spamassassin` and `DIR/enron-sample` once
(DIR defaults to $INBOX_TEST_CORPUS, else the shared corpus next to the
repository) with Python's `email` package, evaluates each query of QUERIES
with the semantics below, and writes `query <TAB> count <TAB> how` to FILE
(default tests/data/query-counts.tsv).

Semantics (those of the inbox query language):
- Text is split into tokens at every non-alphanumeric character and lowercased;
  no stemming. `prefix:word` matches a whole token; `prefix:"a b"` and
  `prefix:a.b@c` match when the tokens appear consecutively.
- from:, to:, cc: search the decoded header (display names and addresses);
  to: is To, Cc and Bcc together (as in notmuch). subject: the decoded Subject.
- body: the decoded text/plain parts that are not attachments (nested messages
  included); text/html parts, converted to text, only when a message has no
  text/plain part.
- date:A..B with days YYYY-MM-DD, both ends inclusive, in UTC; either end may be
  left out. A Date without a zone is taken as UTC; a message whose Date header
  cannot be parsed matches no date range.
- folder:PATH matches the directory of the file relative to DIR, without the
  trailing /cur (e.g. spamassassin/easy_ham); exact match.
- `not` binds tighter than `and`, `and` tighter than `or`; adjacent terms are
  joined by `and`; parentheses group.

The third column says how robust each count is: it is recomputed under
variants (HTML parts always indexed, body tokens taken from the raw undecoded
body, dates read as local wall-clock time ignoring the offset) and compared with
notmuch over the same files (notmuch stems words and tokenizes differently, so
some differences are expected; each is explained).
"""

import argparse
import email
import email.header
import email.utils
import html.parser
import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone

from corpus_path import default_corpus

GROUPS = ("spamassassin", "enron-sample")
TOKEN = re.compile(r"[^\W_]+")
# An RFC 5322 date with a numeric zone; other forms are parsed differently by different parsers.
STRICT_DATE = re.compile(
    r"\s*(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}(?::\d{2})?\s+[+-]\d{4}\s*(?:\(.*\))?\s*$",
    re.DOTALL,
)

# (query, notmuch translation or None when identical, explanation of a known notmuch difference)
QUERIES = [
    ("from:rssfeeds@spamassassin.taint.org", None, ""),
    ("from:perl.org", None, ""),
    ('from:"Matthias Saou"', None, ""),
    ("to:ilug@linux.ie", None, ""),
    ("cc:fork@spamassassin.taint.org", "cchdr:fork@spamassassin.taint.org", ""),
    ("subject:razor", None, ""),
    ('subject:"razor users"', None, ""),
    ("subject:mortgage", None, ""),
    (
        "body:linux",
        None,
        "notmuch also indexes a text/rfc822-headers part of a bounce and an inline video/mng part that holds a"
        " diff (+2), and keeps LINUX_VERSION_CODE as one word where the underscore separates tokens here (-1)",
    ),
    (
        'body:"credit card"',
        None,
        "notmuch also indexes the text/html alternative of a message whose text/plain part lacks the phrase (+1),"
        " and indexes no body text at all of one HTML-only spam (-1)",
    ),
    (
        "body:sourceforge",
        None,
        "notmuch also indexes a bounce's text/rfc822-headers part and a text/html alternative (+2), and indexes"
        " no body text at all of two HTML-only spams (-2)",
    ),
    ("date:2002-09-10..2002-09-12", None, ""),
    ("date:2002-08-01..2002-08-31", None, ""),
    ("date:2002-12-01..2003-12-31", None, ""),
    ("date:1999-01-01..2001-12-31", None, ""),
    ("cc:lynn.blair@enron.com", "cchdr:lynn.blair@enron.com", ""),
    (
        "from:enron.com and not folder:enron-sample/blair-l/inbox",
        None,
        "notmuch (GMime) does not parse the From address w..mcgowan@enron.com (two dots) as an address (-2)",
    ),
    ("subject:razor and to:razor-users@example.sourceforge.net", None, ""),
    ("subject:mortgage or subject:money", None, ""),
    ("folder:spamassassin/spam and not subject:free", None, ""),
    ("(subject:razor or subject:spamassassin) and not folder:spamassassin/easy_ham", None, ""),
    ("from:phillip.allen@enron.com or (subject:spamassassin and date:2002-09-01..2002-09-30)", None, ""),
    ("folder:spamassassin/easy_ham", None, ""),
    ("folder:spamassassin/easy_ham_2", None, ""),
    ("folder:spamassassin/hard_ham", None, ""),
    ("folder:spamassassin/spam", None, ""),
    ("folder:spamassassin/spam_2", None, ""),
    ("folder:enron-sample/blair-l/inbox", None, ""),
    ("folder:enron-sample/allen-p/_sent_mail", None, ""),
]


def tokens(text):
    return TOKEN.findall(text.lower())


# --- message features ---------------------------------------------------------


def decode_bytes(data, charset):
    try:
        return data.decode(charset or "us-ascii", errors="replace")
    except LookupError:
        return data.decode("latin-1")


def header_text(msg, name):
    """All occurrences of header `name`, RFC 2047-decoded, joined."""
    parts = []
    for value in msg.get_all(name, []):
        try:
            chunks = email.header.decode_header(str(value))
            parts.append("".join(decode_bytes(c, cs) if isinstance(c, bytes) else c for c, cs in chunks))
        except (email.errors.HeaderParseError, ValueError):
            parts.append(str(value))
    return " , ".join(parts)


class HtmlText(html.parser.HTMLParser):
    """Text content of an HTML document; tags separate words, script/style dropped."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        self.out.append(" ")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skip:
            self.skip -= 1
        self.out.append(" ")

    def handle_data(self, data):
        if not self.skip:
            self.out.append(data)


def html_to_text(source):
    parser = HtmlText()
    try:
        parser.feed(source)
        parser.close()
    except Exception:  # noqa: BLE001 - malformed HTML: keep what was parsed
        pass
    return "".join(parser.out)


def body_texts(msg):
    """(plain parts, html parts converted to text) that are not attachments."""
    plain, htmls = [], []
    for part in msg.walk():
        if part.is_multipart():
            continue
        if (part.get("Content-Disposition") or "").strip().lower().startswith("attachment"):
            continue
        ctype = part.get_content_type()
        if ctype not in ("text/plain", "text/html"):
            continue
        payload = part.get_payload(decode=True)
        if payload is None:
            continue
        text = decode_bytes(payload, part.get_content_charset())
        (plain if ctype == "text/plain" else htmls).append(text if ctype == "text/plain" else html_to_text(text))
    return plain, htmls


def parse_date(msg):
    """(UTC datetime, naive wall-clock datetime) of the Date header, or (None, None)."""
    value = msg.get("Date")
    if not value:
        return None, None
    try:
        when = email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None, None
    if when is None:
        return None, None
    wall = when.replace(tzinfo=None)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc), wall


class Features:
    """What the queries look at, for one message, plus the variants' values."""

    def __init__(self, path, rel_folder, raw):
        msg = email.message_from_bytes(raw)
        self.path = path
        self.folder = rel_folder
        self.fields = {
            "from": tokens(header_text(msg, "From")),
            "to": tokens(" ".join(header_text(msg, name) for name in ("To", "Cc", "Bcc"))),
            "cc": tokens(header_text(msg, "Cc")),
            "subject": tokens(header_text(msg, "Subject")),
        }
        plain, htmls = body_texts(msg)
        self.body = tokens("\n".join(plain if plain else htmls))
        self.body_all = tokens("\n".join(plain + htmls))
        split = re.search(rb"\r?\n\r?\n", raw)
        self.body_raw = tokens(raw[split.end() :].decode("latin-1") if split else "")
        self.date, self.date_wall = parse_date(msg)
        self.odd_date = not STRICT_DATE.match(str(msg.get("Date", "")))


def load_corpus(corpus):
    messages = []
    for group in GROUPS:
        base = os.path.join(corpus, group)
        if not os.path.isdir(base):
            sys.exit(f"error: {base} not found; set INBOX_TEST_CORPUS or --corpus")
        for dirpath, _dirs, names in os.walk(base):
            if os.path.basename(dirpath) != "cur":
                continue
            folder = os.path.relpath(os.path.dirname(dirpath), corpus)
            for name in sorted(names):
                path = os.path.join(dirpath, name)
                with open(path, "rb") as f:
                    messages.append(Features(path, folder, f.read()))
    return messages


# --- query language -------------------------------------------------------------

LEX = re.compile(r'\s*(?:(\()|(\))|(\w+):("[^"]*"|[^\s()]*)|(\S+))')


def lex(query):
    pos, out = 0, []
    query = query.strip()
    while pos < len(query):
        m = LEX.match(query, pos)
        if not m or m.end() == pos:
            raise ValueError(f"cannot read query at {query[pos:]!r}")
        pos = m.end()
        if m.group(1):
            out.append(("(",))
        elif m.group(2):
            out.append((")",))
        elif m.group(3):
            out.append(("term", m.group(3).lower(), m.group(4).strip('"')))
        elif m.group(5).lower() in ("and", "or", "not"):
            out.append((m.group(5).lower(),))
        else:
            raise ValueError(f"term without a prefix: {m.group(5)!r}")
    return out


class Parser:
    """Recursive descent: or_expr := and_expr ('or' and_expr)*; and_expr := unary+ ..."""

    def __init__(self, toks):
        self.toks = toks
        self.i = 0

    def peek(self):
        return self.toks[self.i][0] if self.i < len(self.toks) else None

    def take(self):
        self.i += 1
        return self.toks[self.i - 1]

    def parse(self):
        node = self.or_expr()
        if self.peek() is not None:
            raise ValueError(f"unexpected {self.peek()!r}")
        return node

    def or_expr(self):
        node = self.and_expr()
        while self.peek() == "or":
            self.take()
            node = ("or", node, self.and_expr())
        return node

    def and_expr(self):
        node = self.unary()
        while self.peek() in ("and", "not", "(", "term"):
            if self.peek() == "and":
                self.take()
            node = ("and", node, self.unary())
        return node

    def unary(self):
        kind = self.peek()
        if kind == "not":
            self.take()
            return ("not", self.unary())
        if kind == "(":
            self.take()
            node = self.or_expr()
            if self.peek() != ")":
                raise ValueError("missing )")
            self.take()
            return node
        if kind == "term":
            return self.take()
        raise ValueError(f"expected a term, got {kind!r}")


def day(text, end):
    start = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    return start + timedelta(days=1) - timedelta(microseconds=1) if end else start


def contains_run(haystack, needle):
    if not needle:
        return False
    first, n = needle[0], len(needle)
    return any(haystack[i : i + n] == needle for i, t in enumerate(haystack) if t == first)


class Variant:
    """Which message attributes a query reads: the reference semantics or a variant."""

    def __init__(self, body="body", wall_dates=False):
        self.body = body
        self.wall_dates = wall_dates


def term_matches(m, prefix, value, variant):
    if prefix == "folder":
        return m.folder == value
    if prefix == "date":
        lo, _, hi = value.partition("..")
        when = m.date_wall.replace(tzinfo=timezone.utc) if variant.wall_dates and m.date_wall else m.date
        if when is None:
            return False
        return (not lo or when >= day(lo, False)) and (not hi or when <= day(hi, True))
    if prefix == "body":
        return contains_run(getattr(m, variant.body), tokens(value))
    if prefix in m.fields:
        return contains_run(m.fields[prefix], tokens(value))
    raise ValueError(f"unknown prefix {prefix}:")


def evaluate(node, m, variant):
    kind = node[0]
    if kind == "term":
        return term_matches(m, node[1], node[2], variant)
    if kind == "not":
        return not evaluate(node[1], m, variant)
    if kind == "and":
        return evaluate(node[1], m, variant) and evaluate(node[2], m, variant)
    return evaluate(node[1], m, variant) or evaluate(node[2], m, variant)


def matching(query, messages, variant=None):
    tree = Parser(lex(query)).parse()
    variant = variant or Variant()
    return [m for m in messages if evaluate(tree, m, variant)]


# --- notmuch cross-check ------------------------------------------------------


class Notmuch:
    """A throw-away notmuch database over the corpus groups (the corpus is only read)."""

    def __init__(self, corpus):
        self.dir = tempfile.mkdtemp(prefix="count-queries-notmuch.")
        ignore = sorted(set(os.listdir(corpus)) - set(GROUPS)) + ["labels.tsv"]
        self.config = os.path.join(self.dir, "config")
        with open(self.config, "w") as f:
            f.write(
                f"[database]\npath={self.dir}/db\nmail_root={corpus}\n"
                f"[new]\ntags=unread\nignore={';'.join(ignore)}\n"
                "[search]\nexclude_tags=\n[maildir]\nsynchronize_flags=false\n"
                "[index]\nheader.tohdr=To\nheader.cchdr=Cc\n"
            )
        os.makedirs(os.path.join(self.dir, "db"))
        self.env = dict(os.environ, NOTMUCH_CONFIG=self.config, TZ="UTC")
        subprocess.run(["notmuch", "new", "--quiet"], env=self.env, check=True)

    def files(self, query):
        out = subprocess.run(
            ["notmuch", "search", "--output=files", query], env=self.env, check=True, capture_output=True
        ).stdout.decode()
        return set(out.splitlines())

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


# --- report ----------------------------------------------------------------------

VARIANTS = (
    ("with html always", Variant(body="body_all")),
    ("raw undecoded body", Variant(body="body_raw")),
    ("dates as wall-clock", Variant(wall_dates=True)),
)


def how(query, hits, messages, notmuch, nm_query, note):
    words = ["computed by bench/count-queries.py (Python email package)"]
    ours = {m.path for m in hits}
    for label, variant in VARIANTS:
        if label.startswith("dates") and "date:" not in query:
            continue
        if not label.startswith("dates") and "body:" not in query:
            continue
        other = len(matching(query, messages, variant))
        words.append(f"{label}: {'same' if other == len(hits) else other}")
    for lo, hi in re.findall(r"date:([\d-]*)\.\.([\d-]*)", query):
        ends = [day(lo, False)] if lo else []
        ends += [day(hi, True)] if hi else []
        near = [m for m in messages if m.date and any(abs(m.date - end) <= timedelta(hours=14) for end in ends)]
        odd = sum(m.odd_date for m in near)
        words.append(f"messages dated within 14 h of a range end: {len(near)} ({odd} without an RFC 5322 numeric zone)")
    if notmuch is not None:
        theirs = notmuch.files(nm_query or query)
        shown = f"`{nm_query}`" if nm_query else "notmuch"
        if theirs == ours:
            words.append(f"{shown}: same files")
        else:
            words.append(
                f"{shown}: {len(theirs)} ({len(theirs - ours)} more, {len(ours - theirs)} fewer)"
                + (f": {note}" if note else "")
            )
    return "; ".join(words)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=default_corpus())
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--out", default=os.path.join(here, "..", "tests", "data", "query-counts.tsv"))
    parser.add_argument("--no-notmuch", action="store_true", help="skip the notmuch cross-check")
    parser.add_argument("--diff", metavar="QUERY", help="list files where notmuch and the reference differ")
    args = parser.parse_args()
    corpus = os.path.abspath(args.corpus)

    messages = load_corpus(corpus)
    print(f"{len(messages)} messages read", file=sys.stderr)
    notmuch = None if args.no_notmuch or not shutil.which("notmuch") else Notmuch(corpus)
    try:
        if args.diff:
            nm_query = next((q[1] for q in QUERIES if q[0] == args.diff and q[1]), args.diff)
            ours = {m.path for m in matching(args.diff, messages)}
            theirs = notmuch.files(nm_query) if notmuch else set()
            for path in sorted(theirs - ours):
                print(f"notmuch only\t{path}")
            for path in sorted(ours - theirs):
                print(f"reference only\t{path}")
            return
        rows = []
        for query, nm_query, note in QUERIES:
            hits = matching(query, messages)
            rows.append(f"{query}\t{len(hits)}\t{how(query, hits, messages, notmuch, nm_query, note)}")
            print(rows[-1], file=sys.stderr)
    finally:
        if notmuch is not None:
            notmuch.close()
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write("query\tcount\thow\n")
        f.write("\n".join(rows) + "\n")
    print(f"wrote {len(rows)} queries to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
