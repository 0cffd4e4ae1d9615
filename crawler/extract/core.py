"""The public entry point: page bytes → clean article text and metadata (parse once, container first)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from copy import deepcopy
from dataclasses import asdict, dataclass, field
from datetime import datetime
from urllib.parse import urljoin

import lxml.html
from lxml import etree

from crawler.chinese import detect_script, to_simplified
from crawler.extract import classify as kinds
from crawler.extract import density
from crawler.extract import metadata as md
from crawler.extract.containers import BY_CLASS, BY_ID, CONTAINERS
from crawler.extract.decoding import decode_html
from crawler.extract.meetings import meeting_facts
from crawler.extract.render import BLOCK_TAGS, element_text, tidy
from crawler.extract.rules import (
    BLOCK_RULES,
    DATE_LINE,
    DOCUMENT_DATE,
    DROP,
    HEAD,
    LINE_RULES,
    MASK_RUN,
    SOURCE_LINE,
    STOP,
    TAIL,
    TRUNCATED,
    TRUNCATION_MARKERS,
)
from crawler.textsafe import clean, clean_html, clean_optional, clean_value

ATTACHMENT_EXT = re.compile(r"\.(?:pdf|docx?|xlsx?|zip|rar|7z|wps|et|ofd|pptx?|txt|csv)(?:$|[?#])", re.I)
ATTACHMENT_NAME = re.compile(r"\.(?:pdf|docx?|xlsx?|zip|rar|7z|wps|et|ofd|pptx?)$", re.I)
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
STRAY_END_TAGS = re.compile(r"</(?:html|body)\s*>", re.I)
LOOKS_LIKE_HTML = re.compile(r"<\s*(?:!doctype|html|head|body|div|p|table|meta|title|span|a|br|h[1-6])[\s>/]", re.I)
BREADCRUMB_LABEL = re.compile(r"当前位置|當前位置|您所在的位置|您的位置|所在位置|你的位置")
TRAIL_SEPARATOR = re.compile(r">|＞|»|→")
# The head zone (bylines, repeated titles, breadcrumbs) is at most this many lines: a table at the top of
# a document must not lose its rows to byline rules.
HEAD_MAX_LINES = 6
SENTENCE_PUNCTUATION = re.compile(r"[，。；！？,;!?]")
# Below this many characters a method's result is "too little" and the next method is tried.
MIN_TEXT_CHARS = 40
MIN_CONTAINER_CHARS = 4
# Characters of page text above the body searched for labelled metadata (dates, 文号, 发布机关).
HEAD_BUDGET = 6000


class ExtractionError(ValueError):
    """The input is not an HTML page (empty, binary, undecodable): the message says which."""


@dataclass
class ExtractOptions:
    """Per-source overrides from seed files; all optional."""

    body_selector: str | None = None
    title_selector: str | None = None
    date_selector: str | None = None
    source_selector: str | None = None
    encoding: str | None = None


@dataclass
class Attachment:
    """A linked document (pdf, doc, xls, zip, wps, ofd …) with its link text and absolute URL."""

    name: str
    url: str


@dataclass
class Extraction:
    """Everything read from one article page."""

    title: str | None = None
    published: datetime | None = None
    published_guessed: bool = False
    # Other days the page gives for its publication, set aside (a meta PubDate the visible byline contradicts).
    published_alternatives: list[datetime] = field(default_factory=list)
    source: str | None = None
    organ: str | None = None
    doc_number: str | None = None
    column: str | None = None
    kind: str = kinds.NEWS
    meeting: dict | None = None
    truncated: bool = False
    masked: bool = False
    encoding: str = "utf-8"
    script: str = "simplified"
    text: str = ""
    text_simplified: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    method: str = ""  # which body method produced the text (container name, 'trafilatura', 'density', …)

    def to_dict(self) -> dict:
        """JSON-ready: the published dates as ISO 8601 strings."""
        out = asdict(self)
        out["published"] = self.published.isoformat() if self.published else None
        out["published_alternatives"] = [value.isoformat() for value in self.published_alternatives]
        return out


def _parse(html: str) -> etree._Element:
    html = XML_DECLARATION.sub("", html, count=1)
    # A stray </html> or </body> from a server-side include makes libxml2 drop everything after it;
    # both end tags are implied anyway.
    html = STRAY_END_TAGS.sub("", html)
    try:
        tree = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError) as err:
        raise ExtractionError(f"not parseable as HTML: {err}") from err
    if tree is None:
        raise ExtractionError("not parseable as HTML")
    return tree


def _check_html(html: str) -> None:
    if not html or not html.strip():
        raise ExtractionError("empty document")
    sample = html[:4096]
    if sample.lstrip().startswith("%PDF") or sample.count("\x00") > 8:
        raise ExtractionError("not HTML: binary content")
    if not LOOKS_LIKE_HTML.search(html[:65536]):
        raise ExtractionError("not HTML: no HTML tags found")


def _select(tree: etree._Element, css: str | None) -> list[etree._Element]:
    if not css:
        return []
    try:
        return tree.cssselect(css)
    except Exception:  # a bad selector in a seed file must not stop the crawl; the health check catches it
        return []


@dataclass
class PageScan:
    """What one pass over all elements finds: head metadata, headings and known containers."""

    page: md.PageMeta
    containers: dict[str, etree._Element]


def _scan(tree: etree._Element) -> PageScan:
    """One walk over the tree: meta tags, <title>, heading candidates and known containers' first elements."""
    meta: dict[str, str] = {}
    html_title = ""
    heading_els: list[etree._Element] = []
    hits: dict[str, etree._Element] = {}
    for el in tree.iter():
        tag = el.tag
        if not isinstance(tag, str):
            continue
        if tag == "meta":
            key = (el.get("name") or el.get("property") or el.get("itemprop") or "").strip().lower()
            value = (el.get("content") or "").strip()
            if key and value and key not in meta:
                meta[key] = value
            continue
        if tag == "title":
            if not html_title:
                html_title = tidy(el.text_content()).replace("\n", " ")
            continue
        el_id = el.get("id")
        el_class = el.get("class")
        if tag in ("h1", "h2", "h3"):
            heading_els.append(el)
        elif (el_class and "title" in el_class.lower()) or (el_id and "title" in el_id.lower()):
            heading_els.append(el)
        if el_id and el_id in BY_ID:
            hits.setdefault(BY_ID[el_id].name, el)
        if el_class:
            for token in el_class.split():
                if token in BY_CLASS:
                    hits.setdefault(BY_CLASS[token].name, el)
    headings: list[str] = []
    for el in heading_els[:80]:
        text = tidy(el.text_content()).replace("\n", " ")
        if 4 <= len(text) <= 120 and md.CHINESE.search(text) and text not in headings:
            headings.append(text)
    return PageScan(md.PageMeta(meta, html_title, headings), hits)


def _find_container(tree: etree._Element, hits: dict[str, etree._Element]) -> tuple[str, etree._Element] | None:
    """The first known CMS article container (in priority order) with enough text in it."""
    for container in CONTAINERS:
        el = hits.get(container.name)
        if el is None and container.xpath and not hits:
            found = tree.xpath(container.xpath)
            el = found[0] if found else None
        if el is None:
            continue
        # When a container class repeats (nested Custom_UnionStyle), the first (outermost) holds the whole text.
        if len("".join(el.itertext()).strip()) >= container.min_chars:
            return container.name, el
    return None


# Text-level tags that a cell's text may be split into (Word runs, font tags); a cell or a paragraph in a cell
# holding only these is one run of text. Links, images and <br> are not: trafilatura weighs links.
INLINE_RUN_TAGS = frozenset({
    "span", "font", "b", "strong", "i", "em", "u", "s", "strike", "sub", "sup", "small", "big", "ins", "del",
    "mark", "abbr", "cite", "code", "kbd", "q", "samp", "tt", "var", "label", "nobr", "o:p",
})


def _cells_flattened(tree: etree._Element) -> str | None:
    """The page with the text runs inside table cells merged into one text node each, joined as
    `element_text` joins them, serialized for trafilatura.

    trafilatura writes every inline element of a cell as its own line (王利⏎钿, 罚款⏎56⏎万元); a run that is
    one text node cannot be split. Only elements inside a cell whose children are all text-level tags are
    merged, so that a layout table's paragraphs, links and line breaks stay as they are. None when no cell
    has runs to merge (the page then goes to trafilatura as it came).
    """
    copy = deepcopy(tree)
    merged = False
    for cell in copy.iter("td", "th"):
        for el in list(cell.iter()):
            children = list(el)
            if not children or (el is not cell and el.getparent() is None):  # none, or merged into its parent
                continue
            if any(not isinstance(c.tag, str) or c.tag.lower() not in INLINE_RUN_TAGS
                   or any(True for _ in c.iterdescendants("a", "img", "br", *BLOCK_TAGS)) for c in children):
                continue
            tail, el.tail = el.tail, None  # element_text renders the tail too; it stays where it is
            text = element_text(el, in_cell=True).replace("\n", " ")
            el.tail = tail
            for child in children:
                el.remove(child)  # with its tail: the element's whole text is set below
            el.text = text
            merged = True
    return lxml.html.tostring(copy, encoding="unicode") if merged else None


def _trafilatura_text(html: str, tree: etree._Element) -> str:
    """The last resort when neither a container nor the density method found text: trafilatura, for recall."""
    import trafilatura

    return trafilatura.extract(
        _cells_flattened(tree) or html, include_tables=True, include_comments=False, favor_recall=True, deduplicate=False,
        include_images=False, include_links=False, with_metadata=False,
    ) or ""


def _attachments(root: etree._Element | None, tree: etree._Element, base: str | None) -> list[Attachment]:
    """Links to documents in the article body (or anywhere, when the body has none)."""
    out: list[Attachment] = []
    seen: set[str] = set()
    for scope in ([root] if root is not None else []) + [tree]:
        for a in scope.iter("a"):
            href = (a.get("href") or "").strip()
            if not href or href.startswith(("javascript:", "mailto:", "#")):
                continue
            label = a.text_content().strip()
            if not (ATTACHMENT_EXT.search(href) or ATTACHMENT_NAME.search(label)):
                continue
            name = tidy(label).replace("\n", " ")
            url = urljoin(base, href) if base else href
            if url in seen:
                continue
            seen.add(url)
            out.append(Attachment(name=name or url.rsplit("/", 1)[-1], url=url))
        if out:
            break
    return out


def _breadcrumb(lines: list[str]) -> str | None:
    """The breadcrumb trail among the lines above the body (当前位置：首页 > 栏目), joined when the label and
    the trail were rendered on separate lines."""
    for i, line in enumerate(lines[:80]):
        if BREADCRUMB_LABEL.search(line) and len(line) <= 200:
            trail = line if TRAIL_SEPARATOR.search(line) else " ".join(lines[i : i + 2])
            if TRAIL_SEPARATOR.search(trail):
                return trail
    return None


@dataclass
class CleanResult:
    """Lines kept after the rules, and what the rules read out of the dropped ones."""

    lines: list[str]
    date_lines: list[str]
    source_lines: list[str]
    truncated: bool
    fired: list[str]


def _norm(s: str) -> str:
    return re.sub(r"[\s\W_]+", "", s)


def _is_paragraph(line: str) -> bool:
    """Long enough and sentence-like: the head zone ends at the first such line (a title with a colon or a
    byline with fields is not one)."""
    return len(line) >= 60 or (len(line) >= 15 and bool(SENTENCE_PUNCTUATION.search(line)))


# A title printed over several lines at the top of a document (organ / 关于…的 / 决定) has at most this many.
TITLE_MAX_LINES = 4


def _title_split_over_lines(lines: list[str], title_norm: str) -> set[int]:
    """Indexes of head-zone lines that together spell the title (a heading broken over lines), if any."""
    if len(title_norm) < 4:
        return set()
    for start in range(min(HEAD_MAX_LINES, len(lines))):
        joined = ""
        for end in range(start, min(start + TITLE_MAX_LINES, len(lines))):
            joined += _norm(lines[end])
            if not title_norm.startswith(joined):
                break
            if joined == title_norm and end > start:
                return set(range(start, end + 1))
    return set()


def apply_rules(text: str, title: str | None) -> CleanResult:
    """Run the line and block rules over extracted text; returns the kept lines and what was read out."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    title_norm = _norm(title or "")
    title_lines = _title_split_over_lines(lines, title_norm)
    kept: list[str] = []
    date_lines: list[str] = []
    source_lines: list[str] = []
    fired: list[str] = []
    truncated = False
    in_head = True
    block_end = None
    block_left = 0
    n = len(lines)
    for i, line in enumerate(lines):
        if i >= HEAD_MAX_LINES:
            in_head = False
        if block_end is not None:
            block_left -= 1
            if block_end.search(line) or block_left <= 0:
                block_end = None
            continue
        started = next((b for b in BLOCK_RULES if b.start.search(line)), None)
        if started:
            fired.append(started.name)
            block_end, block_left = started.end, started.max_lines
            continue
        if i in title_lines or (title_norm and len(title_norm) >= 4 and _norm(line) == title_norm):
            fired.append("duplicate_title")
            continue
        action = None
        table_row = "\t" in line
        for rule in LINE_RULES:
            if len(line) > rule.max_len or (table_row and rule.action in (DATE_LINE, SOURCE_LINE)):
                continue
            if rule.zone == HEAD and not in_head:
                continue
            if rule.zone == TAIL and (in_head or i < n * 0.5):
                continue
            if rule.pattern.search(line):
                action = rule.action
                fired.append(rule.name)
                break
        if action == STOP:
            break
        if action == TRUNCATED:
            truncated = True
            rest = re.sub(r"[…\.。]*[（(][^()（）]*?(?:省略|未完|当前仅显示|正式会员)[^()（）]*[)）]?[…\.。]*", "", line).strip()
            if len(rest) >= 20 and not TRUNCATION_MARKERS.search(rest):
                kept.append(rest)
            continue
        if action == DROP:
            continue
        if action == DATE_LINE:
            date_lines.append(line)
            # A byline above the text goes; a date at the end is the document's signature, and a bracketed
            # date under the title is the document's own: both stay.
            if in_head and not DOCUMENT_DATE.match(line):
                continue
        if action == SOURCE_LINE:
            source_lines.append(line)
            if in_head:
                continue
        if TRUNCATION_MARKERS.search(line):
            truncated = True
        kept.append(line)
        if in_head and _is_paragraph(line):
            in_head = False
    return CleanResult(kept, date_lines, source_lines, truncated, fired)


@dataclass
class BodyChoice:
    """The article body as found by the first method that worked, and what that method saw around it."""

    raw: str  # text before the line rules
    method: str  # 'selector', a container name, 'density' or 'trafilatura'
    root: etree._Element | None  # the body element when a selector or container gave it
    scope: etree._Element | None  # where attachments are looked for first
    head_lines: list[str] = field(default_factory=list)  # lines just above the body (density method)
    page_top: str | None = None  # the page's first lines (density method)


def _choose_body(tree: etree._Element, scan: PageScan, html: str, options: ExtractOptions) -> BodyChoice:
    """Seed selector, else a known CMS container, else the density method, else trafilatura."""
    root: etree._Element | None = None
    method = ""
    chosen = _select(tree, options.body_selector)
    if chosen:
        root, method = chosen[0], "selector"
    else:
        found = _find_container(tree, scan.containers)
        if found:
            method, root = found
    raw = element_text(root, skip_hidden=False) if root is not None else ""
    # A site's own article container is trusted even when short (a one-line notice, an attachment link);
    # the other methods are tried only when there is none, or it is an empty shell.
    if root is not None and len(raw) >= MIN_CONTAINER_CHARS:
        return BodyChoice(raw, method, root, root)
    body = tree.find(".//body")
    found_d = density.main_text(body if body is not None else tree)
    choice = BodyChoice(raw, method, root, root, found_d.head_lines, found_d.page_top)
    if len(found_d.text) > len(raw):
        choice.raw, choice.method, choice.root, choice.scope = found_d.text, "density", None, found_d.node
    if len(choice.raw) < MIN_TEXT_CHARS:
        raw_t = _trafilatura_text(html, tree)
        if len(raw_t) > len(choice.raw):
            choice.raw, choice.method, choice.root = raw_t, "trafilatura", None
    return choice


def extract(
    content: bytes | str,
    url: str | None = None,
    headers: Mapping[str, str] | None = None,
    options: ExtractOptions | None = None,
) -> Extraction:
    """Clean text and metadata of one article page; raises ExtractionError when it is not an HTML page."""
    options = options or ExtractOptions()
    if isinstance(content, str):
        html, encoding = content, "unicode"
    elif isinstance(content, bytes | bytearray | memoryview):
        html, encoding = decode_html(bytes(content), headers, options.encoding)
    else:
        raise ExtractionError(f"expected bytes or str, got {type(content).__name__}")
    _check_html(html)
    # Controls never reach the tree; those that character references bring back are removed at the end.
    html = clean_html(html)
    tree = _parse(html)
    scan = _scan(tree)
    page = scan.page

    body = _choose_body(tree, scan, html, options)
    raw, method, root, scope = body.raw, body.method, body.root, body.scope
    head_lines, page_top = body.head_lines, body.page_top
    selected_title = _first_text(tree, options.title_selector)
    title = selected_title or md.choose_title(
        page,
        [ln for ln in head_lines if not _is_chrome(ln)],
        [ln for ln in raw.splitlines()[:40] if ln.strip() and not _is_chrome(ln.strip())],
    )
    if title:
        title = re.sub(r"\s+", " ", title).strip()
    head_text_cache = None
    if not head_lines and root is not None:
        head_text_cache = _head_text(tree, root)
        head_lines = head_text_cache.splitlines()[-15:]
    head_cleaned = apply_rules("\n".join(head_lines), title)
    cleaned = apply_rules(raw, title)
    body_lines = cleaned.lines
    text = "\n".join(body_lines)

    if root is not None and head_text_cache is not None:
        head_text = head_text_cache
    else:
        head_text = _head_text(tree, root, page_top)
    published = md.choose_published(
        page.meta, head_text, head_cleaned.date_lines + cleaned.date_lines, body_lines, url,
        _first_text(tree, options.date_selector),
        byline_lines=head_lines + cleaned.date_lines,
    )
    source = md.choose_source(
        page.meta,
        head_cleaned.date_lines + head_cleaned.source_lines + cleaned.date_lines + cleaned.source_lines
        + head_text.splitlines()[:60],
        _first_text(tree, options.source_selector),
    )
    doc_number = md.choose_doc_number(head_text, title, body_lines)
    organ = md.choose_organ(page.meta, head_text, title, body_lines, source, page.html_title)
    column = md.choose_column(page.meta, _breadcrumb(head_text.splitlines()))
    kind, stage = kinds.kind_and_stage(title, text, doc_number)
    script = detect_script((title or "") + text)
    # Converted whatever the script: a simplified page quoting a traditional passage reads simplified too.
    text_simplified = to_simplified(text)
    simple_title = to_simplified(title) if title else title
    if script == "traditional":
        kind, stage = kinds.kind_and_stage(simple_title, text_simplified, doc_number)
    meeting = None
    if kind == kinds.MEETING and stage is not None:
        organ_simple = to_simplified(organ) if organ else organ
        meeting = meeting_facts(stage, simple_title, text_simplified, published.value, organ_simple)
    return _safe(Extraction(
        title=title,
        published=published.value,
        published_guessed=published.guessed,
        published_alternatives=published.alternatives,
        source=source,
        organ=organ,
        doc_number=doc_number,
        column=column,
        kind=kind,
        meeting=meeting,
        truncated=cleaned.truncated,
        masked=bool(MASK_RUN.search(text)),
        encoding=encoding,
        script=script,
        text=text,
        text_simplified=text_simplified,
        attachments=_attachments(scope, tree, url),
        method=method,
    ))


def _safe(extraction: Extraction) -> Extraction:
    """Every string of the result without control characters (`&#27;` in a page decodes to one), before hashing."""
    for name in ("title", "source", "organ", "doc_number", "column"):
        setattr(extraction, name, clean_optional(getattr(extraction, name)))
    extraction.text = clean(extraction.text)
    extraction.text_simplified = clean(extraction.text_simplified)
    extraction.meeting = clean_value(extraction.meeting)
    extraction.attachments = [Attachment(clean(a.name), clean(a.url)) for a in extraction.attachments]
    return extraction


def _is_chrome(line: str) -> bool:
    """A line some line rule recognises as chrome (not a title candidate)."""
    return any(len(line) <= rule.max_len and rule.pattern.search(line) for rule in LINE_RULES)


def _first_text(tree: etree._Element, css: str | None) -> str | None:
    found = _select(tree, css)
    if not found:
        return None
    text = tidy(found[0].text_content()).replace("\n", " ")
    return text or None


def _head_text(tree: etree._Element, root: etree._Element | None, page_top: str | None = None) -> str:
    """Text of the page above the article body (title block, byline, metadata table), for metadata.

    Only what precedes the body is rendered, nearest first, within a budget: the body itself and the page
    below it are never walked again.
    """
    if root is None:
        if page_top is not None:
            return page_top
        body = tree.find(".//body")
        return element_text(body if body is not None else tree)[:HEAD_BUDGET]
    chunks: list[str] = []
    total = 0
    node = root
    while node is not None and total < HEAD_BUDGET:
        for sibling in node.itersiblings(preceding=True):
            text = element_text(sibling)
            if text:
                chunks.append(text)
                total += len(text)
            if total >= HEAD_BUDGET:
                break
        parent = node.getparent()
        if parent is not None and parent.text and parent.text.strip():
            chunks.append(parent.text.strip())
        node = parent
    return "\n".join(reversed(chunks))[-HEAD_BUDGET:]
