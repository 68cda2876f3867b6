#!/usr/bin/env python3
"""Hostile and normal HTTP clients for tests/e2e_http_limits.sh: real sockets
against a real server on 127.0.0.1, every wait bounded. Prints one
"key value..." line per result; the shell script checks them.

  slow PORT MPORT N   N slow connections to each port (headers trickled a
                      byte at a time, never finished), held while a normal
                      client fetches every page; then a request with 500
                      query arguments; then how long an idle connection lives
  flood PORT HOLD BURST  HOLD slow connections (more than the server takes
                      from one address), then BURST connections opened one
                      after another; how many of those the server refused
                      (closed unanswered); then a GET from another address
"""
import http.client
import socket
import sys
import threading
import time

HOST = "127.0.0.1"
PAGES = ["/", "/county", "/api/county.json", "/township/420102001",
         "/api/township/420102001.json", "/healthz", "/?period=2022Q1"]


class Trickler:
    """Slow connections: each sends the start of a request, then one more
    header byte every half second, and never ends its headers."""

    def __init__(self):
        self.socks = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def open(self, port, n):
        for _ in range(n):
            s = socket.socket()
            s.settimeout(2)
            try:
                s.connect((HOST, port))
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            except OSError:
                s.close()
                continue
            s.setblocking(False)
            with self.lock:
                self.socks.append((port, s))

    def run(self):
        while not self.stop.wait(0.5):
            with self.lock:
                for _, s in self.socks:
                    try:
                        s.send(b"a")
                    except OSError:
                        pass  # closed by the server: counted by still_open

    def still_open(self, port):
        n = 0
        with self.lock:
            for p, s in self.socks:
                if p != port:
                    continue
                try:
                    if s.recv(1, socket.MSG_PEEK) == b"":
                        continue  # EOF: the server closed it
                except BlockingIOError:
                    n += 1  # nothing to read, not closed
                except OSError:
                    pass  # reset
        return n

    def close(self):
        self.stop.set()
        self.thread.join(5)
        with self.lock:
            for _, s in self.socks:
                s.close()
            self.socks = []


def get(port, path, source=None):
    """A normal client's GET on a fresh connection (from source, an address
    of 127/8): (status, seconds)."""
    t = time.monotonic()
    try:
        c = http.client.HTTPConnection(HOST, port, timeout=5,
                                       source_address=(source, 0) if source else None)
        c.request("GET", path, headers={"Connection": "close"})
        r = c.getresponse()
        r.read()
        c.close()
        return r.status, time.monotonic() - t
    except (OSError, http.client.HTTPException):
        return 0, time.monotonic() - t


def raw(port, request, timeout=5):
    """Sends request on a fresh connection: (status or 0, seconds)."""
    t = time.monotonic()
    s = socket.create_connection((HOST, port), timeout=2)
    s.settimeout(timeout)
    status = 0
    try:
        s.sendall(request)
        head = s.recv(64)
        if head.startswith(b"HTTP/1."):
            status = int(head.split()[1])
    except OSError:
        pass
    s.close()
    return status, time.monotonic() - t


def slow(port, mport, n):
    idle = socket.create_connection((HOST, port), timeout=2)
    idle_opened = time.monotonic()
    tr = Trickler()
    tr.open(port, n)
    tr.open(mport, n)
    tr.thread.start()
    # The normal client's connections queue behind the slow ones: the server
    # has taken (or refused) every slow connection before it sees them.
    for path in PAGES:
        status, took = get(port, path)
        print("page %s %d %.2f" % (path, status, took), flush=True)
    status, took = get(mport, "/metrics")
    print("page /metrics %d %.2f" % (status, took), flush=True)
    print("slow_held", tr.still_open(port), tr.still_open(mport), flush=True)
    query = "&".join("a%d=1" % i for i in range(500))
    status, took = raw(port, ("GET /?%s HTTP/1.1\r\nHost: x\r\n\r\n" % query).encode())
    print("args500 %d %.2f" % (status, took), flush=True)
    status, took = raw(mport, ("GET /metrics?%s HTTP/1.1\r\nHost: x\r\n\r\n" % query).encode())
    print("args500_metrics %d %.2f" % (status, took), flush=True)
    tr.close()
    # the idle connection: closed by the server within its idle timeout?
    idle.settimeout(max(0.1, idle_opened + 20 - time.monotonic()))
    try:
        idle.recv(1)
    except OSError:
        pass  # a timeout: not closed within 20 s
    print("idle_closed %.2f" % (time.monotonic() - idle_opened), flush=True)
    idle.close()


def flood(port, hold, burst):
    tr = Trickler()
    tr.open(port, hold)
    tr.thread.start()
    refused = 0
    deadline = time.monotonic() + 15
    for _ in range(burst):
        if time.monotonic() > deadline:
            break
        try:
            s = socket.create_connection((HOST, port), timeout=1)
        except OSError:
            continue  # not even connected: not the server's refusal
        s.settimeout(0.5)
        try:
            if s.recv(1) == b"":
                refused += 1
        except ConnectionResetError:
            refused += 1
        except OSError:
            pass  # kept open (a timeout): not refused
        s.close()
    print("flood_held", tr.still_open(port), flush=True)
    print("flood_refused", refused, flush=True)
    status, took = get(port, "/healthz", "127.0.0.2")
    print("flood_other_address %d %.2f" % (status, took), flush=True)
    tr.close()


if __name__ == "__main__":
    if sys.argv[1] == "slow":
        slow(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    elif sys.argv[1] == "flood":
        flood(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit("usage: http_clients.py slow PORT MPORT N | flood PORT HOLD BURST")
