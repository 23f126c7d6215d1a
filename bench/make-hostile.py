#!/usr/bin/env python3
"""Build a Maildir of hostile messages, one per case, for bench/hostile.sh.

Usage: make-hostile.py [--corpus DIR] [--seed N] [--list] OUT [CASE...]

Writes `OUT/cur/<case>:2,` for every case (or only the CASEs named), plus
empty `new/` and `tmp/`. Every message but the MimeKit sample and the binary
garbage carries `Subject: ... hx<case without dashes>` and
`Message-ID: <<case>@hostile.invalid>`, so a search for the marker word finds
it. The output depends only on the seed (default 2024): random data comes from
Python's seeded `random.Random`. Stdlib only. Prints one line per message
(case, bytes) and the total. Refuses to write into a non-empty OUT.

Cases (sizes are of the file):

  attach-50mb-base64     multipart/mixed, a 50 MB (decoded) random binary attachment, base64
  body-50mb-qp           a 50 MB quoted-printable UTF-8 text body
  body-50mb-8bit         a 50 MB 8bit UTF-8 text body, some lines 1 MB long
  to-10000               10,000 recipients in one To field
  cc-10000-encoded       10,000 recipients in Cc, each name an RFC 2047 encoded-word
  nest-multipart-10000   multipart/mixed nested 10,000 levels deep
  nest-rfc822-1000       message/rfc822 nested 1,000 levels deep
  parts-100000           multipart/mixed with 100,000 small named attachments
  html-nested-1000000    an HTML-only body of 1,000,000 nested <div> elements
  html-style-1mb         an HTML-only body of 1 MB of `<style></style>`, then a line of text
  html-style-2mb         the same, 2 MB
  html-style-4mb         the same, 4 MB
  html-attributes-100000 an HTML-only body: one tag with 100,000 attributes around a line of text
  html-div-span-100000   an HTML-only body: 100,000 <div>, a line of text, 100,000 </span>
  to-dense-8750000       one To field of 8,750,000 four-byte addresses (35 MB)
  fields-dense-4000000   4,000,000 short To and X- fields (35 MB)
  parts-tiny-5000000     5,000,000 seven-byte MIME parts (35 MB)
  mimekit-stack-overflow the MimeKit stack-overflow sample from the corpus, unchanged
  charset-unknown        charset=x-unknown everywhere (header words, text and HTML parts)
  charset-utf7-broken    charset=utf-7 with broken shift sequences
  encoded-words-bad      malformed encoded-words: bad base64/Q, unknown encodings, unterminated
  nul-bytes              NUL bytes in header names, values, the body and a base64 part
  line-ends-mixed        CRLF, LF and bare CR line ends mixed, also inside MIME structure
  header-10mb-line       a 10 MB Subject on one line, without folding
  headers-100000         100,000 header fields before the Subject
  boundary-unclosed      multiparts whose boundaries never close (one never appears)
  binary-garbage         1 MB of random bytes, no header at all
"""

import argparse
import base64
import binascii
import os
import random
import sys

from corpus_path import default_corpus

MIMEKIT_SAMPLE = os.path.join("mime-tricky", "mimekit", "messages", "cur", "stack-overflow.txt:2,")
MB = 1_000_000
WORDS = (
    "inbox hostile mail parser limit memory bounded quoted printable text body line "
    "Grüße aus Köln café crème naïve façade 日本語 テキスト Ελληνικά русский текст"
).split()


def marker(case):
    """The search word of a case: `hx` and the case name without its dashes."""
    return "hx" + case.replace("-", "")


def headers(case, extra=""):
    """The usual top-level header block of a case, without the empty line."""
    return (
        f"From: Hostile Sender <sender@hostile.invalid>\n"
        f"To: Victim <victim@hostile.invalid>\n"
        f"Subject: hostile input {marker(case)}\n"
        f"Date: Mon, 01 Jan 2024 12:00:00 +0000\n"
        f"Message-ID: <{case}@hostile.invalid>\n"
        f"MIME-Version: 1.0\n"
        f"{extra}"
    ).encode()


def text_lines(rng, size, line_words=10):
    """About `size` bytes of UTF-8 text in lines of `line_words` words."""
    out = bytearray()
    while len(out) < size:
        out += " ".join(rng.choice(WORDS) for _ in range(line_words)).encode() + b"\n"
    return bytes(out)


def attach_50mb_base64(case, rng):
    payload = rng.randbytes(50 * MB)
    encoded = base64.encodebytes(payload)  # 76-character lines
    return b"".join(
        [
            headers(case, 'Content-Type: multipart/mixed; boundary="hostile-outer"\n'),
            b"\n--hostile-outer\nContent-Type: text/plain; charset=utf-8\n\n",
            b"A 50 MB attachment follows.\n",
            b"--hostile-outer\n",
            b'Content-Type: application/octet-stream; name="big.bin"\n',
            b'Content-Disposition: attachment; filename="big.bin"\n',
            b"Content-Transfer-Encoding: base64\n\n",
            encoded,
            b"--hostile-outer--\n",
        ]
    )


def body_50mb_qp(case, rng):
    text = text_lines(rng, 50 * MB * 55 // 100)  # QP makes it about 1.8 times longer
    encoded = binascii.b2a_qp(text)
    # Soft breaks inside multi-byte characters and a few =XX escapes of bytes
    # that are not UTF-8 at all.
    encoded = encoded.replace(b"Gr=C3=BC", b"Gr=C3=\n=BC", 50_000)
    encoded = encoded.replace(b"caf=C3=A9", b"caf=FF=FE", 10_000)
    return headers(
        case,
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n",
    ) + b"\n" + encoded


def body_50mb_8bit(case, rng):
    text = bytearray(text_lines(rng, 48 * MB))
    # Two 1 MB lines without any line end.
    long_line = b"x" * MB
    text[10 * MB : 10 * MB] = long_line + b"\n"
    text[30 * MB : 30 * MB] = long_line + b"\n"
    return headers(
        case, "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n"
    ) + b"\n" + bytes(text)


def to_10000(case, _rng):
    recipients = ",\n ".join(f"User {i} <u{i:05d}@example.com>" for i in range(10_000))
    head = headers(case).replace(
        b"To: Victim <victim@hostile.invalid>\n", f"To: {recipients}\n".encode()
    )
    return head + b"Content-Type: text/plain\n\nTen thousand recipients.\n"


def cc_10000_encoded(case, _rng):
    def name(i):
        text = f"Jürgen Müller {i}".encode()
        if i % 2:
            return "=?UTF-8?B?" + base64.b64encode(text).decode() + "?="
        return "=?UTF-8?Q?" + binascii.b2a_qp(text, header=True).decode() + "?="

    recipients = ",\n ".join(f"{name(i)} <c{i:05d}@example.org>" for i in range(10_000))
    return (
        headers(case, f"Cc: {recipients}\n")
        + b"Content-Type: text/plain\n\nTen thousand encoded Cc recipients.\n"
    )


def nest_multipart_10000(case, _rng):
    depth = 10_000
    out = [headers(case)]
    for level in range(depth):
        out.append(
            f'Content-Type: multipart/mixed; boundary="nest{level}"\n\n--nest{level}\n'.encode()
        )
    out.append(b"Content-Type: text/plain\n\ninnermost text part\n")
    for level in reversed(range(depth)):
        out.append(f"--nest{level}--\n".encode())
    return b"".join(out)


def nest_rfc822_1000(case, _rng):
    depth = 1_000
    out = [headers(case, "Content-Type: message/rfc822\n"), b"\n"]
    for level in range(1, depth):
        out.append(
            f"From: level{level}@hostile.invalid\nSubject: level {level}\n"
            f"Content-Type: message/rfc822\n\n".encode()
        )
    out.append(b"Subject: innermost\nContent-Type: text/plain\n\ninnermost message\n")
    return b"".join(out)


def parts_100000(case, _rng):
    parts = b"".join(
        f'--many\nContent-Type: application/octet-stream; name="f{i}.bin"\n\npart {i}\n'.encode()
        for i in range(100_000)
    )
    return headers(case, 'Content-Type: multipart/mixed; boundary="many"\n') + b"\n" + parts + b"--many--\n"


def html_nested_1000000(case, _rng):
    depth = 1_000_000
    html = b"<div>" * depth + b"innermost html text" + b"</div>" * depth
    return headers(case, "Content-Type: text/html; charset=utf-8\n") + b"\n" + html + b"\n"


def html_only(case, html):
    """A message whose only part is `html` (bytes)."""
    return headers(case, "Content-Type: text/html; charset=utf-8\n") + b"\n" + html + b"\n"


def html_style(size):
    def make(case, _rng):
        styles = b"<style></style>" * (size // len(b"<style></style>"))
        return html_only(case, styles + b"<p>text after the styles</p>")

    return make


def html_attributes_100000(case, _rng):
    attributes = b"".join(f" a{i}=v".encode() for i in range(100_000))
    return html_only(case, b"<p" + attributes + b">text of a wide tag</p>")


def html_div_span_100000(case, _rng):
    return html_only(case, b"<div>" * 100_000 + b"text between" + b"</span>" * 100_000)


def to_dense_8750000(case, _rng):
    return headers(case, "To: " + "a@b," * 8_750_000 + "\n") + b"\nbody\n"


def fields_dense_4000000(case, _rng):
    return headers(case) + b"To: a@b\nX-A: b\n" * 2_000_000 + b"\nbody\n"


def parts_tiny_5000000(case, _rng):
    head = headers(case, "Content-Type: multipart/mixed; boundary=m\n")
    return head + b"\n" + b"--m\n\nx\n" * 5_000_000 + b"--m--\n"


def mimekit_stack_overflow(corpus):
    path = os.path.join(corpus, MIMEKIT_SAMPLE)
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as error:
        sys.exit(f"error: cannot read {path} ({error}); set INBOX_TEST_CORPUS or --corpus")


def charset_unknown(case, rng):
    head = headers(case, 'Content-Type: multipart/alternative; boundary="alt"\n').replace(
        b"Subject: ", b"Subject: =?x-unknown?Q?caf=E9?= "
    )
    return head + b"".join(
        [
            b"\n--alt\nContent-Type: text/plain; charset=x-unknown\n",
            b"Content-Transfer-Encoding: 8bit\n\n",
            b"plain text in an unknown charset \xe9\xe8\xff\xfe\x80\n",
            rng.randbytes(2000),
            b"\n--alt\nContent-Type: text/html; charset=\"x-unknown-html\"\n\n",
            b"<p>html in an unknown charset \xa4\xa5</p>\n",
            b"--alt--\n",
        ]
    )


def charset_utf7_broken(case, _rng):
    head = headers(case, "Content-Type: text/plain; charset=utf-7\n").replace(
        b"Subject: ", b"Subject: =?utf-7?Q?Hi_Mom_-+Jjo--!?= =?utf-7?B?K0FHRUFZZ0Jq?= "
    )
    body = (
        b"Hi Mom -+Jjo--!\n"
        b"unterminated +AGEAYgBj\n"
        b"bad base64 +!!!!- and +ZeVnLIqe-\n"
        b"odd length +AGE-\n"
        b"high bytes \xff\xfe +\xc3\xa9-\n"
    ) * 1000
    return head + b"\n" + body


def encoded_words_bad(case, _rng):
    subject = (
        "Subject: hostile input hxencodedwordsbad =?utf-8?B?####?= =?utf-8?Q?=ZZ=?= "
        "=?utf-8?X?abc?= =?utf-8?Q?=FF=FE?= =?utf-8?Q?=00nul=0D=0Acr?= =?unterminated "
        "=?utf-8?B?" + "QUFB" * 5000 + "?= =?utf-8*en?Q?lang?= =??Q?nocharset?=\n"
    )
    head = headers(case).replace(
        f"Subject: hostile input {marker(case)}\n".encode(), subject.encode()
    )
    head = head.replace(
        b"From: Hostile Sender <sender@hostile.invalid>",
        b"From: =?utf-8?Q?broken <sender@hostile.invalid>, =?utf-8?B?=?= <x@y>",
    )
    return head + b"Content-Type: text/plain\n\nbody after bad encoded-words\n"


def nul_bytes(case, rng):
    head = headers(case).replace(b"Subject: hostile", b"Subject: hostile\0nul")
    head = head.replace(b"From: Hostile", b"From: Hos\0tile")
    return head + b"".join(
        [
            b"X-Nul\0Name: value\0value\n",
            b'Content-Type: multipart/mixed; boundary="nul\0b"\n\n',
            b"--nul\0b\nContent-Type: text/plain\n\nline one\0\0\0\nline two\n",
            b"--nul\0b\nContent-Type: application/octet-stream; name=\"n\0ul.bin\"\n",
            b"Content-Transfer-Encoding: base64\n\n",
            base64.encodebytes(b"\0" * 1000 + rng.randbytes(1000)),
            b"--nul\0b--\n",
        ]
    )


def line_ends_mixed(case, _rng):
    lines = (
        headers(case, 'Content-Type: multipart/mixed; boundary="mix"\n').decode().splitlines()
        + [
            "",
            "--mix",
            "Content-Type: text/plain; charset=utf-8",
            "",
            "first line",
            "second line with a bare\rcarriage return",
            "--mix",
            "Content-Type: text/plain; name=\"notes.txt\"",
            "Content-Disposition: attachment; filename=\"notes.txt\"",
            "",
            "attached text",
            "--mix--",
        ]
    )
    ends = ("\r\n", "\n", "\r")
    return "".join(line + ends[i % 3] for i, line in enumerate(lines)).encode()


def header_10mb_line(case, rng):
    words = " ".join(rng.choice(WORDS[:13]) for _ in range(10 * MB // 6))
    head = headers(case).replace(
        f"Subject: hostile input {marker(case)}\n".encode(),
        f"Subject: hostile input {marker(case)} {words}\n".encode(),
    )
    return head + b"Content-Type: text/plain\n\nbody after a 10 MB header line\n"


def headers_100000(case, _rng):
    fields = b"".join(f"X-Hostile-{i:06d}: value {i}\n".encode() for i in range(100_000))
    head = headers(case)
    subject_at = head.index(b"Subject:")
    return (
        head[:subject_at]
        + fields
        + head[subject_at:]
        + b"Content-Type: text/plain\n\nbody after 100,000 header fields\n"
    )


def boundary_unclosed(case, _rng):
    return headers(case, 'Content-Type: multipart/mixed; boundary="open"\n') + (
        b"\n--open\nContent-Type: text/plain\n\nfirst part\n"
        b'--open\nContent-Type: multipart/alternative; boundary="never-seen"\n\n'
        b"text of a multipart without its boundary\n"
        b"--open\nContent-Type: text/plain\n\nlast part, never closed\n"
    )


def binary_garbage(_case, rng):
    return rng.randbytes(MB)


CASES = {
    "attach-50mb-base64": attach_50mb_base64,
    "body-50mb-qp": body_50mb_qp,
    "body-50mb-8bit": body_50mb_8bit,
    "to-10000": to_10000,
    "cc-10000-encoded": cc_10000_encoded,
    "nest-multipart-10000": nest_multipart_10000,
    "nest-rfc822-1000": nest_rfc822_1000,
    "parts-100000": parts_100000,
    "html-nested-1000000": html_nested_1000000,
    "html-style-1mb": html_style(MB),
    "html-style-2mb": html_style(2 * MB),
    "html-style-4mb": html_style(4 * MB),
    "html-attributes-100000": html_attributes_100000,
    "html-div-span-100000": html_div_span_100000,
    "to-dense-8750000": to_dense_8750000,
    "fields-dense-4000000": fields_dense_4000000,
    "parts-tiny-5000000": parts_tiny_5000000,
    "mimekit-stack-overflow": None,
    "charset-unknown": charset_unknown,
    "charset-utf7-broken": charset_utf7_broken,
    "encoded-words-bad": encoded_words_bad,
    "nul-bytes": nul_bytes,
    "line-ends-mixed": line_ends_mixed,
    "header-10mb-line": header_10mb_line,
    "headers-100000": headers_100000,
    "boundary-unclosed": boundary_unclosed,
    "binary-garbage": binary_garbage,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", help="Maildir to create (must not exist or be empty)")
    parser.add_argument("cases", nargs="*", help="only these cases (default: all)")
    parser.add_argument("--corpus", default=default_corpus(), help="corpus root directory")
    parser.add_argument("--seed", type=int, default=2024, help="random seed (default 2024)")
    parser.add_argument("--list", action="store_true", help="print the case names and exit")
    args = parser.parse_args()
    if args.list:
        print("\n".join(CASES))
        return
    if not args.out:
        parser.error("OUT is required")
    unknown = [c for c in args.cases if c not in CASES]
    if unknown:
        parser.error(f"unknown case(s) {', '.join(unknown)}; --list prints them")
    if os.path.isdir(args.out) and os.listdir(args.out):
        sys.exit(f"error: {args.out} is not empty; remove it or choose another directory")
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(args.out, sub), exist_ok=True)

    total = 0
    for case in args.cases or CASES:
        # One generator per case, so a case's bytes do not depend on the others.
        rng = random.Random(f"{args.seed}/{case}")
        make = CASES[case]
        data = mimekit_stack_overflow(args.corpus) if make is None else make(case, rng)
        with open(os.path.join(args.out, "cur", f"{case}:2,"), "wb") as f:
            f.write(data)
        total += len(data)
        print(f"{case}\t{len(data)}", flush=True)
    print(f"{len(args.cases or CASES)} messages, {total} bytes in {args.out}")


if __name__ == "__main__":
    main()
