"""A tiny loopback site for crawl tests: fixed pages we write, each with its status and content type."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl


@dataclass
class Page:
    """One fixed answer."""

    body: bytes
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


class MiniSite:
    """Serves `pages` (path → Page) on 127.0.0.1; unknown paths answer 404; every request is logged.

    POSTs are answered by `post(path, form)` (a form-encoded body, decoded), and their forms kept in `forms`.
    """

    def __init__(
        self,
        pages: dict[str, Page] | None = None,
        host: str = "127.0.0.1",
        post: Callable[[str, dict[str, str]], Page | None] | None = None,
    ) -> None:
        self.pages: dict[str, Page] = dict(pages or {})
        self.log: list[tuple[str, str, dict[str, str]]] = []
        self.forms: list[tuple[str, dict[str, str]]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                site.log.append(("GET", self.path, dict(self.headers.items())))
                page = site.pages.get(self.path)
                if page is None and self.path == "/robots.txt":
                    page = Page(b"User-agent: *\nAllow: /\n", content_type="text/plain")
                self._answer(page)

            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                site.log.append(("POST", self.path, dict(self.headers.items())))
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(parse_qsl(self.rfile.read(length).decode("utf-8"), keep_blank_values=True))
                site.forms.append((self.path, form))
                self._answer(post(self.path, form) if post else None)

            def _answer(self, page: Page | None) -> None:
                page = page or Page(b"<html><body>not found</body></html>", status=404)
                self.send_response(page.status)
                self.send_header("Content-Type", page.content_type)
                for key, value in page.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(page.body)))
                self.end_headers()
                self.wfile.write(page.body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> MiniSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def paths(self) -> list[str]:
        return [path for _method, path, _headers in self.log]


def article_html(title: str, paragraphs: list[str], date: str = "2026-11-20") -> bytes:
    """A small TRS-like article page written for the tests."""
    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<meta name='ArticleTitle' content='{title}'><meta name='PubDate' content='{date} 09:00'>"
        f"<title>{title}</title></head><body><div class='header'>网站首页</div>"
        f"<h2 class='neiright_Title'>{title}</h2><span class='xqLyPc time'>{date}</span>"
        f"<div class='neiright_JPZ_GK_CP'><div class='TRS_Editor'>{body}</div></div>"
        "<div class='footer'>版权所有</div></body></html>"
    ).encode()


def listing_html(links: list[tuple[str, str, str]]) -> bytes:
    """A plain HTML list: (href, title, date) rows."""
    rows = "".join(
        f"<li><a href='{href}'>{title}</a><span class='date'>{date}</span></li>"
        for href, title, date in links
    )
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body><ul class='list'>{rows}</ul></body></html>".encode()
