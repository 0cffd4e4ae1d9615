"""A hostile little government site: every broken answer real sites give, on day 2, with its expected outcome.

`FaultWeb` serves one HTML-list column on one loopback address and "another host" (an off-domain
target) on a second one. Day 1 every known article answers normally (the baseline); on day 2 each fault
article misbehaves in its own way: a soft 404 (a CMS error page with 200, the site's own not-found page,
a collapse to a placeholder), redirects to the home page, the column page, a login page, off the domain
and in a loop, a truncated body, a 503, a reset connection, a timeout, and a body over the size limit with and without a
Content-Length. A few listed articles are faulty from the start (never stored). `truth(day)` gives the
exact new / edited / deleted URLs and `expected_errors(day)` the error kind each fault must be recorded
with, so a test can assert zero false edits, zero false deletions and a named error per fault.

It has its own handler (not crawler/simulator/server.py) because several faults need control of the raw
connection: a Content-Length that lies, a body without one, a client left waiting.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

SOURCE_ID = "fault-news"
LISTING_PATH = "/news/index.html"
TIMEOUT_SECONDS = 1.5  # the seed's download timeout; the "timeout" fault waits longer than this
MAX_BYTES = 60_000  # the seed's max_response_bytes; the oversized faults send five times that
PARAGRAPHS = (
    "11月20日，青川市生态环境局召开局党组会议，传达学习全国生态环境保护大会精神，研究部署下一阶段重点工作。",
    "会议强调，要坚持精准治污、科学治污、依法治污，持续深入打好蓝天、碧水、净土保卫战，推动环境质量持续改善。",
    "会议要求，各科室要对照年度目标任务逐项梳理，确保按时保质完成，以优异成绩迎接年度考核。",
)
NAV = "".join(f"<li><a href='/col/{n}/'>{name}</a></li>" for n, name in enumerate(
    ("首页", "机构概况", "政务公开", "工作动态", "通知公告", "政策法规", "互动交流", "办事服务", "专题专栏")
))
CHROME_TOP = f"<div class='top'>青川市生态环境局 欢迎您</div><ul class='nav'>{NAV}</ul>"
CHROME_BOTTOM = "<div class='footer'>主办：青川市生态环境局 地址：青川市环城路88号 网站标识码：sim9900000001</div>"


@dataclass(frozen=True)
class Fault:
    """One listed article and how it answers on each day (None: normal content)."""

    slug: str
    day2: str | None = None  # the behaviour from day 2 on
    day1: str | None = None  # a behaviour already on day 1 (the article is never stored)
    listed_from: int = 1
    expect_error: str | None = None  # the error label its day-2 (or day-1) answer must be recorded with
    deleted_on_day2: bool = False  # a soft 404 of a stored article: a real deletion (two strikes)
    edited_on_day2: bool = False


# The faults, in listing order. Behaviours are the keys of FaultWeb._behave.
FAULTS: tuple[Fault, ...] = (
    Fault("plain"),  # the control: unchanged on day 2
    Fault("true-edit", edited_on_day2=True),  # a real edit must still be one
    Fault("control-chars"),  # \x1b, \x07 … in title and text: stored, and unchanged on day 2
    Fault("cms-error-page", "cms_error_page", expect_error="soft 404", deleted_on_day2=True),
    Fault("site-not-found", "site_not_found", expect_error="soft 404", deleted_on_day2=True),
    # A collapse is judged after extraction, so no same-day confirmation: one strike per day, deleted on day 3.
    Fault("collapsed", "collapsed", expect_error="soft 404"),
    Fault("to-home", "redirect_home", expect_error="soft 404", deleted_on_day2=True),
    Fault("to-column", "redirect_column", expect_error="soft 404", deleted_on_day2=True),
    Fault("to-login", "redirect_login", expect_error="soft 404", deleted_on_day2=True),
    Fault("off-domain", "redirect_off_domain", expect_error="off-domain redirect"),
    Fault("loop", "redirect_loop", expect_error="redirect loop"),
    Fault("truncated", "truncated", expect_error="truncated body"),
    Fault("unavailable", "http_503", expect_error="HTTP status: 503"),
    Fault("reset", "connection_reset", expect_error="connection reset"),
    Fault("slow", "timeout", expect_error="timeout"),
    Fault("huge", "oversized", expect_error="too large"),
    Fault("huge-unsized", "oversized_no_length", expect_error="too large"),
    # Listed articles that are broken from the start: never stored, each a named error.
    Fault("new-off-domain", day1="redirect_off_domain", expect_error="off-domain redirect"),
    Fault("new-error-page", day1="cms_error_page", listed_from=2, expect_error="soft 404"),
    Fault("new-to-home", day1="redirect_home", listed_from=2, expect_error="soft 404"),
)


def article_path(fault: Fault) -> str:
    return f"/news/202611/t20261120_{fault.slug}.html"


def _page(title: str, body: str) -> bytes:
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{title}</title></head><body>{CHROME_TOP}{body}{CHROME_BOTTOM}</body></html>"
    ).encode()


def article_html(fault: Fault, day: int) -> bytes:
    title = f"青川市生态环境局召开局党组会议（{fault.slug}）"
    paragraphs = list(PARAGRAPHS)
    if fault.edited_on_day2 and day >= 2:
        paragraphs[1] = "会议强调，要坚持精准治污、科学治污、依法治污，全面推进美丽青川建设，确保完成年度目标任务。"
    if fault.slug == "control-chars":
        title = "青川市生态环境局\x1b[31m召开\x07局党组会议（control-chars）"
        paragraphs[0] = paragraphs[0].replace("研究部署", "研究\x1b部署\x08\x0c")
    text = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return _page(
        title,
        f"<h2 class='neiright_Title'>{title}</h2><span class='time'>2026-11-20</span>"
        f"<div class='TRS_Editor'>{text}</div>",
    )


# Pages of the site's own, written after the shapes real CMSs use.
CMS_ERROR_PAGE = _page("页面不存在", "<div class='error'>您访问的页面不存在或已被删除！<a href='/'>返回首页</a></div>")
# The site's not-found page matches none of the known patterns: only the learned fingerprint catches it.
SITE_NOT_FOUND = _page("青川市生态环境局", "<div class='tip'>抱歉，暂时无法提供您需要的内容。<a href='/'>返回首页</a></div>")
COLLAPSED = _page("青川市生态环境局", "<div class='TRS_Editor'><p>内容调整中</p></div>")
HOME = _page("青川市生态环境局", "<div class='portal'>" + "".join(
    f"<a href='/news/202611/t20261120_{n}.html'>工作动态第{n}条</a>" for n in range(12)
) + "</div>")
LOGIN = _page("统一身份认证", "<form action='/login' method='post'>用户名<input name='u'>密码<input type='password' name='p'></form>")
OTHER_HOST_ARTICLE = _page("别处的文章", "<div class='TRS_Editor'><p>" + "这是另一个网站上的一篇完全不同的文章。" * 12 + "</p></div>")


@dataclass
class _Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_length: int | None = -1  # -1: the body's length; None: no Content-Length (close-delimited)
    sleep: float = 0.0
    reset: bool = False  # no answer at all: the connection is reset (RST) as soon as the request is read


class FaultWeb:
    """The fault site and its off-domain neighbour, each a threaded server on its own loopback address."""

    def __init__(self, host: str = "127.0.0.71", other_host: str = "127.0.0.72") -> None:
        self.day = 1
        self.requests: list[tuple[str, str]] = []  # (host, path) of every request
        self._lock = threading.Lock()
        self.site = self._server(host, self._site_answer)
        self.other = self._server(other_host, lambda path: _Answer(body=OTHER_HOST_ARTICLE))

    def _server(self, host: str, answer: Any) -> ThreadingHTTPServer:
        web = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                with web._lock:
                    web.requests.append((host, self.path))
                reply: _Answer = answer(self.path.split("?", 1)[0])
                if reply.sleep:
                    time.sleep(reply.sleep)
                if reply.reset:
                    # SO_LINGER 0: close() sends RST instead of FIN, as a crashed proxy does.
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.close_connection = True
                    return
                self.send_response(reply.status)
                if reply.status < 300 or reply.status >= 400 or reply.body:
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                if reply.content_length is None:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                else:
                    length = len(reply.body) if reply.content_length == -1 else reply.content_length
                    self.send_header("Content-Length", str(length))
                    if length != len(reply.body):
                        self.close_connection = True  # the lie: fewer bytes, then the connection closes
                self.end_headers()
                try:
                    self.wfile.write(reply.body)
                    self.wfile.flush()
                except OSError:
                    return  # the client gave up (a timeout or a size limit): that is the point

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        server = ThreadingHTTPServer((host, 0), Handler)
        server.daemon_threads = True
        return server

    # --- the site ---------------------------------------------------------------------------------------

    def base(self, server: ThreadingHTTPServer | None = None) -> str:
        host, port = (server or self.site).server_address[:2]
        return f"http://{host}:{port}"

    def listed(self, day: int) -> list[Fault]:
        return [fault for fault in FAULTS if fault.listed_from <= day]

    def url(self, fault: Fault) -> str:
        return self.base() + article_path(fault)

    def _site_answer(self, path: str) -> _Answer:
        if path == "/robots.txt":
            return _Answer(body=b"User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"})
        if path in ("/", "/index.html"):
            return _Answer(body=HOME)
        if path == LISTING_PATH:
            return _Answer(body=self._listing())
        if path.startswith("/login"):
            return _Answer(body=LOGIN)
        if path.startswith("/news/202611/loop-"):
            # The second hop of the loop sends the client back to the listed article.
            slug = path.removeprefix("/news/202611/loop-").removesuffix(".html")
            return _Answer(302, headers={"Location": f"/news/202611/t20261120_{slug}.html"})
        for fault in FAULTS:
            if path == article_path(fault):
                behaviour = fault.day1 if fault.day1 else (fault.day2 if self.day >= 2 else None)
                return self._behave(fault, behaviour)
        # Any other path: this site answers 200 with its own not-found page (what the probe learns).
        return _Answer(body=SITE_NOT_FOUND)

    def _behave(self, fault: Fault, behaviour: str | None) -> _Answer:
        big = article_html(fault, self.day) + b"<!--" + b"x" * (MAX_BYTES * 5) + b"-->"
        answers: dict[str | None, Any] = {
            None: lambda: _Answer(body=article_html(fault, self.day)),
            "cms_error_page": lambda: _Answer(body=CMS_ERROR_PAGE),
            "site_not_found": lambda: _Answer(body=SITE_NOT_FOUND),
            "collapsed": lambda: _Answer(body=COLLAPSED),
            "redirect_home": lambda: _Answer(302, headers={"Location": "/"}),
            "redirect_column": lambda: _Answer(302, headers={"Location": LISTING_PATH}),
            "redirect_login": lambda: _Answer(302, headers={"Location": "/login?returnUrl=" + article_path(fault)}),
            "redirect_off_domain": lambda: _Answer(
                301, headers={"Location": self.base(self.other) + "/moved" + article_path(fault)}
            ),
            "redirect_loop": lambda: _Answer(302, headers={"Location": f"/news/202611/loop-{fault.slug}.html"}),
            "truncated": lambda: _Answer(body=article_html(fault, self.day)[:400], content_length=5000),
            "connection_reset": lambda: _Answer(reset=True),
            "http_503": lambda: _Answer(503, body=b"<html><body>Service Unavailable</body></html>"),
            "timeout": lambda: _Answer(body=article_html(fault, self.day), sleep=TIMEOUT_SECONDS * 3),
            "oversized": lambda: _Answer(body=big),
            "oversized_no_length": lambda: _Answer(body=big, content_length=None),
        }
        return answers[behaviour]()

    def _listing(self) -> bytes:
        rows = "".join(
            f"<li><a href='{article_path(fault)}'>青川市生态环境局工作动态（{fault.slug}）</a>"
            "<span class='date'>2026-11-20</span></li>"
            for fault in self.listed(self.day)
        )
        return _page("工作动态", f"<ul class='list'>{rows}</ul>")

    # --- ground truth -----------------------------------------------------------------------------------

    def truth(self, day: int) -> dict[str, set[str]]:
        """The exact new / edited / deleted URLs of a day's crawl (day 1 after nothing, day 2 after day 1)."""
        if day == 1:
            new = {self.url(f) for f in self.listed(1) if f.day1 is None}
            return {"new": new, "edited": set(), "deleted": set()}
        return {
            "new": set(),
            "edited": {self.url(f) for f in FAULTS if f.edited_on_day2},
            "deleted": {self.url(f) for f in FAULTS if f.deleted_on_day2},
        }

    def expected_errors(self, day: int) -> dict[str, str]:
        """Listed URL → the error label its answer must be recorded with that day."""
        return {
            self.url(fault): fault.expect_error
            for fault in self.listed(day)
            if fault.expect_error and (fault.day1 is not None or day >= 2)
        }

    def write_seeds(self, folder: Path) -> list[str]:
        folder.mkdir(parents=True, exist_ok=True)
        seed = {
            "id": SOURCE_ID,
            "name": "青川市生态环境局 · 工作动态",
            "org": "青川市生态环境局",
            "listings": [{"url": self.base() + LISTING_PATH, "profile": "html"}],
            "max_pages": 1,
            "politeness": {
                "download_delay": 0.0,
                "retry_times": 1,
                "timeout": TIMEOUT_SECONDS,
                "max_response_bytes": MAX_BYTES,
            },
            "revisit": {"days": list(range(1, 31)), "budget": 1000},
        }
        (folder / f"{SOURCE_ID}.yaml").write_text(yaml.safe_dump(seed, allow_unicode=True), encoding="utf-8")
        return [SOURCE_ID]

    # --- life -------------------------------------------------------------------------------------------

    def __enter__(self) -> FaultWeb:
        for server in (self.site, self.other):
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        for server in (self.site, self.other):
            server.shutdown()
            server.server_close()

    def paths(self, host_of: ThreadingHTTPServer | None = None) -> list[str]:
        host = str((host_of or self.site).server_address[0])
        with self._lock:
            return [path for request_host, path in self.requests if request_host == host]

