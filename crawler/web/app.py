"""The FastAPI application: read-only JSON API, Atom feeds and server-rendered pages over the store."""

from __future__ import annotations

import hmac
import os
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.engine import Connection, Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crawler import clock, ics, queries, search
from crawler.attachments.queries import attachments_by_version
from crawler.db import init_db
from crawler.diffing import AttachmentChange, attachment_changes
from crawler.export import event_query, record_from_row, with_attachments
from crawler.extract.meetings import labelled_facts
from crawler.queries import BadRequest, ItemQuery
from crawler.vocabulary import CHANGES, KINDS
from crawler.web import feeds

TOKEN_ENV = "GOVWATCH_API_TOKEN"
TOKEN_COOKIE = "govwatch_token"
HERE = Path(__file__).resolve().parent
ATOM_TYPE = "application/atom+xml; charset=utf-8"
ICS_TYPE = "text/calendar; charset=utf-8"


def _parse_since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return clock.as_utc(datetime.fromisoformat(value))
    except ValueError as exc:
        raise BadRequest(f"since: not an ISO 8601 date or datetime: {value!r}") from exc


class TokenGuard:
    """ASGI middleware: every request needs the token (Bearer header, ?token=, or the cookie a ?token= visit set).

    A plain ASGI class rather than @app.middleware("http"), which would buffer each response through a
    second task; this costs nothing measurable per request.
    """

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token.encode()

    def _matches(self, candidate: str) -> bool:
        return bool(candidate) and hmac.compare_digest(candidate.encode(), self.token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        from_query = self._matches(request.query_params.get("token", ""))
        authorized = (
            (scheme.lower() == "bearer" and self._matches(value.strip()))
            or from_query
            or self._matches(request.cookies.get(TOKEN_COOKIE, ""))
        )
        if not authorized:
            response = JSONResponse(
                {"detail": "a token is required: Authorization: Bearer <token>, or ?token=<token>"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
            await response(scope, receive, send)
            return
        if not from_query:
            await self.app(scope, receive, send)
            return
        cookie = f"{TOKEN_COOKIE}={self.token.decode()}; HttpOnly; Path=/; SameSite=strict"

        async def send_with_cookie(message: Message) -> None:
            # A browser that came with ?token= keeps it for the links it follows next.
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", cookie.encode())]}
            await send(message)

        await self.app(scope, receive, send_with_cookie)


async def _connection(request: Request) -> AsyncIterator[Connection]:
    """A connection per request from the app's engine, returned to the pool after the answer.

    Async on purpose: checking a connection out of the pool is instant, and a sync generator dependency would
    cost two extra trips through the thread pool on every request (the endpoints themselves run there).
    """
    with request.app.state.engine.connect() as connection:
        yield connection


Conn = Annotated[Connection, Depends(_connection)]


def create_app(db_url: str | None = None, token: str | None = None) -> FastAPI:
    """The app on the given database (default $GOVWATCH_DB); a token (default $GOVWATCH_API_TOKEN) guards it."""
    engine: Engine = init_db(db_url)
    token = token if token is not None else os.environ.get(TOKEN_ENV) or None
    app = FastAPI(
        title="govwatch",
        summary="Read-only API over the versioned store: items, versions, diffs, sources; Atom feeds.",
        version="1",
    )
    app.state.engine = engine
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals["shanghai"] = _shanghai_short
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    if token is not None:
        app.add_middleware(TokenGuard, token=token)

    @app.exception_handler(BadRequest)
    async def bad_request(request: Request, exc: BadRequest) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": str(exc)}, status_code=400)
        return templates.TemplateResponse(request, "error.html", {"message": str(exc)}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith(("/api/", "/feeds/", "/static/")) or request.url.path.startswith("/openapi"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return templates.TemplateResponse(
            request, "error.html", {"message": str(exc.detail)}, status_code=exc.status_code
        )

    def item_or_404(conn: Connection, item_id: int) -> dict[str, Any]:
        item = queries.get_item(conn, item_id)
        if item is None:
            raise HTTPException(404, f"no item {item_id}")
        return item

    # --- JSON API ---------------------------------------------------------------------------------

    @app.get("/api/items", tags=["api"])
    def api_items(
        request: Request,
        conn: Conn,
        source: str | None = None,
        kind: str | None = None,
        change: Annotated[str | None, Query(description="new, edited, deleted or restored")] = None,
        since: Annotated[str | None, Query(description="ISO 8601 (Asia/Shanghai when no zone)")] = None,
        q: Annotated[str | None, Query(description="substring of the title or document number")] = None,
        cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
        limit: Annotated[int, Query(ge=1, le=queries.PAGE_MAX)] = queries.PAGE_DEFAULT,
    ) -> JSONResponse:
        """Items, newest first, keyset-paginated: follow `next_cursor` until it is null."""
        wanted = ItemQuery(source, kind, change, _parse_since(since), q, cursor, limit)
        items, next_cursor = queries.list_items(conn, wanted)
        next_url = None
        if next_cursor:
            params = {k: v for k, v in request.query_params.items() if k not in ("cursor", "token")}
            next_url = f"{request.url.path}?{urlencode({**params, 'cursor': next_cursor})}"
        return JSONResponse({"items": items, "next_cursor": next_cursor, "next": next_url})

    @app.get("/api/items/{item_id}", tags=["api"])
    def api_item(item_id: int, conn: Conn) -> JSONResponse:
        """One item: metadata, current text and its versions (without their texts)."""
        item = item_or_404(conn, item_id)
        versions = queries.list_versions(conn, item_id, with_text=False)
        texts = queries.version_texts(conn, item_id, [item["version"]])
        item["text"] = texts[item["version"]]["text"] if item["version"] in texts else None
        item["meeting"] = queries.version_meeting(conn, item_id, item["version"])
        item["versions"] = versions
        files = attachments_by_version(conn, item_id, [item["version"]])
        item["attachments"] = [attachment.to_dict() for attachment in files[item["version"]]]
        return JSONResponse(item)

    @app.get("/api/items/{item_id}/versions", tags=["api"])
    def api_versions(item_id: int, conn: Conn) -> JSONResponse:
        """Every version of the item, oldest first, with its text."""
        item_or_404(conn, item_id)
        return JSONResponse({"item_id": item_id, "versions": queries.list_versions(conn, item_id)})

    @app.get("/api/items/{item_id}/diff", tags=["api"])
    def api_diff(
        item_id: int,
        conn: Conn,
        from_: Annotated[int | None, Query(alias="from", ge=1, description="default: the version before `to`")] = None,
        to: Annotated[int | None, Query(ge=1, description="default: the last version")] = None,
    ) -> JSONResponse:
        """Unified diff and side-by-side rows (character segments) between two versions."""
        item = item_or_404(conn, item_id)
        comparison = queries.diff(conn, item_id, item["version"], from_, to)
        comparison["attachments"] = [change.to_dict() for change in _attachment_diff(conn, item_id, comparison)]
        return JSONResponse(comparison)

    @app.get("/api/search", tags=["api"])
    def api_search(
        conn: Conn,
        q: Annotated[str, Query(min_length=2, description="text to find in items and their attachments")],
        source: str | None = None,
        kind: str | None = None,
        since: Annotated[str | None, Query(description="items changed since (ISO 8601)")] = None,
        limit: Annotated[int, Query(ge=1, le=100)] = search.DEFAULT_LIMIT,
    ) -> JSONResponse:
        """Full-text search over item and attachment text; each hit has its matched passage."""
        try:
            hits = search.search(conn, q, source=source, kind=kind, since=_parse_since(since), limit=limit)
        except ValueError as exc:
            raise BadRequest(str(exc)) from exc
        return JSONResponse({"q": q, "hits": [hit.to_dict() for hit in hits]})

    @app.get("/api/changes", tags=["api"])
    def api_changes(
        conn: Conn,
        since_id: Annotated[int, Query(ge=0, description="the last event_id you have (0: from the start)")] = 0,
        limit: Annotated[int, Query(ge=1, le=queries.PAGE_MAX)] = queries.PAGE_DEFAULT,
    ) -> JSONResponse:
        """The change log in the export schema (docs/EXPORT.md), oldest first: poll with `since_id=next_since_id`."""
        events = with_attachments(conn, [record_from_row(row) for row in conn.execute(event_query(since_id, None, limit)).all()])
        next_since_id = events[-1]["event_id"] if events else since_id
        return JSONResponse({"changes": events, "next_since_id": next_since_id, "more": len(events) == limit})

    @app.get("/api/sources", tags=["api"])
    def api_sources(conn: Conn) -> JSONResponse:
        """Every source with its health, last run and newest item."""
        return JSONResponse({"sources": queries.sources_health(conn)})

    # --- Atom feeds -------------------------------------------------------------------------------

    def atom(request: Request, conn: Connection, key: str, title: str, **filters: str) -> Response:
        base = str(request.base_url).rstrip("/")
        body = feeds.build_feed(
            conn, key=key, title=title, self_url=f"{base}{request.url.path}", site_url=f"{base}/", **filters
        )
        return Response(body, media_type=ATOM_TYPE)

    @app.get("/feeds/all.atom", tags=["feeds"], response_class=Response)
    def feed_all(request: Request, conn: Conn) -> Response:
        """The newest changes of every source."""
        return atom(request, conn, "all", "govwatch: 全部更新 (all changes)")

    @app.get("/feeds/meetings.atom", tags=["feeds"], response_class=Response)
    def feed_meetings(request: Request, conn: Conn) -> Response:
        """The newest changes of meetings (announced and held)."""
        return atom(request, conn, "meetings", "govwatch: 会议 (meetings)", kind="meeting")

    @app.get("/feeds/meetings.ics", tags=["feeds"], response_class=Response)
    def feed_meetings_calendar(
        conn: Conn,
        source: Annotated[str | None, Query(description="only this source's meetings")] = None,
        tag: Annotated[str | None, Query(description="only meetings of sources with this seed tag")] = None,
    ) -> Response:
        """Announced meetings as an iCalendar subscription (one VEVENT per notice; docs/API.md)."""
        try:
            body, _ = ics.calendar_bytes(conn, ics.CalendarFilter(source=source or None, tag=tag or None))
        except ics.CalendarError as exc:
            raise HTTPException(404, str(exc)) from exc
        return Response(body, media_type=ICS_TYPE, headers={"Content-Disposition": 'inline; filename="meetings.ics"'})

    @app.get("/feeds/source/{source_id}.atom", tags=["feeds"], response_class=Response)
    def feed_source(source_id: str, request: Request, conn: Conn) -> Response:
        """The newest changes of one source."""
        if source_id not in queries.source_ids(conn):
            raise HTTPException(404, f"no source {source_id!r}")
        return atom(request, conn, f"source/{source_id}", f"govwatch: {source_id}", source=source_id)

    # --- pages ------------------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page_items(
        request: Request,
        conn: Conn,
        source: str | None = None,
        kind: str | None = None,
        change: str | None = None,
        since: str | None = None,
        q: str | None = None,
        cursor: str | None = None,
    ) -> Response:
        wanted = ItemQuery(source or None, kind or None, change or None, _parse_since(since), q or None, cursor)
        items, next_cursor = queries.list_items(conn, wanted)
        filters = {"source": source or "", "kind": kind or "", "change": change or "", "since": since or "", "q": q or ""}
        active = {k: v for k, v in filters.items() if v}
        first_url = "/?" + urlencode(active) if active else "/"
        next_url = "/?" + urlencode({**active, "cursor": next_cursor}) if next_cursor else None
        return templates.TemplateResponse(
            request,
            "items.html",
            {
                "items": items,
                "filters": filters,
                "sources": queries.source_ids(conn),
                "kinds": KINDS,
                "changes": CHANGES,
                "next_url": next_url,
                "first_url": first_url,
                "first_page": cursor is None,
                "recent": queries.recent_changes(conn) if cursor is None and not active else [],
                # The search box also searches the full text of items and attachments (crawler/search.py).
                "hits": _full_text(conn, q, source, kind) if q and cursor is None else [],
            },
        )

    @app.get("/items", include_in_schema=False)
    def page_items_alias(request: Request) -> Response:
        query = request.url.query
        return Response(status_code=307, headers={"Location": "/" + (f"?{query}" if query else "")})

    @app.get("/items/{item_id}", response_class=HTMLResponse, include_in_schema=False)
    def page_item(
        item_id: int,
        request: Request,
        conn: Conn,
        from_: Annotated[int | None, Query(alias="from")] = None,
        to: int | None = None,
    ) -> Response:
        item = item_or_404(conn, item_id)
        versions = queries.list_versions(conn, item_id, with_text=False)
        comparison = None
        if item["version"] >= 2 or from_ is not None or to is not None:
            comparison = queries.diff(conn, item_id, item["version"], from_, to)
        texts = queries.version_texts(conn, item_id, [item["version"]])
        text = texts[item["version"]]["text"] if item["version"] in texts else ""
        files = attachments_by_version(conn, item_id, [item["version"]])[item["version"]]
        changed = _attachment_diff(conn, item_id, comparison) if comparison else []
        meeting = queries.version_meeting(conn, item_id, item["version"])
        return templates.TemplateResponse(
            request,
            "item.html",
            {
                "item": item, "versions": versions, "diff": comparison, "text": text, "meeting": meeting,
                "meeting_rows": labelled_facts(meeting) if meeting else [],
                "attachments": files, "attachment_changes": changed,
            },
        )

    @app.get("/sources", response_class=HTMLResponse, include_in_schema=False)
    def page_sources(request: Request, conn: Conn) -> Response:
        return templates.TemplateResponse(request, "sources.html", {"sources": queries.sources_health(conn)})

    return app


def _attachment_diff(conn: Connection, item_id: int, comparison: dict[str, Any]) -> list[AttachmentChange]:
    files = attachments_by_version(conn, item_id, [comparison["from"], comparison["to"]])
    return attachment_changes(files[comparison["from"]], files[comparison["to"]])


def _full_text(conn: Connection, q: str, source: str | None, kind: str | None) -> list[search.Hit]:
    try:
        return search.search(conn, q, source=source or None, kind=kind or None, limit=10)
    except ValueError:
        return []  # one character: the title filter below still answers


def _shanghai_short(value: str | None) -> str:
    """'2026-11-22T18:00:00+08:00' → '2026-11-22 18:00' for tables (the values are already +08:00)."""
    if not value:
        return "—"
    return value[:16].replace("T", " ")
