"""Threaded loopback HTTP servers: one per simulated site, with request logs and conditional GET."""

from __future__ import annotations

import hashlib
import ipaddress
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol
from urllib.parse import parse_qsl, urlsplit

MAX_BODY = 1 << 20  # requests larger than this are refused: nobody posts big forms to a listing proxy


@dataclass
class Request:
    """What a site sees of one HTTP request."""

    method: str
    path: str  # without the query
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]
    serial: int  # 1 for the site's first request, then 2, 3 … (drives per-request volatility)


@dataclass
class Response:
    """What a site answers; `cacheable` pages get ETag/Last-Modified and may answer 304."""

    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    cacheable: bool = False
    last_modified: datetime | None = None


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the server saw and answered it (for politeness checks in tests)."""

    method: str
    path: str  # with the query string, as requested
    status: int
    bytes: int  # body bytes sent
    headers: dict[str, str]
    started: float
    finished: float


class InFlight:
    """Requests a site is answering right now: the most at once, and which ones overlapped (for the failure message)."""

    MAX_OVERLAPS = 20  # enough to see the pattern; a runaway client must not grow the log without bound

    def __init__(self) -> None:
        self.requests: dict[int, str] = {}
        self.max_concurrency = 0
        self.overlaps: list[tuple[str, ...]] = []
        self._next = 0
        self._lock = threading.Lock()

    @property
    def active(self) -> int:
        return len(self.requests)

    def enter(self, label: str) -> int:
        """Count one request in; returns the token `leave` takes."""
        with self._lock:
            self._next += 1
            self.requests[self._next] = label
            self.max_concurrency = max(self.max_concurrency, len(self.requests))
            if len(self.requests) > 1 and len(self.overlaps) < self.MAX_OVERLAPS:
                self.overlaps.append(tuple(self.requests.values()))
            return self._next

    def leave(self, token: int) -> None:
        with self._lock:
            self.requests.pop(token, None)

    def reset(self) -> None:
        """Start counting afresh from the requests still open."""
        with self._lock:
            self.max_concurrency = len(self.requests)
            self.overlaps.clear()


def request_label(method: str, path: str, client: object, headers: dict[str, str]) -> str:
    """How an overlapping request is named in a politeness failure: what, from which connection, by whom."""
    return f"{method} {path} from {client} ({headers.get('user-agent', '-')[:40]})"


class Site(Protocol):
    """Anything that turns a Request into a Response."""

    def respond(self, request: Request) -> Response: ...


class _Handler(BaseHTTPRequestHandler):
    """Hands every request to the server's site and records it."""

    protocol_version = "HTTP/1.1"  # keep-alive, as Scrapy uses; every answer carries Content-Length
    server: SiteServer
    timeout = 30  # idle keep-alive connections are closed, so stop() never waits on a sleeping client
    # Headers and body go out in two writes; with Nagle on, keep-alive clients wait ~40 ms per page.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's signature
        pass  # the request log below replaces stderr chatter

    def _serve(self, head: bool = False) -> None:
        started = time.monotonic()
        server = self.server
        headers = {key.lower(): value for key, value in self.headers.items()}
        token = server.in_flight.enter(request_label(self.command, self.path, self.client_address, headers))
        try:
            response = self._answer(headers)
        except Exception as exc:  # a bug in a page generator must show up as a 500, not a hung client
            response = Response(500, f"simulator error: {exc!r}".encode(), "text/plain; charset=utf-8")
        finally:
            # Leave before the answer goes out: a polite client's next request may arrive right after
            # it reads this one, and must not be counted as overlapping.
            server.in_flight.leave(token)
        sent = 0 if head or response.status == 304 else len(response.body)
        # Logged before sending, so a client that has its answer always finds the request in the log.
        server.record(
            LoggedRequest(
                method=self.command,
                path=self.path,
                status=response.status,
                bytes=sent,
                headers=headers,
                started=started,
                finished=time.monotonic(),
            )
        )
        self._send(response, head)

    def _answer(self, headers: dict[str, str]) -> Response:
        parts = urlsplit(self.path)
        form: dict[str, str] = {}
        length = int(headers.get("content-length") or 0)
        if length > MAX_BODY:
            return Response(413, b"too large", "text/plain")
        if length:
            raw = self.rfile.read(length)
            if "application/x-www-form-urlencoded" in headers.get("content-type", ""):
                form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        request = Request(
            method=self.command,
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            form=form,
            headers=headers,
            serial=self.server.next_serial(),
        )
        return conditional(self.server.site.respond(request), headers)

    def _send(self, response: Response, head: bool) -> None:
        self.send_response(response.status)
        body = b"" if response.status == 304 else response.body
        if response.status != 304:
            self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if not head and body:
            self.wfile.write(body)


def conditional(response: Response, request_headers: dict[str, str]) -> Response:
    """Add validators derived from the exact bytes to cacheable pages; answer 304 when the client has them."""
    if not response.cacheable or response.status != 200:
        return response
    etag = '"' + hashlib.sha1(response.body).hexdigest()[:20] + '"'
    response.headers["ETag"] = etag
    modified = response.last_modified
    if modified is not None:
        response.headers["Last-Modified"] = format_datetime(modified.astimezone(UTC), usegmt=True)
    response.headers.setdefault("Cache-Control", "max-age=0")
    if_none_match = request_headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        if etag in tags or "*" in tags:
            return Response(304, b"", headers=response.headers)
        return response  # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2)
    if_modified_since = request_headers.get("if-modified-since")
    if if_modified_since and modified is not None:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return response
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        if modified.replace(microsecond=0) <= since:
            return Response(304, b"", headers=response.headers)
    return response


class SiteServer(ThreadingHTTPServer):
    """A threaded HTTP server for one site on one loopback address."""

    daemon_threads = True  # connection threads never keep the process (or stop()) waiting
    allow_reuse_address = True

    def __init__(self, site: Site, host: str, port: int = 0) -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"the simulator only binds loopback addresses, not {host}")
        super().__init__((host, port), _Handler)
        self.site = site
        self.log: list[LoggedRequest] = []
        self.in_flight = InFlight()
        self._serial = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def max_concurrency(self) -> int:
        return self.in_flight.max_concurrency

    @property
    def host(self) -> str:
        return str(self.server_address[0])

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def handle_error(self, request: object, client_address: object) -> None:
        # A browser closes a page (and its connections) as soon as it has what it came for: not an error.
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]

    def next_serial(self) -> int:
        with self._lock:
            self._serial += 1
            return self._serial

    def record(self, entry: LoggedRequest) -> None:
        with self._lock:
            self.log.append(entry)

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()
        self.in_flight.reset()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"sim-{self.base_url}",
                daemon=True,
            )
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self.server_close()
