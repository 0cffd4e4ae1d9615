"""Recognize anti-bot challenge pages (Ruishu 瑞数 412, 加速乐 521, WAF 403, 磐云-style browser checks) so they are never stored as articles."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urljoin

from crawler.extract.decoding import decode_html
from crawler.profiles.base import looks_like_article

# HTTP statuses that mean "a gate answered, not the site": 412 (Ruishu: JS + cookie), 521 (加速乐
# __jsl_clearance), 403 (WAF refusals, also overseas-IP blocks), 405 (customs.gov.cn-style WAF).
BLOCKED_STATUSES: dict[int, str] = {
    403: "HTTP 403 (refused, WAF)",
    405: "HTTP 405 (refused, WAF)",
    412: "HTTP 412 (Ruishu-style JS challenge)",
    521: "HTTP 521 (JS cookie challenge, 加速乐)",
}

# Markers only challenge scripts carry. Ruishu also injects its scripts (and its meta token) into the real
# pages it lets through, so a marker makes a 200 page a challenge only when the page is thin (`thin_page`).
STRONG_MARKERS: dict[str, re.Pattern[bytes]] = {
    "ruishu_ts": re.compile(rb"\$_ts\s*(?:=|\.)|window\[\s*['\"]\$_ts['\"]\s*\]"),
    "jsl_clearance": re.compile(rb"__jsl_clearance"),
    "ruishu_script": re.compile(rb"<script[^>]*\br=['\"]?m['\"]?[^>]*>", re.IGNORECASE),
}
# A bare <meta content="…"> holding a long opaque token (Ruishu's first-stage key): a challenge only when
# the page is thin too, since some sites put long tokens in meta tags.
TOKEN_META = re.compile(
    rb"<meta\s+(?:[a-z-]+=['\"][^'\"]*['\"]\s+)*?content=['\"](?P<token>[^'\"\s]{120,})['\"]", re.IGNORECASE
)


@dataclass(frozen=True)
class Interstitial:
    """A browser-check page of a WAF: its wording, on a page whose script sets a cookie and moves on."""

    name: str
    label: str
    words: re.Pattern[str]  # on the page's text, scripts and title included (they often write the text)


INTERSTITIALS: tuple[Interstitial, ...] = (
    Interstitial(
        "panyun",
        "browser-check interstitial (磐云-style)",
        re.compile(r"进入前检查浏览器|浏览器安全检查|正在检查浏览器|检查您的浏览器|正在验证您的浏览器|请稍候"),
    ),
)
# What every cookie challenge does, whatever its vendor calls its cookie: a script writes document.cookie and
# then moves the page on (reload, replace, a new location) - to the page asked for or to a verification page.
SCRIPT_BLOCK = re.compile(rb"<script\b[^>]*>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
SETS_COOKIE = re.compile(rb"document\.cookie\s*=(?!=)")
NAVIGATES = re.compile(
    rb"location\s*\.\s*(?:href\s*=(?!=)|replace\s*\(|assign\s*\(|reload\s*\()|location\s*=(?!=)",
)
# A page that does that and has fewer Chinese characters to read than this is a challenge shell whatever its
# wording (加速乐's 200-status variant spells its cookie name in pieces): a real page, even a short listing,
# carries its navigation, column names and titles, and sites whose ordinary pages set a cookie and reload (a
# font-size or traditional-characters switch) have far more text than this.
MAX_SHELL_CJK = 40
SCRIPT_OR_STYLE = re.compile(rb"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)  # IE conditional comments too: no modern browser runs them
# On the decoded page (counting needs characters, so the page is decoded once, as the extractor decodes it).
LINK = re.compile(r"<a\b(?P<attrs>[^>]*)>(?P<text>.*?)</a\s*>", re.IGNORECASE | re.DOTALL)
HREF = re.compile(r"\bhref\s*=\s*(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|(?P<bare>[^\s>]+))", re.IGNORECASE)
TAG = re.compile(r"<[^>]+>")
CJK = re.compile(r"[\u4e00-\u9fff]")
LIST_DATE = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")
# Below this many Chinese characters of visible text outside links, a page shows no article.
MIN_ARTICLE_CJK = 200
# From this many dated rows, or links with a title to article-shaped URLs, a page shows a list.
MIN_LIST_ROWS = 5
MIN_TITLE_CJK = 4


@dataclass(frozen=True)
class Challenge:
    """Why a response was taken for a challenge page."""

    reason: str


def _visible(body: bytes, headers: Mapping[str, str] | None = None) -> str:
    """The page without scripts, styles and comments (tags kept), decoded as the extractor decodes it."""
    return decode_html(COMMENT.sub(b" ", SCRIPT_OR_STYLE.sub(b" ", body)), headers)[0]


def visible_cjk_count(body: bytes) -> int:
    """Chinese characters outside scripts, styles, comments and tags (a rough measure of readable text)."""
    return len(CJK.findall(TAG.sub(" ", _visible(body))))


def thin_page(body: bytes, headers: Mapping[str, str] | None = None) -> bool:
    """True when a page shows no content: under MIN_ARTICLE_CJK characters outside links, and no list
    (fewer than MIN_LIST_ROWS dates, and fewer titled links to article-shaped URLs). Site chrome (menus,
    friendly links, the footer) is mostly links, so a challenge wrapped in a site's template stays thin."""
    visible = _visible(body, headers)
    if len(CJK.findall(TAG.sub(" ", LINK.sub(" ", visible)))) >= MIN_ARTICLE_CJK:
        return False
    if len(LIST_DATE.findall(TAG.sub(" ", visible))) >= MIN_LIST_ROWS:
        return False
    articles = 0
    for link in LINK.finditer(visible):
        href = HREF.search(link["attrs"])
        if href is None or len(CJK.findall(TAG.sub("", link["text"]))) < MIN_TITLE_CJK:
            continue
        url = (href["dq"] or href["sq"] or href["bare"] or "").strip()
        if looks_like_article(urljoin("http://host/", url.split("?", 1)[0])):
            articles += 1
    return articles < MIN_LIST_ROWS


def sets_cookie_and_moves_on(body: bytes) -> bool:
    """True when one of the page's inline scripts writes document.cookie and one navigates. Pure."""
    scripts = SCRIPT_BLOCK.findall(body)
    return any(SETS_COOKIE.search(script) for script in scripts) and any(
        NAVIGATES.search(script) for script in scripts
    )


def detect_challenge(status: int, body: bytes, headers: dict[str, str] | None = None) -> Challenge | None:
    """A Challenge when the response is a gate instead of the page asked for, else None. Pure."""
    if status in BLOCKED_STATUSES:
        return Challenge(BLOCKED_STATUSES[status])
    cookies = " ".join(value for key, value in (headers or {}).items() if key.lower() == "set-cookie")
    if status == 200 and "__jsl_clearance" in cookies:
        return Challenge("challenge cookie __jsl_clearance with HTTP 200")
    if status != 200 or not body:
        return None
    head = body[:200_000]
    live = COMMENT.sub(b" ", head)  # markers in comments never run
    markers = [name for name, pattern in STRONG_MARKERS.items() if pattern.search(live)]
    token = TOKEN_META.search(live) is not None
    cookie_script = sets_cookie_and_moves_on(live)
    # Decoded only for a page whose script sets a cookie and moves on: the words may be in its scripts.
    page = decode_html(live, headers)[0] if cookie_script else ""
    interstitials = [gate for gate in INTERSTITIALS if gate.words.search(page)]
    if (markers or token or interstitials) and thin_page(head, headers):
        if markers:
            return Challenge(f"challenge page ({markers[0]}) with HTTP 200")
        if interstitials:
            gate = interstitials[0]
            return Challenge(f"challenge page ({gate.name}: {gate.label}) with HTTP 200")
        return Challenge("challenge page (opaque meta token, no article text) with HTTP 200")
    if cookie_script and visible_cjk_count(live) < MAX_SHELL_CJK:
        return Challenge("challenge page (a script sets a cookie and moves on, nothing to read) with HTTP 200")
    return None


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
