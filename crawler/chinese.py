"""Chinese script detection (simplified or traditional) and traditional→simplified conversion via OpenCC."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import opencc
from opencc import OpenCC

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
# Share of Han characters that are traditional-only forms above which a text counts as traditional.
# Simplified text has a few such characters at most (著, 乾 in names), far below this.
TRADITIONAL_SHARE = 0.04
SAMPLE_CHARS = 4000
DICTIONARY_DIR = Path(opencc.__file__).parent / "dictionary"


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    """One converter per process: loading OpenCC's dictionaries is the expensive part."""
    return OpenCC("t2s")


@lru_cache(maxsize=1)
def traditional_chars() -> tuple[frozenset[str], frozenset[str]]:
    """Characters that t2s changes: traditional-only forms, plus those changed only inside phrases (覆 in 回覆)."""
    chars: set[str] = set()
    with open(DICTIONARY_DIR / "TSCharacters.txt", encoding="utf-8") as fh:
        for line in fh:
            key, _, values = line.rstrip("\n").partition("\t")
            if key and values and values.split(" ")[0] != key:
                chars.add(key)
    phrase_chars: set[str] = set()
    with open(DICTIONARY_DIR / "TSPhrases.txt", encoding="utf-8") as fh:
        for line in fh:
            key, _, values = line.rstrip("\n").partition("\t")
            value = values.split(" ")[0]
            if len(key) == len(value):
                phrase_chars.update(k for k, v in zip(key, value, strict=True) if k != v)
    return frozenset(chars), frozenset(phrase_chars - chars)


def to_simplified(text: str) -> str:
    """Traditional → simplified. Text without a single traditional-only character is simplified already and
    comes back as is, cheaply (phrase-only conversions such as 回覆 → 回复 need a traditional context)."""
    if not text:
        return text or ""
    trad, _ = traditional_chars()
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
    trad, _ = traditional_chars()
    count = sum(1 for c in sample if c in trad)  # per character: the share matters, not just presence
    return "traditional" if count >= 2 and count / len(sample) >= TRADITIONAL_SHARE else "simplified"
