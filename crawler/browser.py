"""A shared headless Chromium (Debian's, through Playwright) that opens pages behind JavaScript challenges.

No Scrapy here: `BrowserPool.fetch(url)` navigates, lets the page's own scripts earn their cookie, follows the
reloads they trigger, and returns the server's bytes of the first answer that is not a challenge (the bytes,
not the rendered DOM, so an article's hash is the same whether the browser or plain HTTP fetched it) with the
cookies the context now holds. One browser process, one context per host, a page per fetch closed at once;
images, fonts, media, style sheets and every other host are refused. Scrapy's side is spiders/browser.py.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.challenge import BLOCKED_STATUSES, detect_challenge

DEFAULT_EXECUTABLE = "/usr/bin/chromium"  # Debian's package; never a browser build downloaded at run time
CHROMIUM_ENV = "GOVWATCH_CHROMIUM"  # another Chromium binary, for machines that keep it elsewhere
# The crawl_run error line that says which fetch mode a source needed (read by `fetch_mode`, demo, check).
FETCH_NOTE = "fetch mode: "
INSTALL_HINT = "apt-get install chromium, and pip install 'govwatch[browser]'"
# What a challenge needs: its documents and scripts (and the requests scripts make). Images, fonts, media,
# style sheets, favicons … are refused, which keeps a browser fetch close to the requests plain HTTP makes.
ALLOWED_RESOURCES = frozenset({"document", "script", "xhr", "fetch"})
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",  # root in CI containers; the pages are government sites, not arbitrary content
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-extensions",
    "--no-first-run",
    "--mute-audio",
    # Memory: one page at a time per site, only the site's own documents and scripts, so one renderer
    # and no per-site processes are needed; GPU work (none) stays in the browser process. Measured with
    # `make bench-crawl`: 5 processes and ~390 MB PSS (Playwright's driver included) instead of 9 and ~430.
    "--no-zygote",
    "--renderer-process-limit=1",
    "--disable-features=site-per-process,IsolateOrigins",
    "--in-process-gpu",
    "--disable-software-rasterizer",
)


@dataclass(frozen=True)
class BrowserOptions:
    """Where Chromium is and how long one fetch may take."""

    executable: str = DEFAULT_EXECUTABLE
    timeout: float = 30.0  # seconds for one whole fetch (navigation, challenge, reloads)
    max_navigations: int = 6  # challenge → reload → … at most this many documents per fetch
    user_agent: str | None = None  # the crawl's own User-Agent: a browser fetch says who it is, too
    # GOVWATCH_HOSTS ({domain: address}, a domain covering its subdomains): the names the crawl resolves
    # itself (the simulated web at scale) must resolve the same way in the browser.
    hosts: dict[str, str] = field(default_factory=dict)


def host_resolver_rules(hosts: dict[str, str]) -> list[str]:
    """Chromium's --host-resolver-rules for a {domain: address} table (the domain and its subdomains)."""
    if not hosts:
        return []
    rules = [f"MAP {pattern} {address}" for domain, address in hosts.items() for pattern in (domain, f"*.{domain}")]
    return [f"--host-resolver-rules={', '.join(rules)}"]


class BrowserUnavailable(RuntimeError):
    """Chromium or Playwright is missing: the message says what to install."""


class BrowserFetchError(RuntimeError):
    """A browser fetch that crashed or hung (after its retry)."""


@dataclass
class BrowserAnswer:
    """What a browser fetch returns: the final document's status, headers and bytes, and the host's cookies."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    cookies: dict[str, str] = field(default_factory=dict)
    navigations: int = 1  # documents loaded (1 = no challenge; more = a challenge made the page reload)
    challenge: str | None = None  # why the final answer is still a challenge, if it is


def configured_executable() -> str:
    """The Chromium the crawl uses: $GOVWATCH_CHROMIUM, else Debian's /usr/bin/chromium."""
    return os.environ.get(CHROMIUM_ENV) or DEFAULT_EXECUTABLE


def unavailable_reason(executable: str | os.PathLike[str]) -> str | None:
    """Why the browser cannot run here (naming what to install), or None when it can. Cheap: no launch."""
    if importlib.util.find_spec("playwright") is None:
        return f"Playwright is not installed: pip install 'govwatch[browser]' (and {INSTALL_HINT.split(',')[0]})"
    path = Path(executable)
    if not path.is_file() or not os.access(path, os.X_OK):
        return f"no Chromium at {path}: apt-get install chromium (Debian's package)"
    return None


def fetch_mode(errors: list[str]) -> str:
    """The fetch mode a run needed, from its error lines: "browser", "browser unavailable" or "http". Pure."""
    notes = [error[len(FETCH_NOTE) :] for error in errors if error.startswith(FETCH_NOTE)]
    if any(note.startswith("browser needed") for note in notes):
        return "browser unavailable"
    if any(note.startswith("browser") for note in notes):
        return "browser"
    return "http"


class BrowserPool:
    """One Chromium for the crawl, started on first use; one context per host; closed by close()."""

    def __init__(self, options: BrowserOptions | None = None) -> None:
        self.options = options or BrowserOptions()
        self._playwright: Any = None
        self._browser: Any = None
        self._contexts: dict[str, tuple[Any, _Router]] = {}  # host → its context and route handler
        self._lock = asyncio.Lock()
        self._broken: str | None = None  # why Chromium did not start: said at once to every later fetch
        self.launches = 0
        self.fetches = 0

    async def _ensure_browser(self) -> Any:
        async with self._lock:
            if self._browser is not None and self._browser.is_connected():
                return self._browser
            reason = self._broken or unavailable_reason(self.options.executable)
            if reason:
                raise BrowserUnavailable(reason)
            from playwright.async_api import async_playwright

            if self._playwright is None:
                self._playwright = await async_playwright().start()
            self._contexts.clear()  # contexts of a crashed browser are gone with it
            try:
                self._browser = await self._playwright.chromium.launch(
                    executable_path=self.options.executable,
                    args=[*CHROMIUM_ARGS, *host_resolver_rules(self.options.hosts)],
                    headless=True,
                    timeout=self.options.timeout * 1000,
                )
            except Exception as exc:  # noqa: BLE001 - any launch failure means: no browser, say why
                self._broken = (
                    f"Chromium at {self.options.executable} did not start ({type(exc).__name__}: "
                    f"{str(exc).splitlines()[0] if str(exc) else ''}); {INSTALL_HINT}"
                )
                raise BrowserUnavailable(self._broken) from exc
            self.launches += 1
            return self._browser

    async def _context(self, host: str) -> tuple[Any, _Router]:
        browser = await self._ensure_browser()
        if host not in self._contexts:
            kwargs: dict[str, Any] = {"java_script_enabled": True, "service_workers": "block"}
            if self.options.user_agent:
                kwargs["user_agent"] = self.options.user_agent
            context = await browser.new_context(**kwargs)
            router = _Router(host)
            await context.route("**/*", router.handle)
            self._contexts[host] = (context, router)
        return self._contexts[host]

    async def fetch(self, url: str) -> BrowserAnswer:
        """Open `url`; a crash or hang is retried once with a fresh context, then raised as BrowserFetchError."""
        host = urlsplit(url).netloc
        last: BaseException | None = None
        for _attempt in range(2):
            try:
                # Starting Chromium has its own time limit; the fetch's limit is for the page alone.
                context, router = await self._context(host)
                return await asyncio.wait_for(self._fetch_once(url, context, router), self.options.timeout)
            except BrowserUnavailable:
                raise
            except TimeoutError as exc:
                last = exc
            except Exception as exc:  # noqa: BLE001 - Playwright errors: target closed, browser crashed …
                last = exc
            await self._drop_context(host)
        if isinstance(last, TimeoutError):
            raise BrowserFetchError(f"browser fetch timed out after {self.options.timeout:g} s, twice")
        message = str(last).splitlines()[0] if last and str(last) else ""
        raise BrowserFetchError(f"browser fetch failed twice: {type(last).__name__}: {message}")

    async def _fetch_once(self, url: str, context: Any, router: _Router) -> BrowserAnswer:
        router.start()
        page = await context.new_page()
        self.fetches += 1
        documents: asyncio.Queue[Any] = asyncio.Queue()

        def on_response(response: Any) -> None:
            if response.request.is_navigation_request() and response.frame == page.main_frame:
                documents.put_nowait((response, router.verdict_of(response.request)))

        page.on("response", on_response)
        try:
            try:
                # "commit": the answer has arrived; the challenge scripts then run and reload on their own.
                await page.goto(url, wait_until="commit")
            except Exception as exc:  # noqa: BLE001
                # A challenge that reloads at once interrupts the first navigation: that is progress.
                if documents.empty() and "interrupted" not in str(exc):
                    raise
            last: BrowserAnswer | None = None
            for navigation in range(1, self.options.max_navigations + 1):
                try:
                    response, verdict = await documents.get() if last is None else await asyncio.wait_for(
                        documents.get(), self._settle_time()
                    )
                except TimeoutError:
                    break  # the challenge did not move on: it stays a challenge
                answer = await _answer(response, navigation)
                last = answer
                if answer.challenge is None:
                    router.settle()  # the page is what we came for: nothing more is loaded for it
                    break
                _decide(verdict, True)  # a challenge: its scripts must run
            assert last is not None
        finally:
            router.settle()
            # Closed before anything else: a page left open goes on loading (favicons, late scripts).
            await page.close()
        last.cookies = await _cookies(context, url)
        return last

    def _settle_time(self) -> float:
        """How long to wait for a challenge page's scripts to reload it before calling it final."""
        return max(1.0, self.options.timeout / (self.options.max_navigations + 1))

    async def _drop_context(self, host: str) -> None:
        entry = self._contexts.pop(host, None)
        if entry is not None:
            try:
                await entry[0].close()
            except Exception:  # noqa: BLE001 - a crashed browser's contexts cannot close; they are gone
                pass

    async def close(self) -> None:
        for host in list(self._contexts):
            await self._drop_context(host)
        if self._browser is not None:
            try:
                await self._browser.close()
            except Exception:  # noqa: BLE001
                pass
            self._browser = None
        if self._playwright is not None:
            await self._playwright.stop()
            self._playwright = None


class _Router:
    """Route handler of one host's context: its own documents and scripts pass, everything else is refused.

    One page at a time per context (one request at a time per site), so its state is per fetch. What a
    document loads waits until that document is known: a challenge's scripts pass, while the real page (or a
    404) loads nothing - its scripts would only be more requests to the site, and spend its clearance.
    """

    def __init__(self, host: str) -> None:
        self.host = host
        self.settled = False
        # The page's current document: a challenge (True) or not, decided by the fetch once it has read it.
        # Made when the document is asked for, which is before anything it loads can be asked for.
        self._verdict: asyncio.Future[bool] | None = None
        self._verdicts: dict[Any, asyncio.Future[bool]] = {}  # navigation request → its document's verdict

    def start(self) -> None:
        self.settled = False
        self._verdict = None
        self._verdicts.clear()

    def _document_asked(self, request: Any) -> None:
        _decide(self._verdict, False)  # what the previous document still asks for is not needed any more
        self._verdict = asyncio.get_running_loop().create_future()
        self._verdicts[request] = self._verdict

    def verdict_of(self, request: Any) -> asyncio.Future[bool] | None:
        """The verdict future of the document a navigation request asked for (None if it was not routed)."""
        return self._verdicts.get(request)

    def settle(self) -> None:
        self.settled = True
        _decide(self._verdict, False)

    async def handle(self, route: Any, request: Any) -> None:
        if (
            self.settled
            or urlsplit(request.url).netloc != self.host
            or request.resource_type not in ALLOWED_RESOURCES
        ):
            await route.abort("blockedbyclient")
            return
        if request.is_navigation_request() and request.frame.parent_frame is None:
            self._document_asked(request)
        elif self._verdict is not None and not await self._verdict:
            await route.abort("blockedbyclient")
            return
        await route.continue_()


def _decide(verdict: asyncio.Future[bool] | None, passing: bool) -> None:
    if verdict is not None and not verdict.done():
        verdict.set_result(passing)


async def _answer(response: Any, navigation: int) -> BrowserAnswer:
    headers = {key: value for key, value in (await response.all_headers()).items()}
    status = response.status
    try:
        body = await response.body()
    except Exception:  # noqa: BLE001 - the page's script already moved it on: its body is gone
        # Only a page passing through (a challenge sending the browser on) loses its body before it is
        # read; taking it for the final answer would hand back an empty page in place of the real one.
        body = b""
        moved_on = "the page moved on before it could be read (a challenge passing through)"
        return BrowserAnswer(response.url, status, headers, body, navigations=navigation, challenge=moved_on)
    found = detect_challenge(status, body, headers)
    reason = found.reason if found else (BLOCKED_STATUSES.get(status) if not body else None)
    # Decompressed by the browser: the bytes no longer match a Content-Encoding header.
    headers.pop("content-encoding", None)
    return BrowserAnswer(response.url, status, headers, body, navigations=navigation, challenge=reason)


async def _cookies(context: Any, url: str) -> dict[str, str]:
    return {cookie["name"]: cookie["value"] for cookie in await context.cookies(url)}
