"""Title, publication date, source, issuing organ, document number (文号) and column of an article page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from crawler.extract.dates import find_dates, labelled_date, parse_date, publication_date, url_date
from crawler.extract.rules import TODAY_BANNER

# <meta name=…> keys, lower-cased, in order of trust, for each field.
META_DATE = ("pubdate", "publishdate", "article:published_time", "og:release_date", "firstpublishedtime",
             "dc.date.issued", "dc.date", "releasedate", "date")
META_SOURCE = ("contentsource", "source", "og:site_name_source", "dc.publisher")
META_COLUMN = ("columnname", "column")
META_ORGAN = ("publisher", "issuer")
# Separators between an article title and the site name in <title>.
TITLE_SEPARATORS = re.compile(r"\s*(?:_|\||｜|--|—+|–| - |-)\s*")
SOURCE_LABEL = re.compile(r"(?:来源|來源|信息来源|信息來源|文章来源|文章來源|稿件来源)\s*[:：]\s*")
# Where a source value ends: the next byline field, a bracket, or the end of the line.
SOURCE_END = re.compile(r"\s{2,}|\s+(?=\S{1,6}[:：])|[|｜【\[]|(?:作者|编辑|责任编辑|发布时间|时间|日期|浏览|点击|字号)\s*[:：]")
# Labels of metadata tables: followed by a colon, or starting a line (label and value in separate cells).
ORGAN_LABEL = re.compile(
    r"(?:(?<=\n)|^)\s*(?:发布机关|發布機關|发文机关|發文機關|发布机构|发文单位|成文机关|发布单位|制发机关)\s*[:：]?\s*|"
    r"(?:发布机关|發布機關|发文机关|發文機關|发布机构|发文单位|成文机关|发布单位|制发机关)\s*[:：]\s*"
)
DOC_NUMBER_LABEL = re.compile(
    r"(?:(?<=\n)|^)\s*(?:文\s*号|發文字號|发文字号|文件编号)\s*[:：]?\s*|(?:文\s*号|發文字號|发文字号|文件编号)\s*[:：]\s*"
)
# 环党组〔2020〕6号, 环办[2023]12号, 国发（2020）3号, 赣府字〔2021〕8号
DOC_NUMBER = re.compile(
    r"[\u4e00-\u9fff]{1,14}\s*[〔\[［(（【﹝]\s*(?:19|20)\d{2}\s*[〕\]］)）】﹞]\s*(?:第\s*)?\d{1,5}\s*[号號]"
)
ORGAN_SUFFIX = re.compile(
    r"(?:部|厅|廳|局|委|委员会|委員會|政府|办公厅|辦公廳|办公室|辦公室|党组|黨組|中心|院|会|會|署|处|處|所|站|管委会|集团|集團)$"
)
CHINESE = re.compile(r"[\u4e00-\u9fff]")
SITE_WORDS = re.compile(r"(?:官方网站|门户网站|政府网站|官网|网站|网|網站|網)$")
ENUMERATED = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十\d]+[)）]|\d+[、.．])")


@dataclass
class PageMeta:
    """What the page's <head> and chrome say about the article, before the text is looked at."""

    meta: dict[str, str] = field(default_factory=dict)
    html_title: str = ""
    headings: list[str] = field(default_factory=list)


def _first_meta(meta: dict[str, str], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = meta.get(key)
        if value and value.strip():
            return value.strip()
    return None


def _norm(s: str) -> str:
    return re.sub(r"\W+", "", s or "")


def choose_title(
    page: PageMeta, head_lines: list[str] | None = None, body_start: list[str] | None = None
) -> str | None:
    """Meta ArticleTitle, else the heading that agrees best with <title>, else a line printed twice above the
    text, else <title> without the site name when the page shows it, else the likeliest line above the text."""
    meta_title = _first_meta(page.meta, ("articletitle",))
    if meta_title:
        return strip_site_name(meta_title, _first_meta(page.meta, ("sitename", "og:site_name")))
    parts = [p for p in TITLE_SEPARATORS.split(page.html_title) if p.strip()]
    title_head = parts[0].strip() if parts else page.html_title.strip()
    html_norm = _norm(page.html_title)
    best, best_score = None, 0.0
    for heading in page.headings:
        h = _norm(heading)
        if not h:
            continue
        if h in html_norm:
            score = len(h) / max(len(_norm(title_head)), 1) + 1.0
        elif _norm(title_head) and _norm(title_head) in h:
            score = 1.0
        else:
            continue
        if score > best_score:
            best, best_score = heading, score
    if best:
        return best
    og = _first_meta(page.meta, ("og:title", "twitter:title", "dc.title"))
    if og:
        return og
    head_lines = [ln.strip() for ln in head_lines or [] if 6 <= len(ln.strip()) <= 120]
    body_lines = [ln.strip() for ln in body_start or [] if ln.strip()][:20]
    # A title printed twice (page heading + document heading, legal databases, reposts) is the title.
    candidates = head_lines + [ln for ln in body_lines if 6 <= len(ln) <= 120]
    counts: dict[str, int] = {}
    for line in candidates:
        counts[_norm(line)] = counts.get(_norm(line), 0) + 1
    for line in candidates[: len(head_lines) + 8]:
        if counts[_norm(line)] >= 2 and len(_norm(line)) >= 6 and not ENUMERATED.match(line):
            return line
    head_norm = _norm(title_head)
    for line in candidates:
        if head_norm and len(head_norm) >= 4 and (head_norm in _norm(line) or _norm(line) in head_norm):
            return line
    if len(head_norm) >= 4 and (head_norm in _norm(" ".join(page.headings)) or not head_lines):
        return title_head
    plausible = [ln for ln in head_lines if not re.search(r"[。；;！!？?]$", ln) and CHINESE.search(ln)]
    if plausible:
        return max(plausible[-6:], key=len)
    if len(head_norm) >= 4:
        return title_head
    h1 = [h for h in page.headings if len(h) >= 6]
    return (h1[0] if h1 else page.html_title.strip()) or None


def strip_site_name(title: str, site: str | None) -> str:
    """'Site——Title' or 'Title_Site' → 'Title' when the site is named in the page's meta tags."""
    if not site or site == title:
        return title
    pattern = re.escape(site.strip())
    stripped = re.sub(rf"^{pattern}\s*(?:——|—|--|-|_|\||｜|:|：)\s*|\s*(?:——|—|--|-|_|\||｜)\s*{pattern}$", "", title)
    return stripped.strip() or title


def meta_date(meta: dict[str, str]) -> datetime | None:
    for key in META_DATE:
        value = meta.get(key)
        if value:
            parsed = parse_date(value)
            if parsed:
                return parsed
    return None


@dataclass
class DateChoice:
    """The publication date, whether it is only a guess, and the other dates the page gave for it."""

    value: datetime | None
    guessed: bool
    alternatives: list[datetime] = field(default_factory=list)  # another day, set aside (a meta tag)


# A header clock (日期：2024年6月18日 星期二) is the day of the visit, not of the article.
CLOCK = re.compile(r"\d\s*[日号]?\s*(?:星期|周|礼拜)[一二三四五六日天]")


def visible_date(byline_lines: list[str]) -> datetime | None:
    """The publication date the article shows: the first 发布时间/发布日期/时间/日期 field in its byline."""
    for line in byline_lines:
        if TODAY_BANNER.match(line.strip()) or CLOCK.search(line):
            continue
        value = publication_date(line)
        if value:
            return value
    return None


def choose_published(
    meta: dict[str, str],
    head_text: str,
    date_lines: list[str],
    body_lines: list[str],
    url: str | None,
    selected: str | None = None,
    byline_lines: list[str] | None = None,
) -> DateChoice:
    """Selector, meta PubDate (unless the article shows another day), labelled in-page date, date byline,
    signature date, URL date, then a guess.

    `byline_lines` are the lines around the start of the article (just above its body, and the body's own
    date lines), never the page's header or footer: a visible publication date there that falls on another
    day than the meta tag wins, and the meta date is kept in `alternatives`. CMSs stamp PubDate when a page is
    (re)generated or copied, while the byline is what the regulator published; an 更新时间 is no publication
    date and never wins.
    """
    if selected:
        value = parse_date(selected)
        if value:
            return DateChoice(value, False)
    value = meta_date(meta)
    if value:
        shown = visible_date(byline_lines if byline_lines is not None else date_lines)
        if shown and shown.date() != value.date():
            return DateChoice(shown, False, [value])
        return DateChoice(value, False)
    for line in date_lines:
        value = labelled_date(line) or parse_date(line)
        if value:
            return DateChoice(value, False)
    value = labelled_date(head_text)
    if value:
        return DateChoice(value, False)
    value = signature_date(body_lines)
    if value:
        return DateChoice(value, False)
    value = url_date(url)
    if value:
        return DateChoice(value, False)
    # The header's 今天是… clock is the day of the visit: never even a guess.
    undated_head = "\n".join(line for line in head_text[:3000].splitlines() if not TODAY_BANNER.match(line.strip()))
    found = find_dates(undated_head) or find_dates("\n".join(body_lines[:3]))
    if found:
        return DateChoice(found[0].value, True)
    return DateChoice(None, False)


def signature_date(lines: list[str]) -> datetime | None:
    """The date a document is signed with: a line near the end that is only a date."""
    for line in reversed(lines[-6:]):
        stripped = line.strip()
        if len(stripped) > 24:
            continue
        found = find_dates(stripped)
        if found and found[0].end - found[0].start >= len(stripped) - 4:
            return found[0].value
    return None


def clean_source(value: str) -> str | None:
    """The source name alone: no label, no following byline fields, no brackets."""
    value = SOURCE_LABEL.sub("", value.strip(), count=1)
    value = SOURCE_END.split(value, maxsplit=1)[0]
    value = value.strip(" :：,，;；|｜()（）[]【】\"'")
    if not value or (len(value) < 2 and not CHINESE.search(value)):
        return None
    return value[:60]


def choose_source(meta: dict[str, str], lines: list[str], selected: str | None = None) -> str | None:
    """Selector, meta ContentSource, else the first 来源: field in the byline or text."""
    if selected:
        cleaned = clean_source(selected)
        if cleaned:
            return cleaned
    value = _first_meta(meta, META_SOURCE)
    if value:
        return clean_source(value)
    for line in lines:
        m = SOURCE_LABEL.search(line)
        if m and len(line) <= 200:
            cleaned = clean_source(line[m.start() :])
            if cleaned:
                return cleaned
    return None


def labelled_value(text: str, label: re.Pattern[str], max_len: int = 40) -> str | None:
    """The value after a label such as 发布机关: in a metadata table, up to the next label or line end."""
    m = label.search(text or "")
    if not m:
        return None
    value = re.split(r"\n|\t|\s{2,}|\s+(?=[\u4e00-\u9fff\s]{2,8}[:：])", text[m.end() : m.end() + 120], maxsplit=1)[0]
    value = value.strip(" :：")
    return value[:max_len] or None


def choose_doc_number(head_text: str, title: str | None, body_lines: list[str]) -> str | None:
    """Labelled 文号, else a number standing alone in the first lines of the text or the title."""
    labelled = labelled_value(head_text, DOC_NUMBER_LABEL)
    if labelled:
        m = DOC_NUMBER.search(labelled)
        if m:
            return _clean_number(m.group(0))
    for line in body_lines[:8]:
        m = DOC_NUMBER.search(line)
        if m and len(line.strip()) <= len(m.group(0)) + 8:
            return _clean_number(m.group(0))
    if title:
        m = DOC_NUMBER.search(title)
        if m:
            return _clean_number(m.group(0))
    return None


def _clean_number(s: str) -> str:
    return re.sub(r"\s+", "", s)


def choose_organ(meta: dict[str, str], head_text: str, title: str | None, body_lines: list[str],
                 source: str | None, html_title: str = "") -> str | None:
    """Labelled 发布机关, else the signatory above the closing date, else the organ naming the title, else the
    source, else the site (meta SiteName or the <title> suffix) when it is named like an organ."""
    labelled = labelled_value(head_text, ORGAN_LABEL)
    if labelled and CHINESE.search(labelled):
        return labelled
    tail = body_lines[-4:]
    for i in range(len(tail) - 1, 0, -1):
        if signature_date([tail[i]]) and len(tail[i - 1]) <= 30 and ORGAN_SUFFIX.search(tail[i - 1].strip()):
            return tail[i - 1].strip()
    if title:
        m = re.match(r"^(?:中共)?([\u4e00-\u9fff]{2,20}?(?:部|厅|廳|局|委员会|委員會|委|政府|办公厅|辦公廳|党组|黨組|署))"
                     r"(?:党组|黨組)?(?:关于|關於|召开|召開|印发|印發|发布|發布)", title)
        if m:
            return title[: m.end(1) + (2 if title[m.end(1) : m.end(1) + 2] in ("党组", "黨組") else 0)].strip()
    value = _first_meta(meta, META_ORGAN)
    if value:
        return value
    # The source or the site, when it is named like an organ (a newspaper or portal is not an issuing organ).
    sites = [_first_meta(meta, ("sitename", "og:site_name")) or ""] + TITLE_SEPARATORS.split(html_title)[1:][::-1]
    for name in [source or ""] + sites:
        name = SITE_WORDS.sub("", name.strip())
        if 2 <= len(name) <= 30 and ORGAN_SUFFIX.search(name):
            return name
    return None


def choose_column(meta: dict[str, str], breadcrumb: str | None) -> str | None:
    """Meta ColumnName, else the last named step of the breadcrumb."""
    value = _first_meta(meta, META_COLUMN)
    if value:
        return value
    if breadcrumb:
        steps = [s.strip() for s in re.split(r">>|>|＞|»|→|/", breadcrumb) if s.strip()]
        steps = [re.sub(r"^.*?(?:位置|位置)\s*[:：]", "", s).strip() for s in steps]
        steps = [s for s in steps if s and s not in {"正文", "首页", "首頁", "详情", "正文内容"}]
        if steps:
            return steps[-1][:40]
    return None
