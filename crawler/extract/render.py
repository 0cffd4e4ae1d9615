"""An lxml element → text: one paragraph per line, table rows as lines, scripts and hidden chrome skipped."""

from __future__ import annotations

import re

from lxml import etree

# Elements whose content is never text a reader sees.
SKIP_TAGS = frozenset({
    "script", "style", "noscript", "template", "iframe", "object", "embed", "select", "option", "button",
    "input", "textarea", "svg", "canvas", "head", "title", "meta", "link", "map", "area", "video", "audio",
})
# Elements that start a new line before and after their content.
BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "header", "footer", "aside", "nav", "main", "ul", "ol", "li", "dl", "dt",
    "dd", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tfoot", "tr", "caption", "blockquote",
    "pre", "center", "form", "fieldset", "figure", "figcaption", "address", "hr", "html", "body", "details",
    "summary", "legend",
})
CELL_TAGS = frozenset({"td", "th"})
HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
SPACES = re.compile(r"[ \r\f\v\u00a0\u2002\u2003\u2009\u200b\u3000\ufeff]+")
# Cells of a table row are separated by a tab: the row stays one line, and line rules can tell a row of a
# data table from a byline.
CELL_SEPARATOR = "\t"
TABS = re.compile(r" *\t[\t ]*")
NEWLINES = re.compile(r"\s*\n\s*")
# Inside a text node a newline is just a space, as in a browser (pre-formatted text keeps its lines).
SOURCE_WHITESPACE = re.compile(r"[\s\u3000]*[\r\n][\s\u3000]*")
MAX_DEPTH = 300
# Inside a table cell a line break in the source is a soft space until the cell is assembled. Between two
# CJK characters it is layout and goes (Word's HTML export wraps a cell's text anywhere; a name split into
# runs `<span>王利</span>⏎<span>钿</span>` reads 王利钿), as CSS Text 3's segment break rule has it for wide
# characters; elsewhere (PM2.5⏎浓度, 2024⏎年) it stays one space. Spaces typed in the text (' ', &nbsp;, 　)
# are kept: they separate fields of a byline cell (来源：…&nbsp;&nbsp;发布时间：…). Block elements and <br>
# inside a cell are real breaks and always leave a space. The marker is a control character, so it is never
# page text (crawler/textsafe.clean_html removed them before parsing).
SOFT_SPACE = "\x1a"
CJK_CHARS = (
    "\u2e80-\u2fdf\u3001-\u303f\u3040-\u30ff\u3100-\u312f\u31a0-\u31bf\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\ufe10-\ufe1f\ufe30-\ufe4f\uff01-\uff60\uffe0-\uffe6\U00020000-\U0003134f"
)
SOFT_BETWEEN_CJK = re.compile(f"(?<=[{CJK_CHARS}]){SOFT_SPACE}+(?=[{CJK_CHARS}])")


def is_hidden(el: etree._Element) -> bool:
    """Hidden by inline style or the hidden attribute (JS-filled blocks, mobile copies)."""
    style = el.get("style")
    return el.get("hidden") is not None or bool(style and HIDDEN_STYLE.search(style))


def soft_space(value: str) -> str:
    """Source line breaks of text inside a table cell as soft spaces (resolved by `join_soft_spaces`)."""
    return SOURCE_WHITESPACE.sub(SOFT_SPACE, value)


def join_soft_spaces(text: str) -> str:
    """Soft spaces between two CJK characters removed, the others made plain spaces."""
    if SOFT_SPACE not in text:
        return text
    return SOFT_BETWEEN_CJK.sub("", text).replace(SOFT_SPACE, " ")


def element_text(root: etree._Element, skip_hidden: bool = True, in_cell: bool = False) -> str:
    """Readable text of an element, block elements on their own lines, cells of a row on one line.

    `in_cell`: `root` is inside a table cell (its text is joined as a cell's).
    """
    parts: list[str] = []

    def text_of(value: str | None, pre: bool, in_cell: bool = False) -> str:
        if not value:
            return ""
        if pre:
            return value
        return soft_space(value) if in_cell else SOURCE_WHITESPACE.sub(" ", value)

    def walk(el: etree._Element, depth: int, in_cell: bool = False, pre: bool = False) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        tag = tag.lower().rpartition("}")[2]
        if not tag or tag in SKIP_TAGS or (skip_hidden and is_hidden(el)) or depth > MAX_DEPTH:
            if depth > MAX_DEPTH and tag:
                parts.append(" ".join(el.itertext()))
            parts.append(text_of(el.tail, pre, in_cell))
            return
        # Inside a table cell, blocks and line breaks only separate words: a row stays one line.
        block = tag in BLOCK_TAGS and not (in_cell and tag not in ("table", "tr"))
        if block:
            parts.append("\n")
        elif tag == "br" or (in_cell and tag in BLOCK_TAGS):
            parts.append(" " if in_cell else "\n")
        elif tag in CELL_TAGS:
            parts.append(CELL_SEPARATOR)
        in_pre = pre or tag == "pre"
        child_in_cell = (in_cell or tag in CELL_TAGS) and tag != "table"
        parts.append(text_of(el.text, in_pre, child_in_cell))
        for child in el:
            walk(child, depth + 1, child_in_cell, in_pre)
        if block:
            parts.append("\n")
        elif tag in CELL_TAGS:
            parts.append(CELL_SEPARATOR)
        elif in_cell and tag in BLOCK_TAGS:
            parts.append(" ")
        parts.append(text_of(el.tail, pre, in_cell))

    walk(root, 0, in_cell)
    return tidy(join_soft_spaces("".join(parts)))


def tidy(text: str) -> str:
    """Fold spaces, strip each line, drop empty lines."""
    text = TABS.sub("\t", SPACES.sub(" ", text))
    return "\n".join(line.strip(" \t") for line in NEWLINES.split(text) if line.strip())
