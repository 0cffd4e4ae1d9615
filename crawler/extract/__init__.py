"""Pure extraction: decoding, containers, line rules, dates, metadata and kind of government article pages."""

from __future__ import annotations

from crawler.extract.core import (
    Attachment,
    Extraction,
    ExtractionError,
    ExtractOptions,
    apply_rules,
    extract,
)
from crawler.extract.decoding import decode_html

__all__ = [
    "Attachment",
    "ExtractOptions",
    "Extraction",
    "ExtractionError",
    "apply_rules",
    "decode_html",
    "extract",
]
