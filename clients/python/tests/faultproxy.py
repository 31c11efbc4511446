"""An HTTP proxy in front of the real API, for fault injection: it forwards every request (method, path,
headers, body) and streams the answer back, unless a rule says otherwise for matching requests:

- ``respond(match, status, headers, body, times)``: answer without forwarding (503, 429 + Retry-After...);
- ``cut(match, after_bytes, times)``: forward, send the headers and ``after_bytes`` of the body, then drop
  the connection (a network failure mid-file);
- ``stall(match, after_bytes)``: like cut, but hang until ``release()`` (a stuck download to interrupt);
- ``reset(match, times)``: close the connection with a TCP reset before answering;
- ``corrupt(match, times)``: forward with one byte of the body flipped (a tampered file);
- ``redirect(match)``: answer a request that sends ``x-slicewise-accept-redirect: presigned`` (as the API does
  with S3 storage) with 302 to the same path on another origin (``localhost`` instead of ``127.0.0.1``),
  where it is forwarded without needing a token (the signed file links).

Rules can be limited to one origin with ``host=`` ("127.0.0.1" or "localhost").

``log`` records every request (method, path, lower-case headers, status sent).
"""

from __future__ import annotations

import http.client
import socket
import struct
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization", "proxy-authenticate"}


@dataclass
class Rule:
    match: Callable[[str, str], bool]
    action: str
    times: float = 1
    host: str | None = None
    status: int = 0
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    after_bytes: int = 0
    release: threading.Event = field(default_factory=threading.Event)


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        u = urlsplit(upstream)
        self.upstream = (u.hostname, u.port)
        self.rules: list[Rule] = []
        self.log: list[dict] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def _any(self) -> None:
                proxy._handle(self)

            do_GET = do_POST = do_HEAD = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        for r in self.rules:
            r.release.set()
        self.server.shutdown()
        self.server.server_close()

    # -- rules ---------------------------------------------------------------------------------------------

    def _add(self, rule: Rule) -> Rule:
        with self._lock:
            self.rules.append(rule)
        return rule

    @staticmethod
    def _m(path_suffix: str) -> Callable[[str, str], bool]:
        return lambda method, path: path.split("?", 1)[0].endswith(path_suffix)

    def respond(self, path_suffix: str, status: int, headers: dict | None = None, body: bytes = b"", times: float = 1) -> Rule:
        return self._add(Rule(self._m(path_suffix), "respond", times, status=status, headers=headers or {}, body=body))

    def cut(self, path_suffix: str, after_bytes: int, times: float = 1, host: str | None = None) -> Rule:
        return self._add(Rule(self._m(path_suffix), "cut", times, after_bytes=after_bytes, host=host))

    def redirect(self, path_suffix: str = "", times: float = float("inf")) -> Rule:
        return self._add(Rule(self._m(path_suffix), "redirect", times, host="127.0.0.1"))

    def stall(self, path_suffix: str, after_bytes: int) -> Rule:
        return self._add(Rule(self._m(path_suffix), "stall", 1, after_bytes=after_bytes))

    def reset(self, path_suffix: str, times: float = 1) -> Rule:
        return self._add(Rule(self._m(path_suffix), "reset", times))

    def corrupt(self, path_suffix: str, times: float = float("inf")) -> Rule:
        return self._add(Rule(self._m(path_suffix), "corrupt", times))

    def clear(self) -> None:
        with self._lock:
            for r in self.rules:
                r.release.set()
            self.rules.clear()
            self.log.clear()

    def requests_for(self, path_suffix: str) -> list[dict]:
        return [e for e in self.log if e["path"].split("?", 1)[0].endswith(path_suffix)]

    # -- serving -------------------------------------------------------------------------------------------

    def _rule_for(self, method: str, path: str, host: str, headers) -> Rule | None:
        with self._lock:
            for r in self.rules:
                if r.host is not None and r.host != host:
                    continue
                if r.action == "redirect" and headers.get("x-slicewise-accept-redirect") != "presigned":
                    continue
                if r.times > 0 and r.match(method, path):
                    r.times -= 1
                    return r
        return None

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("content-length") or 0)
        body = h.rfile.read(length) if length else None
        entry = {"method": h.command, "path": h.path, "headers": {k.lower(): v for k, v in h.headers.items()}, "status": None}
        with self._lock:
            self.log.append(entry)
        host = (h.headers.get("host") or "").rsplit(":", 1)[0]
        rule = self._rule_for(h.command, h.path, host, h.headers)
        if rule and rule.action == "redirect":
            entry["status"] = 302
            h.send_response(302)
            h.send_header("location", f"http://localhost:{self.server.server_address[1]}{h.path}")
            h.send_header("content-length", "0")
            h.end_headers()
            return
        if rule and rule.action == "reset":
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            h.connection.close()
            h.close_connection = True
            entry["status"] = "reset"
            return
        if rule and rule.action == "respond":
            entry["status"] = rule.status
            h.send_response(rule.status)
            for k, v in rule.headers.items():
                h.send_header(k, v)
            h.send_header("content-length", str(len(rule.body)))
            h.end_headers()
            h.wfile.write(rule.body)
            return
        up = http.client.HTTPConnection(*self.upstream, timeout=60)
        try:
            headers = {k: v for k, v in h.headers.items() if k.lower() not in HOP_BY_HOP and k.lower() != "host"}
            up.request(h.command, h.path, body=body, headers=headers)
            res = up.getresponse()
            data = res.read()
            entry["status"] = res.status
            if rule and rule.action == "corrupt" and data:
                b = bytearray(data)
                b[len(b) // 2] ^= 0x5A
                data = bytes(b)
            h.send_response(res.status)
            for k, v in res.getheaders():
                if k.lower() not in HOP_BY_HOP and k.lower() != "content-length":
                    h.send_header(k, v)
            h.send_header("content-length", str(len(data)))
            h.end_headers()
            if rule and rule.action in ("cut", "stall"):
                h.wfile.write(data[: rule.after_bytes])
                h.wfile.flush()
                if rule.action == "stall":
                    rule.release.wait(120)
                h.connection.shutdown(socket.SHUT_RDWR)
                h.close_connection = True
                return
            h.wfile.write(data)
        finally:
            up.close()
