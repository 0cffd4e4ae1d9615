"""Chinese script detection (simplified or traditional) and traditional→simplified conversion via OpenCC.

OpenCC is the official C++ binding (`opencc`): 20-80× the t2s speed of the pure-Python reimplementation
with the same output on the benchmark's corpus and tricky phrases (benchmarks/bench_opencc.py).
"""

from __future__ import annotations

import re
from functools import lru_cache

from opencc import OpenCC

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
# Share of Han characters that are traditional-only forms above which a text counts as traditional.
# Simplified text has a few such characters at most (著, 乾 in names), far below this.
TRADITIONAL_SHARE = 0.04
SAMPLE_CHARS = 4000
# Where t2s can change a character on its own: CJK unified ideographs, extension A, compatibility
# ideographs, and the astral extensions (the binding ships compiled dictionaries, not text tables).
HAN_BLOCKS = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F))


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    """One converter per process: loading OpenCC's dictionaries is the expensive part."""
    return OpenCC("t2s")


@lru_cache(maxsize=1)
def traditional_chars() -> frozenset[str]:
    """Characters that t2s changes on their own (traditional-only forms), read off the converter itself."""
    chars = [chr(code) for first, last in HAN_BLOCKS for code in range(first, last + 1)]
    # One call, one character per line: no phrase can span two of them. ~10 ms, once per process.
    converted = _t2s().convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # a converter that joined or split lines: go one by one
        converted = [_t2s().convert(char) for char in chars]
    return frozenset(char for char, simple in zip(chars, converted, strict=True) if simple != char)


def to_simplified(text: str) -> str:
    """Traditional → simplified. Text without a single traditional-only character is simplified already and
    comes back as is, cheaply (phrase-only conversions such as 回覆 → 回复 need a traditional context)."""
    if not text:
        return text or ""
    trad = traditional_chars()
    if trad.isdisjoint(text):
        return text
    # Only the lines that need it go through OpenCC (pure Python, the slow part): a simplified page quoting
    # one traditional line costs one line.
    converter = _t2s()
    return "\n".join(converter.convert(line) if not trad.isdisjoint(line) else line for line in text.split("\n"))


def detect_script(text: str) -> str:
    """'traditional' when a noticeable share of the Han characters are traditional-only forms."""
    sample = HAN.findall(text or "")[:SAMPLE_CHARS]
    if not sample:
        return "simplified"
    trad = traditional_chars()
    count = sum(1 for c in sample if c in trad)  # per character: the share matters, not just presence
    return "traditional" if count >= 2 and count / len(sample) >= TRADITIONAL_SHARE else "simplified"
