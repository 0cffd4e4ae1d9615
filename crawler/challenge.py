"""Recognize anti-bot challenge pages (Ruishu 瑞数 412, 加速乐 521, WAF 403) so they are never stored as articles."""

from __future__ import annotations

import re
from dataclasses import dataclass

# HTTP statuses that mean "a gate answered, not the site": 412 (Ruishu: JS + cookie), 521 (加速乐
# __jsl_clearance), 403 (WAF refusals, also overseas-IP blocks), 405 (customs.gov.cn-style WAF).
BLOCKED_STATUSES: dict[int, str] = {
    403: "HTTP 403 (refused, WAF)",
    405: "HTTP 405 (refused, WAF)",
    412: "HTTP 412 (Ruishu-style JS challenge)",
    521: "HTTP 521 (JS cookie challenge, 加速乐)",
}

# Markers only challenge scripts carry; any one of them makes a 200 page a challenge.
STRONG_MARKERS: dict[str, re.Pattern[bytes]] = {
    "ruishu_ts": re.compile(rb"\$_ts\s*(?:=|\.)|window\[\s*['\"]\$_ts['\"]\s*\]"),
    "jsl_clearance": re.compile(rb"__jsl_clearance"),
    "ruishu_script": re.compile(rb"<script[^>]*\br=['\"]?m['\"]?[^>]*>", re.IGNORECASE),
}
# A bare <meta content="…"> holding a long opaque token (Ruishu's first-stage key): a challenge only when
# the page also carries almost no readable text, since some sites put long tokens in meta tags.
TOKEN_META = re.compile(
    rb"<meta\s+(?:[a-z-]+=['\"][^'\"]*['\"]\s+)*?content=['\"](?P<token>[^'\"\s]{120,})['\"]", re.IGNORECASE
)
SCRIPT_OR_STYLE = re.compile(rb"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
# What every cookie challenge does, whatever its vendor calls its cookie: a script writes document.cookie and
# then moves the page on (reload, replace, a new location) - to the page asked for or to a verification page.
SCRIPT_BLOCK = re.compile(rb"<script\b[^>]*>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
SETS_COOKIE = re.compile(rb"document\.cookie\s*=(?!=)")
NAVIGATES = re.compile(
    rb"location\s*\.\s*(?:href\s*=(?!=)|replace\s*\(|assign\s*\(|reload\s*\()|location\s*=(?!=)",
)
# A page that does that and has fewer Chinese characters to read than this is a challenge shell: a real page
# (even a short listing) carries its navigation, column names and titles. Sites whose ordinary pages set a
# cookie and reload (a font-size or traditional-characters switch) have far more text than this.
MAX_SHELL_CJK = 40
TAG = re.compile(rb"<[^>]+>")
CJK = re.compile(r"[\u4e00-\u9fff]")
# Below this many Chinese characters of visible text, a page with a token meta is a shell, not an article.
MIN_ARTICLE_CJK = 200


@dataclass(frozen=True)
class Challenge:
    """Why a response was taken for a challenge page."""

    reason: str


def visible_cjk_count(body: bytes) -> int:
    """Chinese characters outside scripts, styles and tags (a rough measure of readable text)."""
    stripped = TAG.sub(b" ", SCRIPT_OR_STYLE.sub(b" ", body))
    return len(CJK.findall(stripped.decode("utf-8", errors="ignore")))


def detect_challenge(status: int, body: bytes, headers: dict[str, str] | None = None) -> Challenge | None:
    """A Challenge when the response is a gate instead of the page asked for, else None. Pure."""
    if status in BLOCKED_STATUSES:
        return Challenge(BLOCKED_STATUSES[status])
    if status != 200 or not body:
        return None
    head = body[:200_000]
    for name, pattern in STRONG_MARKERS.items():
        if pattern.search(head):
            return Challenge(f"challenge page ({name}) with HTTP 200")
    cookies = " ".join(value for key, value in (headers or {}).items() if key.lower() == "set-cookie")
    if "__jsl_clearance" in cookies:
        return Challenge("challenge cookie __jsl_clearance with HTTP 200")
    if TOKEN_META.search(head) and visible_cjk_count(head) < MIN_ARTICLE_CJK:
        return Challenge("challenge page (opaque meta token, no article text) with HTTP 200")
    if sets_cookie_and_moves_on(head) and visible_cjk_count(head) < MAX_SHELL_CJK:
        return Challenge("challenge page (a script sets a cookie and moves on, nothing to read) with HTTP 200")
    return None


def sets_cookie_and_moves_on(body: bytes) -> bool:
    """True when one of the page's inline scripts writes document.cookie and one navigates. Pure."""
    scripts = SCRIPT_BLOCK.findall(body)
    return any(SETS_COOKIE.search(script) for script in scripts) and any(
        NAVIGATES.search(script) for script in scripts
    )


# Content types an article page may come as; anything else (PDF, images, archives, JSON) is not a page.
HTML_TYPES = ("text/html", "application/xhtml+xml", "text/xml", "application/xml")
HTML_START = re.compile(
    rb"^\s*(?:\xef\xbb\xbf)?\s*(?:<!doctype\s+html|<html|<head|<body|<meta|<div|<!--|<\?xml)", re.I
)


def not_html(content_type: str | None, body: bytes) -> str | None:
    """Why a response cannot be an article page (non-HTML content), or None when it can. Pure."""
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if kind in HTML_TYPES:
        return None
    if not kind or kind in ("text/plain", "application/octet-stream"):
        # Old servers send HTML without a type, or as text/plain: trust the bytes.
        if HTML_START.match(body[:1024]):
            return None
    return f"non-HTML content ({kind or 'no Content-Type'}, {len(body)} bytes)"
