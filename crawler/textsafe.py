"""Text safe in every output: control characters (but tab and newline), surrogates and noncharacters removed.

A government page may carry an ESC, a NUL or a C1 control (pasted from Word, mis-decoded GBK, a `&#27;`
reference). Stored as is, such a character makes an Atom feed invalid XML 1.0, a CSV unreadable (NUL) and
a lone surrogate cannot even be encoded to UTF-8. None of them is something a reader sees, so they are
removed once, where text enters the project (extraction, before hashing), and again wherever text leaves
it (feeds, exports), so that a row stored before this rule existed cannot break an output either.
"""

from __future__ import annotations

import re
from typing import Any

# C0 controls except tab (09) and newline (0A); DEL and the C1 controls; UTF-16 surrogates (only ever
# lone in a Python str); the noncharacters U+FDD0..U+FDEF and U+xFFFE/U+xFFFF of every plane.
_NONCHARACTERS = "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17))
UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef{_NONCHARACTERS}]")
# HTML's own newline normalization (CR LF and lone CR are LF) and its whitespace form feed, applied to a
# page before parsing so that removing the controls never glues two words or two lines together.
_HTML_NEWLINES = re.compile(r"\r\n?")


def has_unsafe(text: str) -> bool:
    """True when `text` holds a character that `clean` would remove."""
    return UNSAFE.search(text) is not None


def clean(text: str) -> str:
    """`text` without control characters (tab and newline kept), surrogates and noncharacters."""
    return UNSAFE.sub("", text) if UNSAFE.search(text) else text


def clean_optional(text: str | None) -> str | None:
    """`clean` for a value that may be absent."""
    return None if text is None else clean(text)


def clean_html(html: str) -> str:
    """A decoded page ready for parsing: newlines normalized as HTML does, form feeds as spaces, then `clean`."""
    return clean(_HTML_NEWLINES.sub("\n", html).replace("\x0c", " "))


def clean_value(value: Any) -> Any:
    """Every string inside a JSON-like value (dicts, lists, keys too) cleaned; other values unchanged."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {clean_value(key): clean_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(clean_value(item) for item in value)
    return value
