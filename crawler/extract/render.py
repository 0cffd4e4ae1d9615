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


def is_hidden(el: etree._Element) -> bool:
    """Hidden by inline style or the hidden attribute (JS-filled blocks, mobile copies)."""
    style = el.get("style")
    return el.get("hidden") is not None or bool(style and HIDDEN_STYLE.search(style))


def element_text(root: etree._Element, skip_hidden: bool = True) -> str:
    """Readable text of an element, block elements on their own lines, cells of a row on one line."""
    parts: list[str] = []

    def text_of(value: str | None, pre: bool) -> str:
        if not value:
            return ""
        return value if pre else SOURCE_WHITESPACE.sub(" ", value)

    def walk(el: etree._Element, depth: int, in_cell: bool = False, pre: bool = False) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        tag = tag.lower().rpartition("}")[2]
        if not tag or tag in SKIP_TAGS or (skip_hidden and is_hidden(el)) or depth > MAX_DEPTH:
            if depth > MAX_DEPTH and tag:
                parts.append(" ".join(el.itertext()))
            parts.append(text_of(el.tail, pre))
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
        parts.append(text_of(el.text, in_pre))
        child_in_cell = (in_cell or tag in CELL_TAGS) and tag != "table"
        for child in el:
            walk(child, depth + 1, child_in_cell, in_pre)
        if block:
            parts.append("\n")
        elif tag in CELL_TAGS:
            parts.append(CELL_SEPARATOR)
        elif in_cell and tag in BLOCK_TAGS:
            parts.append(" ")
        parts.append(text_of(el.tail, pre))

    walk(root, 0)
    return tidy("".join(parts))


def tidy(text: str) -> str:
    """Fold spaces, strip each line, drop empty lines."""
    text = TABS.sub("\t", SPACES.sub(" ", text))
    return "\n".join(line.strip(" \t") for line in NEWLINES.split(text) if line.strip())
