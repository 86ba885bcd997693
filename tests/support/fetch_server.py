#!/usr/bin/env python3
"""Scriptable HTTP/1.1 server for the tests of pkg's source fetcher.

Python 3 standard library only.  Usage:

    fetch_server.py --dir DIR [--bind 127.0.0.1] [--port 0]
                    [--rate BYTES_PER_SECOND] [--latency MS]

Options:
  --dir DIR      directory holding the files served as NAME (required).
  --bind ADDR    address to listen on; default 127.0.0.1 (loopback only).
                 An address containing ':' is taken as IPv6.
  --port N       port to listen on; default 0 = let the kernel pick one.
  --rate B       throttle every response body to about B bytes per second
                 (per response, written in small chunks with sleeps).
  --latency MS   sleep MS milliseconds before answering each request.

Protocol on stdout (one line each, flushed immediately):
  port N
      once, when the socket is listening.
  served METHOD PATH STATUS BYTES_SENT range=RANGE
      once per GET/HEAD request, when it has been answered or aborted.
      PATH is the request target as received (query included), STATUS the
      status sent (0 = the client left before anything was sent), BYTES_SENT
      the body bytes actually written, RANGE the Range header with all
      whitespace removed, or '-' when absent.

Lifetime: the server exits (status 0) on SIGTERM, SIGINT, or EOF on stdin.
Give it a pipe as stdin and keep the write end open: /dev/null or a closed
stdin makes it exit at once.  Request logging to stderr is off.

Routes (NAME is a file in DIR; a NAME that is empty or contains '..', '/',
'\\' or NUL answers 404; so do unknown routes and non-numeric N/K/CODE).
Every file response sends Content-Length; HEAD answers headers only.
  /files/NAME         the file, 200.  Accept-Ranges: bytes.  A single
                      'Range: bytes=START-' or 'bytes=START-END' answers 206
                      with Content-Range; START >= size answers 416 with
                      'Content-Range: bytes */SIZE'.  Other Range forms
                      (suffix, multiple, malformed) are ignored -> 200.
  /norange/NAME       the whole file, always 200, Range ignored.
  /status/CODE/NAME   answers CODE (200..599) with a short text body.
  /flaky/N/NAME       the first N requests of this exact request target
                      (query included, so '?run=2' gives a fresh counter)
                      answer 503; later ones behave like /files/NAME.
  /truncate/K/NAME    like /files/NAME (Range honoured) but only the first K
                      bytes of the body are sent, then the connection is
                      closed normally (FIN): a truncated body.
  /reset/K/NAME       same, but the connection is then reset (RST, via
                      SO_LINGER 0) once the K bytes have been delivered.
  /flaky-truncate/N/K/NAME
                      the first N requests of this target behave like
                      /truncate/K/NAME, later ones like /files/NAME.
  /stall/K/NAME       headers and K body bytes, then silence until the client
                      closes the connection (the served line comes then).
  /trickle/NAME       like /files/NAME at 20 bytes per second.
  /endless            200, no Content-Length, Connection: close, then 64 KiB
                      blocks of 'x' until the client disconnects.
  /lying-length/NAME  Content-Length: 100, then the whole file (use a file
                      larger than 100 bytes), then close.
  /redirect/N/NAME    302 to /redirect/N-1/NAME; /redirect/0/NAME -> 302 to
                      /files/NAME.  Locations are absolute: http://HOST/...,
                      HOST being the request's Host header.
  /redirect-to?url=U  302 with Location = everything after '?url=',
                      percent-decoded ('+' stays '+'), verbatim.
                      Missing/empty U or a CR/LF in it answers 400.
  /loop               302 to itself, forever.
Responses that close the connection (truncate, reset, stall, endless,
lying-length) send 'Connection: close'; the others keep the connection alive.
"""

import argparse
import fcntl
import os
import re
import signal
import socket
import socketserver
import struct
import sys
import termios
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

CHUNK = 64 * 1024
TRICKLE_RATE = 20
LYING_LENGTH = 100
RANGE_RE = re.compile(r"bytes=(\d+)-(\d*)")

_out_lock = threading.Lock()


def emit(line):
    """Write one protocol line to stdout; a vanished reader is not an error."""
    with _out_lock:
        try:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
        except (OSError, ValueError):
            pass


def number(text):
    """The non-negative integer spelled by text, or None."""
    return int(text) if text.isascii() and text.isdigit() else None


def valid_name(name):
    return bool(name) and not any(bad in name for bad in ("..", "/", "\\", "\0"))


def parse_range(header, size):
    """(start, end_exclusive) for a single 'bytes=S-' / 'bytes=S-E' range,
    'unsatisfiable', or None when the header is to be ignored."""
    match = RANGE_RE.fullmatch("".join(header.split()))
    if not match:
        return None
    start, last = int(match.group(1)), match.group(2)
    if last and int(last) < start:
        return None
    if start >= size:
        return "unsatisfiable"
    return start, (min(int(last) + 1, size) if last else size)


def wait_delivered(sock, timeout=1.0):
    """Wait (bounded) until the peer has acknowledged everything we wrote, so
    that a reset does not throw away bytes still in our send queue."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            queued = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0" * 4)
        except OSError:
            return
        if struct.unpack("i", queued)[0] == 0:
            return
        time.sleep(0.005)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # many parallel connects must not overflow the backlog

    def __init__(self, address, directory, rate, latency):
        self.directory, self.rate, self.latency = directory, rate, latency
        self.attempts = {}
        self.attempts_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)

    def server_bind(self):
        # HTTPServer.server_bind calls getfqdn(), which may wait for DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request, client_address):
        # A client that went away (reset, broken pipe, ...) is not an error.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    def attempt(self, key):
        """Count one more request of key; return the new count (1-based)."""
        with self.attempts_lock:
            self.attempts[key] = self.attempts.get(key, 0) + 1
            return self.attempts[key]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "pkg-fetch-test"
    sys_version = ""
    disable_nagle_algorithm = True  # no 40 ms Nagle/delayed-ACK stalls

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        self.status, self.sent = 0, 0
        try:
            if self.server.latency:
                time.sleep(self.server.latency)
            self.route()
        except OSError:  # the client went away: BrokenPipe, ConnectionReset...
            self.close_connection = True
        finally:
            rng = "".join(self.headers.get("Range", "").split()) or "-"
            emit(f"served {self.command} {self.path} {self.status} {self.sent} range={rng}")

    do_HEAD = do_GET

    # -- routing ----------------------------------------------------------

    def route(self):
        url = urlsplit(self.path)
        kind, *args = url.path[1:].split("/")
        nums = [number(a) for a in args[:-1]]
        if None in nums or (args and not valid_name(unquote(args[-1]))):
            return self.reply(404, "not found\n")
        name = unquote(args[-1]) if args else None
        shape = (kind, len(args))
        if shape == ("files", 1):
            self.serve_file(name)
        elif shape == ("norange", 1):
            self.serve_file(name, ranges=False)
        elif shape == ("status", 2) and 200 <= nums[0] <= 599:
            self.reply(nums[0], f"status {nums[0]}\n")
        elif shape == ("flaky", 2):
            if self.server.attempt(self.path) <= nums[0]:
                self.reply(503, "flaky: try again\n")
            else:
                self.serve_file(name)
        elif shape == ("truncate", 2):
            self.serve_file(name, limit=nums[0], then="close")
        elif shape == ("reset", 2):
            self.serve_file(name, limit=nums[0], then="reset")
        elif shape == ("flaky-truncate", 3):
            if self.server.attempt(self.path) <= nums[0]:
                self.serve_file(name, limit=nums[1], then="close")
            else:
                self.serve_file(name)
        elif shape == ("stall", 2):
            self.serve_file(name, limit=nums[0], then="stall")
        elif shape == ("trickle", 1):
            self.serve_file(name, rate=TRICKLE_RATE)
        elif shape == ("endless", 0):
            self.endless()
        elif shape == ("lying-length", 1):
            self.serve_file(name, ranges=False, then="close", lie=LYING_LENGTH)
        elif shape == ("redirect", 2):
            n = nums[0]
            target = f"/redirect/{n - 1}/{args[1]}" if n > 0 else f"/files/{args[1]}"
            self.redirect(self.base_url() + target)
        elif shape == ("redirect-to", 0) and url.query.startswith("url="):
            target = unquote(url.query[4:], encoding="latin-1")
            if not target or "\r" in target or "\n" in target:
                return self.reply(400, "bad url\n")
            self.redirect(target)
        elif shape == ("loop", 0):
            self.redirect(self.base_url() + "/loop")
        else:
            self.reply(404, "not found\n")

    # -- building blocks --------------------------------------------------

    def start(self, code, headers):
        """Send the status line and headers (Server and Date are added)."""
        self.send_response(code)
        for key, value in headers.items():
            self.send_header(key, str(value))  # 'Connection: close' sets close_connection
        self.end_headers()
        self.status = code

    def write(self, data, rate=None):
        """Write data, throttled to rate (or --rate) bytes per second."""
        rate = rate or self.server.rate
        step = max(1, min(CHUNK, rate // 50)) if rate else CHUNK
        view, began = memoryview(data), time.monotonic()
        for offset in range(0, len(view), step):
            chunk = view[offset:offset + step]
            self.wfile.write(chunk)
            self.sent += len(chunk)
            if rate:
                delay = began + (offset + len(chunk)) / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)

    def reply(self, code, text, headers=None):
        """A complete response with a short text body."""
        body = b"" if code in (204, 304) else text.encode()
        fields = {"Content-Type": "text/plain"}
        if code != 204:
            fields["Content-Length"] = len(body)
        self.start(code, {**fields, **(headers or {})})
        if self.command != "HEAD":
            self.write(body)

    def redirect(self, location):
        self.reply(302, f"redirecting to {location}\n", {"Location": location})

    def base_url(self):
        host, port = self.server.server_address[:2]
        default = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        return "http://" + (self.headers.get("Host") or default)

    def serve_file(self, name, ranges=True, limit=None, then=None, rate=None, lie=None):
        """Serve DIR/name (honouring Range if ranges), sending at most limit
        body bytes, then: None = keep alive, 'close', 'reset' or 'stall'."""
        try:
            with open(os.path.join(self.server.directory, name), "rb") as f:
                size = os.fstat(f.fileno()).st_size
                span = parse_range(self.headers.get("Range", ""), size) if ranges else None
                start, end = span if isinstance(span, tuple) else (0, size)
                f.seek(start)
                data = f.read(end - start if limit is None else min(limit, end - start))
        except OSError:
            return self.reply(404, "not found\n")
        if span == "unsatisfiable":
            return self.reply(416, "range not satisfiable\n", {"Content-Range": f"bytes */{size}"})
        headers = {"Content-Type": "application/octet-stream",
                   "Content-Length": end - start if lie is None else lie}
        if ranges:
            headers["Accept-Ranges"] = "bytes"
        if span:
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
        if then:
            headers["Connection"] = "close"
        self.start(206 if span else 200, headers)
        if self.command == "HEAD":
            return
        self.write(data, rate)
        if then == "reset":
            self.reset()
        elif then == "stall":
            self.wait_for_client_to_leave()

    def endless(self):
        self.start(200, {"Content-Type": "application/octet-stream", "Connection": "close"})
        block = b"x" * CHUNK
        while self.command != "HEAD":
            self.write(block)  # ends with BrokenPipe/ConnectionReset

    def reset(self):
        """Abort the connection with an RST instead of an orderly FIN."""
        wait_delivered(self.connection)
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()  # drop makefile()'s reference, or close() would be deferred
        self.connection.close()
        self.close_connection = True

    def wait_for_client_to_leave(self):
        """Block (no busy loop) until the peer closes or resets the connection."""
        while self.connection.recv(4096):
            pass


def main():
    parser = argparse.ArgumentParser(description="HTTP server for pkg's fetch tests")
    parser.add_argument("--dir", required=True)
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--rate", type=int, default=0, metavar="BYTES_PER_SECOND")
    parser.add_argument("--latency", type=int, default=0, metavar="MS")
    args = parser.parse_args()

    server = Server((args.bind, args.port), os.path.abspath(args.dir),
                    max(args.rate, 0), max(args.latency, 0) / 1000.0)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()

    class Stop(Exception):
        pass

    def ignore_signals(*_):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    def on_signal(*_):
        ignore_signals()  # a second signal must not raise again
        raise Stop

    # The main thread waits for EOF on stdin; a signal interrupts the read.
    # Either way, signals are ignored once the outer try is left.
    try:
        try:
            signal.signal(signal.SIGTERM, on_signal)
            signal.signal(signal.SIGINT, on_signal)
            emit(f"port {server.server_address[1]}")
            while os.read(0, 4096):
                pass
        finally:
            ignore_signals()
    except (Stop, OSError):
        pass
    server.shutdown()
    server.server_close()
    # Exit without interpreter teardown: handler threads may still be blocked
    # (stall, endless); holding the stdout lock keeps them from half a line.
    with _out_lock:
        try:
            sys.stdout.flush()
        except (OSError, ValueError):
            pass
        os._exit(0)


if __name__ == "__main__":
    main()
