"""HTTP to the Slicewise API with the standard library: one persistent (keep-alive) connection per thread and
origin, typed errors, and retries with exponential backoff and jitter on connection failures, 5xx and 429
(``Retry-After`` is honoured). GraphQL on top.

Configuration: ``api`` (default ``$SLICEWISE_API_URL`` or http://127.0.0.1:4000) and ``token`` (default
``$SLICEWISE_TOKEN``, sent as ``Authorization: Bearer``). An API served under a path prefix
(``https://host/slicewise``) works: every path is joined under it.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import os
import random
import socket
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Callable, Mapping, TypeVar
from urllib.parse import urljoin, urlsplit

from ._version import __version__
from .errors import (
    GRAPHQL_CODES,
    AuthenticationError,
    BadInputError,
    ForbiddenError,
    GraphQLError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    SlicewiseError,
    UsageError,
)

DEFAULT_API = "http://127.0.0.1:4000"
T = TypeVar("T")


def api_url(url: str | None, api: str | None) -> str | None:
    """The API base URL from ``url=`` or its alias ``api=`` (as the CLI's ``--api``); None: the environment."""
    if url is not None and api is not None and url.rstrip("/") != api.rstrip("/"):
        raise UsageError(f"url={url!r} and api={api!r} name two different APIs; pass one of them")
    return url if url is not None else api


@dataclass(frozen=True)
class RetryPolicy:
    """Retries of one request after a connection failure, a 5xx or a 429 (never after 4xx or a hash mismatch)."""

    retries: int = 4
    """Attempts after the first."""
    backoff_s: float = 0.5
    """First delay; doubles each attempt (full jitter), capped at ``max_backoff_s``."""
    max_backoff_s: float = 20.0
    max_retry_after_s: float = 300.0
    """A server asking to wait longer than this (Retry-After) is reported at once as RateLimitedError."""

    def delay_s(self, attempt: int) -> float:
        return random.uniform(0.5, 1.0) * min(self.max_backoff_s, self.backoff_s * 2**attempt)


def _retry_after_s(value: str | None) -> float | None:
    """``Retry-After``: delay-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _describe(e: BaseException) -> str:
    name = type(e).__name__
    text = str(e)
    return f"{name}: {text}" if text else name


class Response:
    """A response whose body is not read yet: ``read()``, ``readinto()``; ``close()`` when done with it."""

    def __init__(self, transport: "Transport", conn: http.client.HTTPConnection, resp: http.client.HTTPResponse, url: str) -> None:
        self._transport = transport
        self._conn = conn
        self._resp = resp
        self.status = resp.status
        self.headers = resp.headers
        self.url = url

    def header(self, name: str) -> str | None:
        return self._resp.getheader(name)

    def read(self) -> bytes:
        try:
            return self._resp.read()
        except BaseException:
            self._transport._drop(self._conn)
            raise

    def read1(self, n: int) -> bytes:
        """What has arrived, up to ``n`` bytes (one socket read); b"" at the end, also a premature one."""
        return self._resp.read1(n)

    def close(self) -> None:
        """Done: a fully read response leaves its connection for the next request; anything else drops it."""
        if not self._resp.isclosed():
            self._transport._drop(self._conn)
            self._resp.close()

    def abort(self) -> None:
        """From another thread: unblock a read in progress (it then fails or ends early)."""
        sock = getattr(self._conn, "sock", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def discard(self) -> None:
        self._transport._drop(self._conn)
        self._resp.close()


class Transport:
    def __init__(
        self,
        api: str | None = None,
        token: str | None = None,
        *,
        timeout_s: float = 60.0,
        retry: RetryPolicy | None = None,
        on_retry: Callable[[str], None] | None = None,
    ) -> None:
        api = api or os.environ.get("SLICEWISE_API_URL") or DEFAULT_API
        parts = urlsplit(api)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"api must be an http(s) URL like {DEFAULT_API}, got {api!r} (argument api=, --api or SLICEWISE_API_URL)")
        self.api = api.rstrip("/")
        self._scheme = parts.scheme
        self._netloc = parts.netloc
        self._prefix = parts.path.rstrip("/")
        self.token = token if token is not None else (os.environ.get("SLICEWISE_TOKEN") or None)
        self.timeout_s = timeout_s
        self.retry = retry or RetryPolicy()
        self.on_retry = on_retry
        self._local = threading.local()
        self._all: weakref.WeakSet[http.client.HTTPConnection] = weakref.WeakSet()  # every thread's, for close()
        self._all_lock = threading.Lock()
        self._user_agent = f"slicewise-python/{__version__}"

    # -- connections ---------------------------------------------------------------------------------

    def _conns(self) -> dict[tuple[str, str], http.client.HTTPConnection]:
        conns = getattr(self._local, "conns", None)
        if conns is None:
            conns = self._local.conns = {}
        return conns

    def _conn(self, origin: tuple[str, str]) -> tuple[http.client.HTTPConnection, bool]:
        """This thread's connection to ``(scheme, netloc)``, and whether it was used before."""
        conns = self._conns()
        conn = conns.get(origin)
        if conn is not None:
            return conn, True
        cls = http.client.HTTPSConnection if origin[0] == "https" else http.client.HTTPConnection
        conn = cls(origin[1], timeout=self.timeout_s)
        conn.slicewise_origin = origin  # type: ignore[attr-defined]
        conns[origin] = conn
        with self._all_lock:
            self._all.add(conn)
        return conn, False

    def _drop(self, conn: http.client.HTTPConnection) -> None:
        conns = self._conns()
        origin = getattr(conn, "slicewise_origin", None)
        if conns.get(origin) is conn:
            del conns[origin]
        conn.close()

    def close(self) -> None:
        """Close every connection this transport opened, in any thread (call when no request is running)."""
        with self._all_lock:
            conns = list(self._all)
            self._all.clear()
        for conn in conns:
            conn.close()
        self._conns().clear()

    def url(self, path: str) -> str:
        return f"{self._scheme}://{self._netloc}{self._prefix}{path}"

    # -- one request -----------------------------------------------------------------------------------

    def open(self, method: str, path: str, *, headers: Mapping[str, str] | None = None, body: bytes | None = None, auth: bool = True) -> Response:
        """Send one request to the API (``path`` under its base URL) and return the response with its body
        unread, whatever its status.

        Raises NetworkError (``retryable`` set, ``refused`` when nothing reached the server) if the
        connection fails. A kept-alive connection the server closed meanwhile is replaced once, silently.
        """
        h = dict(headers or {})
        if auth and self.token:
            h["authorization"] = f"Bearer {self.token}"
        return self._send(method, (self._scheme, self._netloc), f"{self._prefix}{path}", h, body)

    def open_following(self, method: str, path: str, *, headers: Mapping[str, str] | None = None, auth: bool = True, max_redirects: int = 3) -> Response:
        """``open``, following redirects: with S3 storage the API answers a file request that carries
        ``x-slicewise-accept-redirect: presigned`` with 302 to a presigned object URL. Another origin gets no
        token, no ``x-slicewise-*`` header and no If-Range (an object store's ETag is not the file's sha256;
        the sha256 check at the end still guards a resumed download)."""
        res = self.open(method, path, headers=headers, auth=auth)
        h = dict(headers or {})
        origin = (self._scheme, self._netloc)
        for _ in range(max_redirects):
            location = res.header("location")
            if res.status not in (301, 302, 303, 307, 308) or not location:
                return res
            res.read()  # the connection goes back to the pool
            res.close()
            nxt = urlsplit(urljoin(res.url, location))
            if (nxt.scheme, nxt.netloc) != origin:
                h = {k: v for k, v in h.items() if not (k.lower().startswith("x-slicewise-") or k.lower() in ("if-range", "authorization"))}
                origin = (nxt.scheme, nxt.netloc)
            if origin[0] not in ("http", "https"):
                raise ServerError(f"{res.url}: redirected to {location!r}, which is not http(s)", status=res.status, url=res.url)
            target = nxt.path + (f"?{nxt.query}" if nxt.query else "")
            res = self._send(method, origin, target or "/", h, None)
        if res.status in (301, 302, 303, 307, 308):
            res.discard()
            raise ServerError(f"{res.url}: more than {max_redirects} redirects", status=res.status, url=res.url)
        return res

    def _send(self, method: str, origin: tuple[str, str], target: str, headers: dict[str, str], body: bytes | None) -> Response:
        h = {"user-agent": self._user_agent, **headers}
        url = f"{origin[0]}://{origin[1]}{target}"
        for fresh_try in (False, True):
            conn, reused = self._conn(origin)
            try:
                conn.request(method, target, body=body, headers=h)
                resp = conn.getresponse()
                return Response(self, conn, resp, url)
            except (OSError, http.client.HTTPException) as e:
                self._drop(conn)
                if reused and not fresh_try and isinstance(e, (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)):
                    continue  # an idle keep-alive connection the server had closed
                err = NetworkError(f"network error: {method} {url}: {_describe(e)}", url=url)
                err.retryable = True  # type: ignore[attr-defined]
                err.refused = isinstance(e, ConnectionRefusedError)  # type: ignore[attr-defined]
                raise err from e
        raise AssertionError("unreachable")

    def error_for(self, res: Response, what: str) -> SlicewiseError:
        """The typed error for a non-2xx response (reads and closes its body)."""
        try:
            text = res.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            text = ""
        res.close()
        message, code, request_id = text.strip()[:500] or (res._resp.reason or ""), None, res.header("x-request-id")
        try:
            j = json.loads(text)
            if isinstance(j, dict):
                errs = j.get("errors")
                first = errs[0] if isinstance(errs, list) and errs and isinstance(errs[0], dict) else {}
                message = j.get("error") or j.get("message") or first.get("message") or message
                ext = first.get("extensions") or {}
                code = j.get("code") or ext.get("code")
                request_id = j.get("requestId") or ext.get("requestId") or request_id
        except ValueError:
            pass
        s = res.status
        kw = {"status": s, "request_id": request_id, "url": res.url}
        if s == 401:
            hint = "" if self.token else " (no token given: pass token=, --token or set SLICEWISE_TOKEN)"
            return AuthenticationError(f"{what}: 401 unauthorised: {message}{hint}", **kw)
        if s == 403:
            return ForbiddenError(f"{what}: 403 forbidden: {message}", **kw)
        if s == 404:
            return NotFoundError(f"{what}: 404 not found: {message}", **kw)
        if s == 429:
            ra = _retry_after_s(res.header("retry-after"))
            err: SlicewiseError = RateLimitedError(f"{what}: 429 rate limited: {message}" + (f"; retry after {ra:.0f} s" if ra is not None else ""), retry_after=ra, **kw)
            err.retryable = True  # type: ignore[attr-defined]
            return err
        if s == 400 or code == "BAD_USER_INPUT":
            return BadInputError(f"{what}: {s}: {message}", **kw)
        err = ServerError(f"{what}: server answered {s}: {message}", **kw)
        err.retryable = s >= 500  # type: ignore[attr-defined]
        err.retry_after = _retry_after_s(res.header("retry-after"))  # type: ignore[attr-defined]
        return err

    # -- retries ---------------------------------------------------------------------------------------

    def retrying(self, fn: Callable[[], T], what: str, *, idempotent: bool = True) -> T:
        """``fn()``, retried per the policy while it raises a retryable error. A non-idempotent call (a
        mutation) is retried only when the server cannot have acted on it: refused connection or 429."""
        attempt = 0
        while True:
            try:
                return fn()
            except SlicewiseError as e:
                if not getattr(e, "retryable", False) or attempt >= self.retry.retries:
                    raise
                if not idempotent and not (getattr(e, "refused", False) or isinstance(e, RateLimitedError)):
                    raise
                wait = getattr(e, "retry_after", None)
                if wait is not None and wait > self.retry.max_retry_after_s:
                    raise
                delay = wait if wait is not None else self.retry.delay_s(attempt)
                attempt += 1
                if self.on_retry:
                    self.on_retry(f"retrying {what} in {delay:.1f} s ({attempt}/{self.retry.retries}): {e.message}")
                time.sleep(delay)

    def get_bytes(self, path: str, what: str, *, auth: bool = True) -> tuple[bytes, Response]:
        """GET a small body (manifest, documents) with retries; typed errors for non-200 answers."""

        def once() -> tuple[bytes, Response]:
            res = self.open("GET", path, auth=auth)
            if res.status != 200:
                raise self.error_for(res, what)
            try:
                return res.read(), res
            except (OSError, http.client.HTTPException) as e:
                err = NetworkError(f"network error reading {what} from {res.url}: {_describe(e)}", url=res.url)
                err.retryable = True  # type: ignore[attr-defined]
                raise err from e

        return self.retrying(once, what)

    # -- GraphQL ---------------------------------------------------------------------------------------

    def graphql(self, query: str, variables: Mapping[str, object] | None = None, *, what: str = "GraphQL request", mutation: bool = False) -> dict:
        """``data`` of a GraphQL operation; its first error raised as the matching typed error."""
        body = json.dumps({"query": query, "variables": dict(variables or {})}).encode("utf-8")

        def once() -> dict:
            res = self.open("POST", "/graphql", headers={"content-type": "application/json", "accept": "application/json"}, body=body)
            if res.status >= 500 or res.status == 429:
                raise self.error_for(res, what)
            try:
                text = res.read()
            except (OSError, http.client.HTTPException) as e:
                err = NetworkError(f"network error reading the answer to {what}: {_describe(e)}", url=res.url)
                err.retryable = not mutation  # type: ignore[attr-defined]
                raise err from e
            try:
                j = json.loads(text)
            except ValueError:
                raise ServerError(f"{what}: the server answered {res.status} with no JSON: {text[:200]!r}", status=res.status, url=res.url) from None
            errors = j.get("errors") if isinstance(j, dict) else None
            if errors:
                first = errors[0] if isinstance(errors[0], dict) else {"message": str(errors[0])}
                ext = first.get("extensions") or {}
                code = str(ext.get("code") or "")
                cls = GRAPHQL_CODES.get(code)
                kw = {"status": res.status, "request_id": ext.get("requestId") or res.header("x-request-id"), "url": res.url}
                msg = f"{what}: {code or 'error'}: {first.get('message')}"
                if cls is RateLimitedError:
                    ra = ext.get("retryAfterSeconds")
                    err: SlicewiseError = RateLimitedError(msg, retry_after=float(ra) if isinstance(ra, (int, float)) else _retry_after_s(res.header("retry-after")), **kw)
                    err.retryable = True  # type: ignore[attr-defined]
                    raise err
                if cls is BadInputError:
                    raise BadInputError(msg, user_errors=ext.get("userErrors") or [], **kw)
                if cls is AuthenticationError and not self.token:
                    msg += " (no token given: pass token=, --token or set SLICEWISE_TOKEN)"
                if cls is not None:
                    raise cls(msg, **kw)
                raise GraphQLError(msg, code=code or "GRAPHQL_ERROR", **kw)
            if res.status != 200 or not isinstance(j, dict) or "data" not in j:
                raise ServerError(f"{what}: the server answered {res.status} without data", status=res.status, url=res.url)
            return j["data"]

        return self.retrying(once, what, idempotent=not mutation)

