#!/usr/bin/env python3
"""Open-loop batch ingest at a fixed rate, for bench/run case 3; with --get,
open-loop GETs of one path, for bench/summary.

wrk is closed-loop: it sends as fast as answers come back, so ingest would
outrun processing and the log would only grow. This sends `--batch` events per
POST at `--rate` events per second over `--conns` persistent connections
(plain HTTP/1.1, no Connection header), each on its own fixed schedule (a late
send goes out at once and the schedule does not slip), and prints one JSON
line: requests sent, accepted (202), rejected, and the rate actually achieved.
With --get PATH, requests per second of GET PATH instead; accepted counts 200s,
and latency_ms has p50, p99 and max, each measured from the request's
scheduled send time, so a stall shows as latency (no coordinated omission).
Standard library only; 127.0.0.1 only.
"""
import argparse
import json
import math
import socket
import threading
import time


def body(batch, payload):
    event = '{"type":"bench","data":{"payload":"%s"}}' % payload
    return ("[" + ",".join([event] * batch) + "]").encode()


def read_response(sock, buf):
    """Reads one HTTP response with a Content-Length; returns (status, rest)."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        rest += chunk
    return status, rest[length:]


def sender(port, request, ok_status, interval, until, counts, lock):
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buf = b""
    next_at = time.monotonic()
    sent = accepted = rejected = 0
    latencies = []
    while next_at < until:
        delay = next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        sock.sendall(request)
        sent += 1
        status, buf = read_response(sock, buf)
        latencies.append(time.monotonic() - next_at)
        if status == ok_status:
            accepted += 1
        else:
            rejected += 1
        next_at += interval
    sock.close()
    with lock:
        counts["sent"] += sent
        counts["accepted"] += accepted
        counts["rejected"] += rejected
        counts["latencies"] += latencies


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--rate", type=float, required=True, help="events per second")
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--conns", type=int, default=8)
    ap.add_argument("--get", help="GET this path at --rate requests/s instead of ingesting")
    args = ap.parse_args()

    if args.get:
        args.batch = 1
        request = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % args.get).encode()
        ok_status = 200
    else:
        payload = "x" * 150
        data = body(args.batch, payload)
        request = (
            "POST /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Content-Length: %d\r\n\r\n" % len(data)
        ).encode() + data
        ok_status = 202
    interval = args.conns * args.batch / args.rate
    counts = {"sent": 0, "accepted": 0, "rejected": 0, "latencies": []}
    lock = threading.Lock()
    start = time.monotonic()
    until = start + args.seconds
    threads = [
        threading.Thread(target=sender, args=(args.port, request, ok_status, interval, until, counts, lock))
        for _ in range(args.conns)
    ]
    for i, t in enumerate(threads):
        t.start()
        time.sleep(interval / args.conns)  # spread the connections over one interval
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    counts["events_per_s"] = round(counts["accepted"] * args.batch / elapsed)
    latencies = sorted(counts.pop("latencies"))
    if args.get and latencies:
        at = lambda q: latencies[max(0, math.ceil(q * len(latencies)) - 1)] * 1000  # nearest rank
        counts["latency_ms"] = {"p50": round(at(0.50), 2), "p99": round(at(0.99), 2), "max": round(latencies[-1] * 1000, 2)}
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
