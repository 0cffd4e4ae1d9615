"""What an answer to a crawl request is: content, not modified, gone, a soft 404, a challenge, or a named error.

Pure: bytes, statuses, headers and URLs in, one `Verdict` out. The downloader middleware
(`spiders/middlewares.AnswerMiddleware`) calls `classify_answer` on every final response and
`check_redirect` on every redirect hop, and puts the verdict in `request.meta["gw_verdict"]`. Challenge
pages and non-HTML bodies are recognized by crawler/challenge.py, one of the checks applied here.
"""

from __future__ import annotations

import hashlib
import html
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from crawler.challenge import detect_challenge, not_html
from crawler.extract.decoding import decode_html

# --- verdicts ---------------------------------------------------------------------------------------------

VERDICTS = ("content", "not_modified", "gone", "soft_404", "blocked", "error")

# Every recorded error names one of these kinds; the label follows the listed article URL in the message.
ERROR_KINDS: dict[str, str] = {
    "timeout": "timeout",
    "connection_refused": "connection refused",
    "connection_reset": "connection reset",
    "dns": "DNS lookup failed",
    "truncated": "truncated body",
    "too_large": "too large",
    "redirect_loop": "redirect loop",
    "too_many_redirects": "too many redirects",
    "off_domain": "off-domain redirect",
    "soft_404": "soft 404",
    "gone": "gone",  # HTTP 404/410 for an article that was never stored
    "challenge": "challenge",
    "http": "HTTP status",
    "not_html": "not an article",
    "robots": "forbidden by robots.txt",
    "other": "failed",
}


@dataclass(frozen=True)
class Verdict:
    """What one answer is (one of VERDICTS), why, and for errors, soft 404s and blocks the error kind."""

    kind: str
    reason: str = ""
    error: str | None = None  # a key of ERROR_KINDS

    @property
    def detail(self) -> str:
        """The kind's label and the reason: `timeout: …`, `soft 404: …`."""
        label = ERROR_KINDS.get(self.error or "other", ERROR_KINDS["other"])
        return f"{label}: {self.reason}" if self.reason else label

    def message(self, listed_url: str) -> str:
        """The run's error line: always the LISTED article URL (not the last redirect hop), kind, detail."""
        return f"{listed_url}: {self.detail}"


def error(kind: str, reason: str = "") -> Verdict:
    """An error verdict of a known kind."""
    if kind not in ERROR_KINDS:
        raise ValueError(f"unknown error kind {kind!r}")
    return Verdict("error", reason, kind)


@dataclass(frozen=True)
class PageText:
    """The readable part of an HTML answer: its <title> and visible text (whitespace collapsed)."""

    title: str
    text: str

    @property
    def size(self) -> int:
        """Visible characters, spaces not counted."""
        return len(self.text) - self.text.count(" ")


@dataclass(frozen=True)
class PageFingerprint:
    """A page reduced to what stays the same between two requests of a site's not-found page."""

    title: str
    digest: str
    shingles: frozenset[int]


@dataclass(frozen=True)
class Scope:
    """Where one source's articles may live and what its own pages are (shared by all its requests)."""

    hosts: frozenset[str]  # listing hosts + the seed's allowed_domains (a subdomain of one counts too)
    column_urls: tuple[str, ...] = ()  # the source's listing URLs: an article redirected there is gone

    def allows(self, host: str | None) -> bool:
        host = (host or "").lower()
        return any(host == allowed or host.endswith("." + allowed) for allowed in self.hosts)


@dataclass(frozen=True)
class AnswerContext:
    """What the crawl knew when it asked: the listed URL, the stored item, the site's learned not-found page."""

    listed_url: str
    scope: Scope
    known: bool = False
    conditional: bool = False  # If-None-Match / If-Modified-Since were sent
    not_found: PageFingerprint | None = None  # the answer to a random path on this host, when it was 200


@dataclass(frozen=True)
class Answer:
    """The final answer to a request, after the redirects the crawl followed."""

    status: int
    url: str  # the final URL
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    redirects: tuple[str, ...] = ()  # URLs asked before the final one, the listed URL first


# Error pages of Chinese CMSs (TRS, Hanweb, DedeCMS, 政府网站集约化平台 …), as data. The title of a page, or
# the text of a SHORT page, matching one of these is a soft 404. Each pattern needs a subject (页面, 信息,
# 文章 …) next to the verb, so an article that merely mentions a deletion (删除违法信息) does not match.
SOFT_404_PATTERNS: dict[str, re.Pattern[str]] = {
    "page_missing": re.compile(
        r"(?:页面|网页|文章|信息|内容|稿件|文件|资源|栏目)(?:已经|已|暂时)?(?:不存在|找不到|未找到|无法找到|无法访问)"
    ),
    "you_visited": re.compile(
        r"(?:您|你)(?:所|要)?(?:访问|浏览|请求|查看)的(?:页面|网页|地址|信息|文章|内容|链接)[^。！!]{0,24}?"
        r"(?:不存在|已被?删除|已被?撤|已过期|已失效|出错|有误|错误)"
    ),
    "deleted": re.compile(
        r"(?:该|此|本)?(?:信息|页面|文章|内容|稿件|新闻|文件)(?:已被?|已经被?)(?:删除|撤稿|撤销|撤下|下线|屏蔽|过期|失效)"
    ),
    "withdrawn": re.compile(r"已撤稿|撤稿说明|稿件已撤"),
    # A bare "404" is not enough: document numbers such as 〔2023〕404号 appear in real titles.
    "http_404": re.compile(
        r"^\s*404(?![0-9号])|404\s*(?:错误|error|not\s*found|页面)|(?:错误|error)\s*(?:代码)?[:：]?\s*404(?![0-9号])"
        r"|not\s+found|页面找不到|找不到(?:该|此|您要的)?页面",
        re.I,
    ),
}
# A page longer than this (visible characters) is an article even if a pattern occurs in its text.
SHORT_PAGE = 400
# A known article whose extracted text shrank below this share of its stored text (which had at least
# COLLAPSE_MIN_PREVIOUS characters) has collapsed into an error or placeholder page ("内容调整中").
COLLAPSE_SHARE = 0.2
COLLAPSE_MIN_PREVIOUS = 80
# Two pages are the site's not-found page when their normalized text is the same, or their titles are
# and their text shares this much (Jaccard of 4-character shingles).
SAME_PAGE_SIMILARITY = 0.9

# Where a moved-away article lands: the site's home page, a login page.
HOME_PATH = re.compile(r"^/?(?:(?:index|default|home|main|portal)\.(?:s?html?|jsp|php|aspx?|do))?$", re.I)
LOGIN = re.compile(
    r"log[io]n|signin|sign-in|sign_in|passport|(?:^|/)sso(?:/|$|\.)|(?:^|/)cas/|(?:^|/)uc/|denglu|登录|统一身份认证",
    re.I,
)
INDEX_FILE = re.compile(r"(?:index|default)(?:_\d+)?\.(?:s?html?|jsp|php|aspx?)$", re.I)

TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.I | re.S)
# Three plain alternatives: a backreference (</\1>) makes this regex several times slower on every page.
INVISIBLE = re.compile(r"<script\b.*?</script\s*>|<style\b.*?</style\s*>|<!--.*?-->", re.I | re.S)
ANY_TAG = re.compile(r"<[^>]+>")
SPACE = re.compile(r"\s+")
# Not-found pages echo the path, the time and request ids: ASCII runs and digits are left out of the fingerprint.
ECHOED = re.compile(r"[\x21-\x7e]+|[0-9０-９]+")
READ_AT_MOST = 300_000  # bytes read for the checks; an article's words start long before this


def page_text(body: bytes, headers: Mapping[str, str] | None = None) -> PageText:
    """Title and visible text of an HTML answer (decoded as the extractor does). Pure."""
    text, _codec = decode_html(body[:READ_AT_MOST], dict(headers or {}))
    found = TITLE.search(text)
    title = SPACE.sub(" ", html.unescape(ANY_TAG.sub(" ", found.group(1)))).strip() if found else ""
    visible = ANY_TAG.sub(" ", INVISIBLE.sub(" ", text))
    return PageText(title=title, text=SPACE.sub(" ", html.unescape(visible)).strip())


def page_fingerprint(page: PageText) -> PageFingerprint:
    """The fingerprint of a page, for comparing answers with the site's own not-found page."""
    norm = SPACE.sub("", ECHOED.sub("", page.text))[:4000]
    shingles = frozenset(zlib.crc32(norm[i : i + 4].encode()) for i in range(max(len(norm) - 3, 1)))
    digest = hashlib.sha1(norm.encode()).hexdigest()
    return PageFingerprint(ECHOED.sub("", page.title).strip(), digest, shingles)


def same_page(one: PageFingerprint, other: PageFingerprint) -> bool:
    """True when two fingerprints are the same page (text equal; or same title and nearly the same text)."""
    if one.digest == other.digest:
        return True
    if one.title != other.title or not one.shingles or not other.shingles:
        return False
    shared = len(one.shingles & other.shingles)
    return shared / len(one.shingles | other.shingles) >= SAME_PAGE_SIMILARITY


def error_page_pattern(page: PageText) -> str | None:
    """The name of the CMS error-page pattern this page matches (title, or text of a short page)."""
    for name, pattern in SOFT_404_PATTERNS.items():
        if page.title and pattern.search(page.title):
            return name
    if page.size <= SHORT_PAGE:
        for name, pattern in SOFT_404_PATTERNS.items():
            if pattern.search(page.text):
                return name
    return None


def _column_of(url: str) -> tuple[str, str]:
    """(host, directory) of a URL, with an index file dropped: /news/index.html → /news/."""
    parts = urlsplit(url)
    path = INDEX_FILE.sub("", parts.path or "/")
    return (parts.hostname or "").lower(), path if path.endswith("/") else path


def moved_away(final_url: str, context: AnswerContext) -> str | None:
    """Why a redirected article landed on a page that is not an article (home, column, login), or None."""
    parts = urlsplit(final_url)
    if LOGIN.search(f"{parts.path}?{parts.query}"):
        return f"redirected to a login page ({final_url})"
    if HOME_PATH.match(parts.path or "/"):
        return f"redirected to the home page ({final_url})"
    host, folder = _column_of(final_url)
    listed_host, _ = _column_of(context.listed_url)
    listed_path = urlsplit(context.listed_url).path
    if any(_column_of(column) == (host, folder) for column in context.scope.column_urls):
        return f"redirected to its column page ({final_url})"
    if host == listed_host and folder.endswith("/") and listed_path.startswith(folder) and listed_path != folder:
        return f"redirected to its column page ({final_url})"
    return None


def check_redirect(current_url: str, location: str | None, chain: Sequence[str], scope: Scope) -> Verdict | None:
    """An error verdict when a redirect must not be followed (off the source's domains, or a loop). Pure.

    `chain` holds the URLs already asked for this request (the listed URL first); `current_url` answered
    with the redirect to `location`.
    """
    if not location:
        return None
    target = urljoin(current_url, location).split("#", 1)[0]
    if not scope.allows(urlsplit(target).hostname):
        return error("off_domain", f"redirected to {target}, outside the source's domains")
    seen = [url.split("#", 1)[0] for url in (*chain, current_url)]
    if target in seen:
        hops = " → ".join([*seen[seen.index(target) :], target])
        return error("redirect_loop", hops)
    return None


def classify_answer(answer: Answer, context: AnswerContext) -> Verdict:
    """The one verdict on an article answer: content, not_modified, gone, soft_404, blocked or error. Pure."""
    status = answer.status
    headers = {key.lower(): value for key, value in answer.headers.items()}
    if status == 304:
        if context.conditional:
            return Verdict("not_modified")
        return error("http", "304 to a request that was not conditional")
    challenge = detect_challenge(status, answer.body, dict(answer.headers))
    if challenge is not None:
        return Verdict("blocked", challenge.reason, "challenge")
    if status in (404, 410):
        return Verdict("gone", f"HTTP {status}", "gone")
    if 300 <= status < 400:
        return error("http", f"{status} redirect without a usable Location ({headers.get('location') or 'none'})")
    if status != 200:
        return error("http", str(status))
    if answer.redirects:
        moved = moved_away(answer.url, context)
        if moved is not None:
            return Verdict("soft_404", moved, "soft_404")
    problem = not_html(headers.get("content-type"), answer.body)
    if problem is not None:
        return error("not_html", problem)
    page = page_text(answer.body, answer.headers)
    pattern = error_page_pattern(page)
    if pattern is not None:
        return Verdict("soft_404", f"error page ({pattern}: {page.title or page.text[:40]!r})", "soft_404")
    if context.not_found is not None and same_page(page_fingerprint(page), context.not_found):
        return Verdict("soft_404", "the site's own not-found page (same as for a random path)", "soft_404")
    return Verdict("content")


def collapsed(previous_length: int | None, text: str) -> Verdict | None:
    """A soft 404 when an article's extracted text collapsed against its stored version, else None. Pure.

    Judged after extraction (pipelines/extract.py): the page's chrome would hide a collapse from the raw bytes.
    """
    size = len(text) - text.count(" ") - text.count("\n")
    if not previous_length or previous_length < COLLAPSE_MIN_PREVIOUS or size >= previous_length * COLLAPSE_SHARE:
        return None
    return Verdict(
        "soft_404", f"text collapsed to {size} characters (the stored version has {previous_length})", "soft_404"
    )
