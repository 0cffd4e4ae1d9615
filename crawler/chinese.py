"""Chinese script detection (simplified or traditional) and traditional→simplified conversion via OpenCC."""

from __future__ import annotations

import re
from functools import lru_cache

from opencc import OpenCC

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
# Share of Han characters that t2s changes above which a text counts as traditional. Simplified text is
# changed by t2s only on a handful of ambiguous characters, far below this.
TRADITIONAL_SHARE = 0.04
# Enough Han characters to judge; fewer are judged on whatever is there.
SAMPLE_CHARS = 4000


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    """One converter per process: loading OpenCC's dictionaries is the expensive part."""
    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → simplified; simplified text comes back unchanged."""
    if not text:
        return text or ""
    return _t2s().convert(text)


def detect_script(text: str) -> str:
    """'traditional' when a noticeable share of the Han characters are traditional forms, else 'simplified'."""
    sample = "".join(HAN.findall(text or "")[:SAMPLE_CHARS])
    if not sample:
        return "simplified"
    converted = to_simplified(sample)
    if len(converted) != len(sample):  # phrase conversions can change length; compare by position anyway
        changed = sum(1 for a, b in zip(sample, converted, strict=False) if a != b)
    else:
        changed = sum(1 for a, b in zip(sample, converted, strict=True) if a != b)
    return "traditional" if changed >= 2 and changed / len(sample) >= TRADITIONAL_SHARE else "simplified"
