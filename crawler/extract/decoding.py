"""Bytes → text for Chinese pages: BOM, HTTP header, meta charset, detection, with a check for lying headers."""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping

from bs4.dammit import EncodingDetector
from w3lib.encoding import resolve_encoding

HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:\-]+)", re.I)
# Charset names resolve as browsers and Scrapy resolve them (w3lib.encoding, after the WHATWG Encoding
# Standard): gb2312/gbk are read as gb18030 (their pages use characters outside those tables: 镕, 喆 …),
# big5 as big5hkscs, latin-1 and ascii as cp1252. These labels from that standard are unknown to w3lib.
EXTRA_LABELS: dict[str, str] = {"x-gbk": "gb18030", "x-big5": "big5hkscs"}
# Declarations that servers emit by default and Chinese pages never mean: weak evidence only.
WEAK_DECLARATIONS = frozenset({"latin_1", "iso8859-1", "ascii", "cp1252", "iso8859_1", "windows-1252"})
# Share of undecodable characters a declared encoding may produce and still count as right
# (real pages carry a few broken bytes, usually at a truncation point).
MAX_BAD_SHARE = 0.002
SNIFF_BYTES = 8192


def normalize_encoding(name: str | None) -> str | None:
    """Python codec name for a declared charset (gb* → gb18030), or None if unknown."""
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    return resolve_encoding(EXTRA_LABELS.get(name, name))


def header_charset(headers: Mapping[str, str] | None) -> str | None:
    """The charset of a Content-Type header, whatever the header's case."""
    if not headers:
        return None
    for key, value in headers.items():
        key_s = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        if key_s.lower() == "content-type":
            if isinstance(value, list | tuple):
                value = value[0] if value else ""
            value_s = value.decode("latin-1") if isinstance(value, bytes) else str(value)
            m = HEADER_CHARSET.search(value_s)
            return m.group(1) if m else None
    return None


def meta_charset(content: bytes) -> str | None:
    """The charset a page declares in its own head (meta or XML declaration)."""
    # Beautiful Soup's detector knows the meta and XML declaration forms; a head longer than its default
    # window (comments and scripts before the meta are common on these sites) is searched to SNIFF_BYTES.
    return EncodingDetector.find_declared_encoding(content[:SNIFF_BYTES], is_html=True, search_entire_document=True)


def _bad_share(content: bytes, encoding: str) -> float:
    """Share of characters that could not be decoded (1.0 when the codec cannot be used at all)."""
    try:
        text = content.decode(encoding, errors="replace")
    except (LookupError, TypeError):
        return 1.0
    if not text:
        return 0.0
    return text.count("\ufffd") / len(text)


def _is_utf8(content: bytes) -> bool:
    """Valid UTF-8 (a multi-byte sequence cut by truncation at the very end is forgiven)."""
    try:
        content.decode("utf-8")
        return True
    except UnicodeDecodeError as err:
        return err.start >= len(content) - 3 and err.reason == "unexpected end of data"


def _has_high_bytes(content: bytes) -> bool:
    return any(b >= 0x80 for b in content[:65536]) or any(b >= 0x80 for b in content[65536:])


def _plausible(content: bytes, encoding: str, utf8_valid: bool) -> bool:
    """Would a reader accept this page decoded with `encoding`? Catches headers that lie."""
    if encoding in WEAK_DECLARATIONS:
        # A server default: believe it only for pure-ASCII pages.
        return not _has_high_bytes(content)
    if encoding == "utf-8":
        return utf8_valid or _bad_share(content, "utf-8") <= MAX_BAD_SHARE
    if utf8_valid and _has_high_bytes(content):
        # Multi-byte text that is also valid UTF-8 is UTF-8: GBK text is almost never valid UTF-8.
        return False
    return _bad_share(content, encoding) <= MAX_BAD_SHARE


def _detect(content: bytes) -> str | None:
    """Statistical guess (charset-normalizer), folded onto the wider Chinese codecs."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - declared dependency
        return None
    best = from_bytes(content[:65536]).best()
    return normalize_encoding(best.encoding) if best else None


def decode_html(
    content: bytes, headers: Mapping[str, str] | None = None, forced: str | None = None
) -> tuple[str, str]:
    """Decode page bytes; returns (text, codec used). Never raises on bad bytes."""
    if isinstance(content, str):
        return content, "unicode"
    content = bytes(content or b"")
    forced_codec = normalize_encoding(forced)
    if forced_codec:
        return content.decode(forced_codec, errors="replace"), forced_codec
    without_bom, bom_codec = EncodingDetector.strip_byte_order_mark(content)
    if bom_codec:
        codec = codecs.lookup(bom_codec).name
        return without_bom.decode(codec, errors="replace"), codec
    utf8_valid = _is_utf8(content)
    declared = [normalize_encoding(header_charset(headers)), normalize_encoding(meta_charset(content))]
    for codec in declared:
        if codec and _plausible(content, codec, utf8_valid):
            return content.decode(codec, errors="replace"), codec
    if utf8_valid:
        return content.decode("utf-8", errors="replace"), "utf-8"
    # Undeclared or lying: Chinese sites that are not UTF-8 are overwhelmingly GB-family. Big5 bytes often
    # decode as GB too (into nonsense), so when both decode, the statistical detector decides between them.
    if _bad_share(content, "gb18030") <= MAX_BAD_SHARE:
        if _bad_share(content, "big5hkscs") <= MAX_BAD_SHARE and _detect(content) == "big5hkscs":
            return content.decode("big5hkscs", errors="replace"), "big5hkscs"
        return content.decode("gb18030", errors="replace"), "gb18030"
    guess = _detect(content)
    if guess and guess not in WEAK_DECLARATIONS and _bad_share(content, guess) <= MAX_BAD_SHARE:
        return content.decode(guess, errors="replace"), guess
    if _bad_share(content, "utf-8") <= _bad_share(content, "gb18030"):
        return content.decode("utf-8", errors="replace"), "utf-8"
    return content.decode("gb18030", errors="replace"), "gb18030"
