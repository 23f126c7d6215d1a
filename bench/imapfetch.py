#!/usr/bin/env python3
"""Time a raw fetch of every message body of one IMAP folder: the wire-speed floor.

Usage: imapfetch.py [--tls] [--ca-file PEM] [--chunk N] HOST PORT USER PASSWORD FOLDER

Logs in (implicit TLS with --tls), selects FOLDER read-only, then sends
`UID FETCH 1:* (BODY.PEEK[])` (with --chunk N: `UID SEARCH ALL`, then one
command per N UIDs, each awaited before the next, as a sync client that
stores between commands would) and reads every literal, discarding it.
Prints one line: `<seconds> <TAB> <messages> <TAB> <body bytes>`; the time
covers the fetch commands only (not connecting, login or SELECT).
"""

import argparse
import re
import socket
import ssl
import sys
import time

LITERAL = re.compile(rb"\{(\d+)\}\r\n$")


class Conn:
    """A minimal IMAP client: tagged commands, untagged lines, literals read and dropped."""

    def __init__(self, host, port, tls, ca_file):
        sock = socket.create_connection((host, port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if tls:
            ctx = ssl.create_default_context(cafile=ca_file)
            if ca_file is None:
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            sock = ctx.wrap_socket(sock, server_hostname=host)
        self.file = sock.makefile("rb", buffering=1 << 20)
        self.sock = sock
        self.tag = 0
        self.line()  # greeting

    def line(self):
        data = self.file.readline()
        if not data:
            sys.exit("error: the server closed the connection")
        return data

    def command(self, text, on_literal=None, on_line=None):
        """Sends one command; returns the tagged status line."""
        self.tag += 1
        tag = b"a%d" % self.tag
        self.sock.sendall(tag + b" " + text.encode() + b"\r\n")
        while True:
            data = self.line()
            # A response line may hold several literals; read each, then the rest of the line.
            while (m := LITERAL.search(data)) is not None:
                size = int(m.group(1))
                body = self.file.read(size)
                if len(body) != size:
                    sys.exit("error: the server closed the connection inside a literal")
                if on_literal:
                    on_literal(body)
                data = self.line()
            if on_line:
                on_line(data)
            if data.startswith(tag + b" "):
                if not data[len(tag) + 1 :].startswith(b"OK"):
                    sys.exit(f"error: {text.split()[0]} failed: {data.decode(errors='replace').strip()}")
                return data


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tls", action="store_true", help="implicit TLS")
    ap.add_argument("--ca-file", help="trust this certificate (else TLS is not verified)")
    ap.add_argument("--chunk", type=int, default=0, help="UIDs per FETCH command (default: one 1:* command)")
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("user")
    ap.add_argument("password")
    ap.add_argument("folder")
    a = ap.parse_args()

    conn = Conn(a.host, a.port, a.tls, a.ca_file)
    conn.command(f'LOGIN "{a.user}" "{a.password}"')
    conn.command(f'EXAMINE "{a.folder}"')
    count = 0
    size = 0

    def got(body):
        nonlocal count, size
        count += 1
        size += len(body)

    start = time.perf_counter()
    if a.chunk > 0:
        uids = []

        def search(data):
            if data.startswith(b"* SEARCH"):
                uids.extend(int(u) for u in data.split()[2:])

        conn.command("UID SEARCH ALL", on_line=search)
        for i in range(0, len(uids), a.chunk):
            part = uids[i : i + a.chunk]
            conn.command(f"UID FETCH {','.join(map(str, part))} (BODY.PEEK[])", on_literal=got)
    else:
        conn.command("UID FETCH 1:* (BODY.PEEK[])", on_literal=got)
    elapsed = time.perf_counter() - start
    conn.command("LOGOUT")
    print(f"{elapsed:.3f}\t{count}\t{size}")


if __name__ == "__main__":
    main()
