#!/usr/bin/env python3
"""Search latency and throughput of inboxd over its JSON-RPC socket.

Usage:
  rpcload.py latency SOCKET --runs N [--method search|count] [--params JSON] QUERY...
  rpcload.py throughput SOCKET --clients C --seconds S [--params JSON] QUERY...
  rpcload.py drop [--count N] SOCKET [QUERY...]
  rpcload.py call SOCKET METHOD [PARAMS_JSON]

JSON-RPC 2.0, one JSON message per line each way, one connection per client.

latency: one connection; each query once as a warm-up, then N rounds, each
sending every query once, one request at a time. Prints one line per query,
`index <TAB> p50_ms <TAB> p99_ms <TAB> mean_ms <TAB> total`, then
`all <TAB> p50 <TAB> p99 <TAB> mean <TAB> requests` over every request.
`total` is the query's match count (search: the result's `total`; count: the
number), so a wrong answer is visible.

throughput: C threads, each with its own connection, send the queries in turn
(each thread starting at a different one), one request at a time, for S
seconds. Prints `requests <TAB> seconds <TAB> per_second <TAB> p50_ms <TAB>
p99_ms <TAB> client_cpu_s`: the client's own CPU time (user + system) shows
how much of the machine the load generator took from the daemon. Responses
are checked for a result without being decoded (decoding thousands of
25 kB responses a second would load the client more than the daemon).

drop: N connections, opened at once, each left in a different way: a
request cut in the middle, a whole search whose answer is never read, or
nothing sent; all are then closed without reading, and one more connection
must still get an answer. Prints `dropped <TAB> answer_ms`.

call: one call; prints its result as JSON.

`--params` adds fields to every request's params (e.g. '{"limit": 50}').
Progress goes to stderr; an error response or a closed connection exits 1.
"""

import argparse
import json
import os
import socket
import sys
import threading
import time


class Client:
    """One connection to the daemon, one request at a time."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.lines = self.sock.makefile("rb")
        self.next_id = 0

    def request(self, method, params):
        """The request line for `method` with `params`, as bytes."""
        self.next_id += 1
        message = {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}
        return (json.dumps(message, separators=(",", ":")) + "\n").encode()

    def exchange(self, line):
        """Sends one request line and returns the response line."""
        self.sock.sendall(line)
        response = self.lines.readline()
        if not response:
            raise SystemExit("error: the daemon closed the connection")
        return response

    def call(self, method, params):
        """One decoded call: the result, or exit with the error."""
        response = json.loads(self.exchange(self.request(method, params)))
        if "error" in response:
            raise SystemExit(f"error: {method} {params}: {response['error']}")
        return response["result"]

    def close(self):
        self.lines.close()
        self.sock.close()


def percentile(sorted_values, share):
    """Nearest-rank percentile of an ascending list."""
    rank = max(1, -(-len(sorted_values) * share // 100))
    return sorted_values[int(rank) - 1]


def stats(durations_ns):
    ordered = sorted(durations_ns)
    ms = 1e6
    mean = sum(ordered) / len(ordered) / ms
    return percentile(ordered, 50) / ms, percentile(ordered, 99) / ms, mean


def match_count(result):
    return result["total"] if isinstance(result, dict) else result


def latency(args, extra):
    client = Client(args.socket)
    params = [dict(extra, query=q) for q in args.queries]
    totals = [match_count(client.call(args.method, p)) for p in params]
    durations = [[] for _ in params]
    for run in range(args.runs):
        for i, p in enumerate(params):
            line = client.request(args.method, p)
            start = time.perf_counter_ns()
            response = client.exchange(line)
            durations[i].append(time.perf_counter_ns() - start)
            if b'"result"' not in response:
                raise SystemExit(f"error: {args.method} {p}: {response[:300]!r}")
        if (run + 1) % max(1, args.runs // 4) == 0:
            print(f"  round {run + 1}/{args.runs}", file=sys.stderr)
    client.close()
    for i, d in enumerate(durations):
        p50, p99, mean = stats(d)
        print(f"{i + 1}\t{p50:.3f}\t{p99:.3f}\t{mean:.3f}\t{totals[i]}")
    every = [x for d in durations for x in d]
    p50, p99, mean = stats(every)
    print(f"all\t{p50:.3f}\t{p99:.3f}\t{mean:.3f}\t{len(every)}")


def throughput(args, extra):
    params = [dict(extra, query=q) for q in args.queries]
    clients = [Client(args.socket) for _ in range(args.clients)]
    for c in clients:  # one warm-up call per connection, decoded and checked
        c.call("search", params[0])
    durations = [[] for _ in clients]
    failures = []
    start_gate = threading.Barrier(args.clients + 1)
    stop = threading.Event()

    def work(n):
        client, mine = clients[n], durations[n]
        i = n % len(params)
        start_gate.wait()
        while not stop.is_set():
            line = client.request("search", params[i])
            t = time.perf_counter_ns()
            response = client.exchange(line)
            mine.append(time.perf_counter_ns() - t)
            if b'"result"' not in response:
                failures.append(response[:300])
                return
            i = (i + 1) % len(params)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(args.clients)]
    for t in threads:
        t.start()
    cpu_before = os.times()
    start_gate.wait()
    began = time.perf_counter()
    time.sleep(args.seconds)
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    cpu_after = os.times()
    for c in clients:
        c.close()
    if failures:
        raise SystemExit(f"error: a search failed: {failures[0]!r}")
    every = [x for d in durations for x in d]
    p50, p99, _ = stats(every)
    cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    print(f"{len(every)}\t{elapsed:.2f}\t{len(every) / elapsed:.0f}\t{p50:.3f}\t{p99:.3f}\t{cpu:.2f}")


def drop(args):
    queries = args.queries or ["*"]
    socks = []
    for n in range(args.count):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(args.socket)
        line = json.dumps({"jsonrpc": "2.0", "id": n, "method": "search",
                           "params": {"query": queries[n % len(queries)], "limit": 50}}) + "\n"
        kind = n % 3
        if kind == 0:
            sock.sendall(line[: len(line) // 2].encode())
        elif kind == 1:
            sock.sendall(line.encode())
        socks.append(sock)
    for sock in socks:
        sock.close()
    client = Client(args.socket)
    start = time.perf_counter_ns()
    client.call("count", {"query": queries[0]})
    elapsed = (time.perf_counter_ns() - start) / 1e6
    client.close()
    print(f"{len(socks)}\t{elapsed:.3f}")


def call(args):
    client = Client(args.socket)
    print(json.dumps(client.call(args.method, json.loads(args.params))))
    client.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    lat = sub.add_parser("latency")
    lat.add_argument("--runs", type=int, default=200)
    lat.add_argument("--method", choices=("search", "count"), default="search")
    thr = sub.add_parser("throughput")
    thr.add_argument("--clients", type=int, default=8)
    thr.add_argument("--seconds", type=float, default=15)
    dropper = sub.add_parser("drop")
    dropper.add_argument("socket")
    dropper.add_argument("--count", type=int, default=200)
    dropper.add_argument("queries", nargs="*", metavar="QUERY")
    one = sub.add_parser("call")
    one.add_argument("socket")
    one.add_argument("method")
    one.add_argument("params", nargs="?", default="{}")
    for p in (lat, thr):
        p.add_argument("socket")
        p.add_argument("queries", nargs="+", metavar="QUERY")
        p.add_argument("--params", default="{}", help="JSON object merged into every request's params")
    args = parser.parse_args()
    if args.mode == "call":
        return call(args)
    if args.mode == "drop":
        return drop(args)
    extra = json.loads(args.params)
    if args.mode == "latency":
        latency(args, extra)
    else:
        throughput(args, extra)


if __name__ == "__main__":
    main()
