#!/usr/bin/env python3
"""Hostile JSON-RPC clients against a real inboxd, and what they cost it.

Usage:
  abuse.py [--inbox BIN] [--inboxd BIN] [--corpus DIR] [--nofile N] [--idle]

Imports the corpus into a fresh data directory, starts inboxd with a limit
of N open files (default 1024, systemd's default) and runs each attack,
printing one line per attack: `attack <TAB> seconds <TAB> daemon peak MiB
<TAB> outcome`. The daemon's peak memory (VmHWM) is reset before each
attack, so each peak is the attack's own.

Attacks:
  query-1mb         a search for 1 MB of `a a a ...`
  query-prefix-300kb  a search for 300 kB of `x* OR y* ...`
  query-max-*       the largest queries accepted: 256 words, 256 prefixes
                    (`x* OR y* ...`), a phrase of 256 words
  hangup-3          three clients each send the batch of batch-100 below and
                    hang up at once, while another client counts `*` five
                    times a second; outcome: the daemon's CPU seconds in the
                    3 s after the hang-ups (each batch takes about 2 s when
                    its client waits for it), and that client's slowest answer
  batch-9000        one line of 9,000 `search` calls with limit 1000
  batch-100         one line of 100 such calls: the largest batch accepted
  no-reader         a client sends 20 such batches and reads nothing;
                    outcome: whether and when the daemon closed it
  connections       N + 100 clients connect and stay; outcome: how many were
                    served, how many refused with an error, the daemon's
                    warnings meanwhile, and whether a new client is served
                    once others leave
  idle (--idle)     a silent client, closed after the idle timeout (5 min)
"""

import argparse
import json
import os
import resource
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def rpc_line(method, params, id=1):
    message = {"jsonrpc": "2.0", "id": id, "method": method, "params": params}
    return (json.dumps(message, separators=(",", ":")) + "\n").encode()


def connect(path):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    return sock


def read_line(sock, timeout=600):
    """One line from `sock`, or b"" once it closes."""
    sock.settimeout(timeout)
    chunks = []
    while True:
        try:
            chunk = sock.recv(1 << 20)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        if chunk.endswith(b"\n"):
            return b"".join(chunks)


def call(path, method, params):
    """One call on its own connection: (seconds, answer line)."""
    sock = connect(path)
    started = time.monotonic()
    sock.sendall(rpc_line(method, params))
    line = read_line(sock)
    sock.close()
    return time.monotonic() - started, line


def outcome(line):
    """The result's size, or the error's message."""
    if not line:
        return "connection closed"
    answer = json.loads(line)
    answers = answer if isinstance(answer, list) else [answer]
    errors = [a["error"]["message"] for a in answers if "error" in a]
    if not errors:
        return f"answered: {len(line):,} bytes"
    if len(answers) == 1:
        return f"error {answers[0]['error']['code']}: {errors[0]}"
    return f"{len(answers) - len(errors)} results, {len(errors)} errors ({errors[0]})"


class Daemon:
    def __init__(self, args, home):
        self.home = home
        self.socket = os.path.join(home, "run", "rpc.sock")
        self.log = open(os.path.join(os.path.dirname(home), "inboxd.log"), "w+")
        nofile = args.nofile

        def limit_files():
            hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, hard))

        self.process = subprocess.Popen(
            [args.inboxd], stderr=self.log, stdout=subprocess.DEVNULL, preexec_fn=limit_files
        )
        for _ in range(300):
            try:
                call(self.socket, "list_accounts", {})
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("error: inboxd did not answer")

    def status(self, field):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def reset_peak(self):
        with open(f"/proc/{self.process.pid}/clear_refs", "w") as refs:
            refs.write("5")

    def cpu_seconds(self):
        with open(f"/proc/{self.process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_lines(self):
        self.log.flush()
        with open(self.log.name) as log:
            return log.read().count("\n")

    def stop(self):
        self.process.terminate()
        self.process.wait(30)


def report(daemon, name, seconds, result):
    print(f"{name}\t{seconds:.2f}\t{daemon.status('VmHWM'):.0f}\t{result}", flush=True)


def attack(daemon, name, run):
    daemon.reset_peak()
    started = time.monotonic()
    result = run()
    report(daemon, name, time.monotonic() - started, result)


def prefixes(count):
    letters = "xyzqjkvw"
    return " OR ".join(f"{letters[n % 8]}{letters[n // 8 % 8]}*" for n in range(count))


def search(path, query, limit=50):
    return outcome(call(path, "search", {"query": query, "limit": limit})[1])


def hangups(daemon):
    path = daemon.socket
    slowest = [0.0]
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            seconds, _ = call(path, "count", {"query": "*"})
            slowest[0] = max(slowest[0], seconds)
            time.sleep(0.2)

    for _ in range(3):
        sock = connect(path)
        sock.sendall(batch(100))
        sock.close()
    cpu = daemon.cpu_seconds()
    watcher = threading.Thread(target=reader)
    watcher.start()
    time.sleep(3)
    stop.set()
    watcher.join()
    cpu = daemon.cpu_seconds() - cpu
    return f"daemon CPU in the 3 s after the hang-ups {cpu:.2f} s; slowest count meanwhile {slowest[0]:.2f} s"


def batch(count):
    calls = [
        {"jsonrpc": "2.0", "id": n, "method": "search", "params": {"query": "*", "limit": 1000}}
        for n in range(count)
    ]
    return (json.dumps(calls, separators=(",", ":")) + "\n").encode()


def batch_call(path, count):
    sock = connect(path)
    sock.sendall(batch(count))
    line = read_line(sock)
    sock.close()
    return outcome(line)


def no_reader(daemon):
    sock = connect(daemon.socket)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    line = batch(100)
    sender = threading.Thread(target=lambda: _send_quietly(sock, line, 20))
    sender.start()
    started = time.monotonic()
    peak = 0.0
    closed = None
    while time.monotonic() - started < 90 and closed is None:
        time.sleep(1)
        peak = max(peak, daemon.status("VmRSS"))
        if _peer_closed(sock):
            closed = time.monotonic() - started
    sock.close()
    sender.join()
    when = f"closed by the daemon after {closed:.0f} s" if closed else "still open after 90 s"
    return f"{when}; daemon RSS at most {peak:.0f} MiB meanwhile"


def _send_quietly(sock, line, times):
    try:
        for _ in range(times):
            sock.sendall(line)
    except OSError:
        pass


def _peer_closed(sock):
    """Whether the daemon closed its end, without reading anything."""
    poller = select.poll()
    poller.register(sock, select.POLLRDHUP)
    return any(events & (select.POLLRDHUP | select.POLLHUP) for _, events in poller.poll(0))


def connections(daemon, nofile):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, nofile + 400)), hard))
    logged = daemon.log_lines()
    clients, served, refused = [], 0, 0
    for _ in range(nofile + 100):
        try:
            clients.append(connect(daemon.socket))
        except OSError:
            refused += 1
    time.sleep(1)
    for sock in clients:
        try:
            sock.sendall(rpc_line("count", {"query": "*"}))
            line = read_line(sock, timeout=10)
        except OSError:
            line = b""
        if b'"result"' in line:
            served += 1
        else:
            refused += 1
    # Ten more seconds of knocking at a full server.
    knocked = 0
    until = time.monotonic() + 10
    while time.monotonic() < until:
        try:
            connect(daemon.socket).close()
        except OSError:
            pass
        knocked += 1
        time.sleep(0.05)
    warnings = daemon.log_lines() - logged
    for sock in clients[:10]:
        sock.close()
    time.sleep(0.5)
    later = outcome(call(daemon.socket, "count", {"query": "*"})[1])
    for sock in clients[10:]:
        sock.close()
    return (
        f"{served} served, {refused} refused; {knocked} more tries in 10 s; "
        f"{warnings} log lines; after 10 left, a new client: {later}"
    )


def idle(daemon):
    sock = connect(daemon.socket)
    started = time.monotonic()
    line = read_line(sock, timeout=400)
    return f"{'closed' if not line else 'answered'} after {time.monotonic() - started:.0f} s"


def main():
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target"))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--inbox", default=os.path.join(target, "release", "inbox"))
    parser.add_argument("--inboxd", default=os.path.join(target, "release", "inboxd"))
    parser.add_argument(
        "--corpus",
        default=os.environ.get("INBOX_TEST_CORPUS", os.path.join(REPO, "..", "shared", "corpus")),
    )
    parser.add_argument("--nofile", type=int, default=1024)
    parser.add_argument("--idle", action="store_true")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="inbox-abuse.")
    home = os.path.join(work, "inbox")
    os.environ.update(INBOX_HOME=home, HOME=work, TZ="UTC")
    os.environ.pop("RUST_LOG", None)
    print("== importing the corpus", file=sys.stderr)
    subprocess.run([args.inbox, "import", args.corpus], check=True, stdout=subprocess.DEVNULL)
    daemon = Daemon(args, home)
    path = daemon.socket
    print("attack\tseconds\tpeak_mib\toutcome")
    try:
        attack(daemon, "query-1mb", lambda: search(path, "a " * 500_000))
        attack(daemon, "query-prefix-300kb", lambda: search(path, prefixes(43_000)))
        attack(daemon, "query-max-words", lambda: search(path, "a " * 256))
        attack(daemon, "query-max-prefixes", lambda: search(path, prefixes(256)))
        attack(daemon, "query-max-phrase", lambda: search(path, '"' + "a " * 256 + '"'))
        attack(daemon, "hangup-3", lambda: hangups(daemon))
        attack(daemon, "batch-9000", lambda: batch_call(path, 9000))
        attack(daemon, "batch-100", lambda: batch_call(path, 100))
        attack(daemon, "no-reader", lambda: no_reader(daemon))
        attack(daemon, "connections", lambda: connections(daemon, args.nofile))
        if args.idle:
            attack(daemon, "idle", lambda: idle(daemon))
    finally:
        daemon.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
