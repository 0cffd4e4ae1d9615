"""Many simulated sites by name on a few loopback sockets: Host-header virtual hosting on uvicorn.

The per-address mode (server.py) gives each site its own 127.0.0.x address and a thread per connection,
which stops at a few hundred sites. Here one asyncio server (uvicorn, several listening sockets) answers
for any number of names: the Host header picks the site, each site keeps its own request log, serial and
concurrency count, and each answer waits a site-specific latency (tens to hundreds of ms) with
`asyncio.sleep`, so a slow site never holds up another. The crawl resolves the names to loopback with
its DNS resolver setting (spiders/resolver.py), never through the machine's files.
"""

from __future__ import annotations

import asyncio
import random
import socket
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from crawler.simulator.server import (
    MAX_BODY,
    InFlight,
    LoggedRequest,
    Request,
    Response,
    Site,
    conditional,
    request_label,
)

SIM_DOMAIN = "govsim.test"  # RFC 6761 reserves .test: no real name can ever collide with these
LOOPBACK = "127.0.0.1"
STARTUP_SECONDS = 10.0

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class Latency:
    """Each site's own base latency in [low, high] ms (drawn from its name), ±`jitter` per request."""

    low_ms: float = 0.0
    high_ms: float = 0.0
    jitter: float = 0.25

    def base(self, name: str) -> float:
        if self.high_ms <= 0:
            return 0.0
        return random.Random(name).uniform(self.low_ms, self.high_ms) / 1000.0

    def draw(self, base: float, rng: random.Random) -> float:
        return max(0.0, base * (1.0 + rng.uniform(-self.jitter, self.jitter)))


class HostedSite:
    """One site served by name: its request log and concurrency, like SiteServer's, and its address."""

    def __init__(self, site: Site, name: str, port: int, latency: float) -> None:
        self.site = site
        self.name = name
        self.port = port
        self.latency = latency
        self.log: list[LoggedRequest] = []
        self.in_flight = InFlight()
        self._serial = 0

    @property
    def max_concurrency(self) -> int:
        return self.in_flight.max_concurrency

    @property
    def host(self) -> str:
        return self.name

    @property
    def base_url(self) -> str:
        return f"http://{self.name}:{self.port}"

    def next_serial(self) -> int:
        self._serial += 1  # only ever touched on the server's event loop: no lock needed
        return self._serial

    def clear_log(self) -> None:
        self.log.clear()
        self.in_flight.reset()

    def start(self) -> None:
        """Served by the shared VirtualHostServer: nothing of its own to start or stop."""

    def stop(self) -> None:
        """See start()."""


class VirtualHostServer:
    """An ASGI app on uvicorn, listening on `sockets` loopback ports, dispatching on the Host header."""

    def __init__(self, sockets: int = 2, latency: Latency | None = None, seed: int = 0) -> None:
        if sockets < 1:
            raise ValueError("a virtual host server needs at least one socket")
        self.latency = latency or Latency()
        self.sites: dict[str, HostedSite] = {}
        self._rng = random.Random(seed)
        self._sockets: list[socket.socket] = []
        for _ in range(sockets):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((LOOPBACK, 0))
            sock.listen(4096)  # thousands of sites may open their first connection in the same second
            self._sockets.append(sock)
        self.ports = [int(sock.getsockname()[1]) for sock in self._sockets]
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def add(self, name: str, site: Site) -> HostedSite:
        """Serve `site` as http://<name>:<port>; sites are spread over the sockets by order of arrival."""
        port = self.ports[len(self.sites) % len(self.ports)]
        hosted = HostedSite(site, name.lower(), port, self.latency.base(name))
        self.sites[hosted.name] = hosted
        return hosted

    # --- life cycle ---------------------------------------------------------------------------------

    def start(self) -> VirtualHostServer:
        if self._thread is not None:
            return self
        import uvicorn

        config = uvicorn.Config(
            self,
            lifespan="off",
            log_level="warning",
            access_log=False,
            server_header=False,
            date_header=False,
            timeout_keep_alive=30,
            backlog=4096,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._serve, name="sim-vhosts", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + STARTUP_SECONDS
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the simulated web's virtual host server did not start")
            time.sleep(0.01)
        return self

    def _serve(self) -> None:
        # uvicorn installs signal handlers only on the main thread; here it leaves them alone.
        asyncio.run(self._server.serve(sockets=self._sockets))

    def stop(self) -> None:
        if self._thread is not None and self._server is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
            self._thread = None
        for sock in self._sockets:
            sock.close()

    # --- ASGI ---------------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        started = time.monotonic()
        headers = {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in scope["headers"]}
        name = headers.get("host", "").rsplit(":", 1)[0].lower()
        hosted = self.sites.get(name)
        body = await _read_body(receive)
        if hosted is None:
            # As a shared web host answers a name it does not serve.
            await _send(send, Response(404, b"no such site", "text/plain; charset=utf-8"), head=False)
            return
        path = scope["path"] + (f"?{scope['query_string'].decode()}" if scope["query_string"] else "")
        token = hosted.in_flight.enter(request_label(scope["method"], path, scope.get("client"), headers))
        try:
            await asyncio.sleep(self.latency.draw(hosted.latency, self._rng))
            response = self._answer(hosted, scope, headers, body)
        finally:
            hosted.in_flight.leave(token)
        head = scope["method"] == "HEAD"
        hosted.log.append(
            LoggedRequest(
                method=scope["method"],
                path=path,
                status=response.status,
                bytes=0 if head or response.status == 304 else len(response.body),
                headers=headers,
                started=started,
                finished=time.monotonic(),
            )
        )
        await _send(send, response, head)

    def _answer(self, hosted: HostedSite, scope: Scope, headers: dict[str, str], body: bytes | None) -> Response:
        if body is None:
            return Response(413, b"too large", "text/plain")
        form: dict[str, str] = {}
        if body and "application/x-www-form-urlencoded" in headers.get("content-type", ""):
            form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        request = Request(
            method=scope["method"],
            path=scope["path"],
            query=dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)),
            form=form,
            headers=headers,
            serial=hosted.next_serial(),
        )
        try:
            return conditional(hosted.site.respond(request), headers)
        except Exception as exc:  # a bug in a page generator must show up as a 500, not a hung client
            return Response(500, f"simulator error: {exc!r}".encode(), "text/plain; charset=utf-8")


async def _read_body(receive: Receive) -> bytes | None:
    """The request body, or None when it is larger than MAX_BODY."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


async def _send(send: Send, response: Response, head: bool) -> None:
    body = b"" if response.status == 304 else response.body
    headers = [(b"content-length", str(len(body)).encode())]
    if response.status != 304:
        headers.append((b"content-type", response.content_type.encode("latin-1")))
    headers += [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in response.headers.items()]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body})
