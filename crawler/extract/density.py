"""The general method for pages without a known container: the subtree where article text outweighs chrome.

Every visible line of the page is weighed: punctuated, link-poor text counts for its length, link lists and
short unpunctuated chrome count against. The element whose lines weigh most is the article body (a
maximum-weight subtree), and inside it, link lists and leading/trailing chrome lines are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from crawler.extract.render import BLOCK_TAGS, CELL_TAGS, SKIP_TAGS, is_hidden, join_soft_spaces, soft_space
from crawler.extract.rules import DOCUMENT_DATE, is_byline, is_chrome

PUNCTUATION = re.compile(r"[，。；！？、：,;!?“”]")
SENTENCE_END = re.compile(r"[。！？!?；;]")
NON_SPACE = re.compile(r"\S")
# Class/id words of chrome blocks and of article blocks (weights shift a block's lines, never decide alone).
NEGATIVE_HINT = re.compile(
    r"comment|footer|\bfoot|\bnav|menu|sidebar|\bside|banner|\bads?\b|advert|share|related|recommend|copyright|"
    r"breadcrumb|crumb|toolbar|\bhot|rank|login|search|friend|pager|pagination|\blinks?\b|tags?\b|weibo|qrcode",
    re.I,
)
POSITIVE_HINT = re.compile(r"article|content|\bbody|\btext|\bmain|zoom|detail|\bpost|entry|\bzw\b|endtext", re.I)
MAX_DEPTH = 300
ALL_SPACE = re.compile(r"[\s\u00a0\u2002\u2003\u2009\u200b\u3000\ufeff]+")


@dataclass
class Line:
    """One visible line: its nearest block owner (by document order index), its text and link characters."""

    owner: int
    text: str
    chars: int
    link_chars: int
    weight: float = 0.0
    data_row: bool = False  # a row of a data table (its cells joined): content even without punctuation


def _weigh(line: Line, hint: float) -> float:
    plain = line.chars - line.link_chars
    density = line.link_chars / line.chars if line.chars else 1.0
    punct = len(PUNCTUATION.findall(line.text))
    if plain >= 10 and density < 0.5 and (punct >= 1 or plain >= 40):
        return plain * (1.0 - density) * (1.0 + min(punct, 10) / 20.0) + hint
    if line.data_row and plain >= 4 and density < 0.5 and not is_byline(line.text.replace("\t", " ")):
        # Names, document numbers and amounts in cells carry no sentence punctuation, yet a table of them
        # (a penalty disclosure, an approvals list) is the whole article.
        return plain * (1.0 - density) + hint
    return -0.6 * line.chars + min(hint, 0.0)


DATA_ROW_MAX_CHARS = 400
CELL_BREAK = "\x1f"  # marks a cell boundary in a row's text until the line is flushed (unit separator)


def is_data_row(tr: etree._Element) -> bool:
    """A table row of a data table: two or more cells, no nested tables, a few hundred characters at most."""
    cells = [c for c in tr if isinstance(c.tag, str) and c.tag.lower() in CELL_TAGS]
    if len(cells) < 2 or any(True for _ in tr.iter("table")):
        return False
    return len("".join(tr.itertext()).strip()) <= DATA_ROW_MAX_CHARS


# A table is a data table (a penalty disclosure, an approvals list) from this many data rows on; a one-row
# table is page layout (a byline with its date and source cells, a button bar).
DATA_TABLE_MIN_ROWS = 2


def in_data_table(tr: etree._Element, sizes: dict[etree._Element, int]) -> bool:
    """Whether the row's table has enough data rows to be a table of data rather than layout."""
    table = next((a for a in tr.iterancestors() if a.tag == "table"), None)
    if table is None:
        return False
    if table not in sizes:
        rows = (row for row in table.iter("tr") if next(row.iterancestors("table"), None) is table)
        sizes[table] = sum(1 for row in rows if is_data_row(row))
    return sizes[table] >= DATA_TABLE_MIN_ROWS


def collect_lines(root: etree._Element) -> tuple[list[Line], list[etree._Element], dict[int, int]]:
    """All visible lines of `root` in document order; the elements by index; each element's parent index."""
    elements: list[etree._Element] = []
    parent_of: dict[int, int] = {}
    lines: list[Line] = []
    buf: list[str] = []
    link_buf = [0]
    owner_stack: list[int] = []
    data_rows: set[int] = set()  # indexes of the rows of data tables (each row is one line)
    table_sizes: dict[etree._Element, int] = {}  # data rows per table, counted once per table

    def flush() -> None:
        # str.split() knows every Unicode space (nbsp, 　); a data row's cells stay apart, tab-separated, as
        # the container method renders them.
        cells = (" ".join(join_soft_spaces(cell).split()) for cell in "".join(buf).split(CELL_BREAK))
        text = "\t".join(cell for cell in cells if cell)
        if text and owner_stack:
            chars = len(text) - text.count(" ") - text.count("\t")
            owner = owner_stack[-1]
            lines.append(Line(owner, text, chars, min(link_buf[0], chars), data_row=owner in data_rows))
        buf.clear()
        link_buf[0] = 0

    def add(text: str | None, in_link: bool, in_pre: bool = False, in_row: bool = False) -> None:
        if not text:
            return
        if in_pre and "\n" in text:  # pre-formatted text keeps its lines
            first, *rest = text.split("\n")
            add(first, in_link)
            for part in rest:
                flush()
                add(part, in_link)
            return
        if in_link:
            link_buf[0] += len("".join(text.split()))
        # In a row, line breaks of the source are soft: gone between two CJK characters (render.py).
        buf.append(soft_space(text) if in_row and not in_pre else text)

    def walk(
        el: etree._Element, depth: int, parent_idx: int, in_link: bool, in_pre: bool = False, in_row: bool = False
    ) -> None:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if not tag or tag in SKIP_TAGS or is_hidden(el) or depth > MAX_DEPTH:
            add(el.tail, in_link, in_pre, in_row)
            return
        idx = len(elements)
        elements.append(el)
        parent_of[idx] = parent_idx
        # A row of a data table is one line: its cells, and the paragraphs inside them, are words of it. Any
        # other block starts a new line (a layout table's cell holds whole paragraphs of its own).
        row = in_row or (tag == "tr" and is_data_row(el))
        if row and not in_row and in_data_table(el, table_sizes):
            data_rows.add(idx)
        block = tag in BLOCK_TAGS and not (in_row and tag != "tr")
        # Inside a row only cells, blocks and <br> separate words; inline elements (a name split into runs,
        # <span>王利</span><span>钿</span>, 罚款<span>56</span>万元) join their neighbours as a browser shows them.
        separates = tag in CELL_TAGS or tag in BLOCK_TAGS or tag == "br"
        if block or (tag == "br" and not in_row):
            flush()
        elif tag in CELL_TAGS and in_row and owner_stack[-1] in data_rows:
            buf.append(CELL_BREAK)
        elif separates:
            buf.append(" ")
        if block:
            owner_stack.append(idx)
        link = in_link or tag == "a"
        pre = in_pre or tag == "pre"
        add(el.text, link, pre, row)
        for child in el:
            walk(child, depth + 1, idx, link, pre, row)
        if block:
            flush()
            owner_stack.pop()
        elif in_row and separates:
            buf.append(" ")
        add(el.tail, in_link, in_pre, in_row)

    owner_stack.append(0)
    walk(root, 0, -1, False)
    flush()
    return lines, elements, parent_of


def _hint(el: etree._Element) -> float:
    attrs = f"{el.get('class', '')} {el.get('id', '')}"
    if not attrs.strip():
        return 0.0
    weight = 0.0
    if NEGATIVE_HINT.search(attrs):
        weight -= 25.0
    if POSITIVE_HINT.search(attrs):
        weight += 10.0
    return weight


@dataclass
class DensityResult:
    """The article text, and the lines just above it (title, byline) for metadata."""

    text: str
    head_lines: list[str]
    page_top: str = ""  # the page's first lines, whatever they are (labelled metadata is searched there)
    node: etree._Element | None = None  # the element chosen as the article body


# Lines that close an official document (the closing formula 特此通知。, the signatory organ, the date) or
# open it (document number): kept at the edges of the body even though they are short and unpunctuated.
SIGNATURE_LINE = re.compile(
    r"^(?:[\u4e00-\u9fff（）()]{2,30}(?:部|厅|廳|局|委|委员会|委員會|政府|办公厅|辦公廳|办公室|辦公室|党组|黨組|中心|院|会|會|署)|"
    r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|[〇○零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}日|"
    r"(?:特此|此复|此復|专此|專此)[\u4e00-\u9fff]{0,4}[。.！!]?)$"
)
DOC_NUMBER_LINE = re.compile(r"^[（(]?[\u4e00-\u9fff]{1,14}[〔\[［(（【]\d{4}[〕\]］)）】]\d{1,5}[号號][）)]?$")
# Most lines a signature block adds after the last paragraph (closing formula, organ(s), date).
SIGNATURE_MAX_LINES = 4
# 同志们： / 各设区市生态环境局： — the addressee line that opens a speech or a notice.
SALUTATION = re.compile(r"^[\u4e00-\u9fff、，,（）()]{2,40}[:：]$")
HEAD_LINES = 15
CHROME_CHECK_CHARS = 300
PAGE_TOP_CHARS = 6000


def main_text(root: etree._Element) -> DensityResult:
    """The article text of a page with no known container ('' when nothing article-like is found)."""
    lines, elements, parent_of = collect_lines(root)
    if not lines:
        return DensityResult("", [])
    top: list[str] = []
    size = 0
    for line in lines:
        if size >= PAGE_TOP_CHARS:
            break
        top.append(line.text)
        size += len(line.text) + 1
    page_top = "\n".join(top)[:PAGE_TOP_CHARS]
    hints: dict[int, float] = {}
    totals: dict[int, float] = {}
    for line in lines:
        hint = 0.0
        idx = line.owner
        steps = 0
        while idx >= 0 and steps < 6:
            if idx not in hints:
                hints[idx] = _hint(elements[idx])
            hint += hints[idx]
            idx = parent_of.get(idx, -1)
            steps += 1
        line.weight = _weigh(line, hint)
        if line.weight > 0 and line.chars <= CHROME_CHECK_CHARS and is_chrome(line.text):
            line.weight = -line.chars  # a copyright statement or byline is long and punctuated, but chrome
        idx = line.owner
        while idx >= 0:
            totals[idx] = totals.get(idx, 0.0) + line.weight
            idx = parent_of.get(idx, -1)
    best = max(totals, key=lambda i: totals[i])
    if totals[best] <= 0:
        return DensityResult("", [line.text for line in lines[:HEAD_LINES]], page_top)
    last = best
    for i in range(best + 1, len(elements)):
        # Descendants of `best` follow it in document order until an element whose ancestry leaves it.
        j = i
        while j > best:
            j = parent_of.get(j, -1)
        if j != best:
            break
        last = i
    inside = [line for line in lines if best <= line.owner <= last]
    good = [k for k, line in enumerate(inside) if line.weight > 0]
    if not good:
        return DensityResult("", [line.text for line in lines[:HEAD_LINES]], page_top)
    first, end = good[0], good[-1] + 1
    while first > 0 and (
        DOC_NUMBER_LINE.match(inside[first - 1].text.replace(" ", ""))
        or SALUTATION.match(inside[first - 1].text)
        or DOCUMENT_DATE.match(inside[first - 1].text)
    ):
        first -= 1
    while (
        end < len(inside)
        and end - good[-1] <= SIGNATURE_MAX_LINES
        and SIGNATURE_LINE.match(inside[end].text.replace(" ", ""))
    ):
        end += 1
    start_pos = next(k for k, line in enumerate(lines) if line is inside[first])
    head_lines = [line.text for line in lines[max(0, start_pos - HEAD_LINES) : start_pos]]
    kept = []
    for line in inside[first:end]:
        density = line.link_chars / line.chars if line.chars else 1.0
        if density >= 0.5 and line.chars > 2:
            continue
        kept.append(line.text)
    return DensityResult("\n".join(kept), head_lines, page_top, elements[best])
