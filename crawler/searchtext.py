"""Pure helpers of full-text search: the bigram tokens of the short-term index, and the matched passage."""

from __future__ import annotations

from dataclasses import dataclass

# FTS5's trigram tokenizer matches substrings of three characters or more; shorter terms use the bigram index.
TRIGRAM_MIN = 3
MIN_TERM = 2
PASSAGE_WIDTH = 40  # characters of context on each side of the match


def fold(text: str) -> str:
    """What search compares: case folded (trigram FTS5 and ILIKE fold ASCII case the same way)."""
    return text.casefold()


def bigram_tokens(text: str) -> str:
    """Every pair of adjacent non-space characters as one ASCII token ("环境" → "73afx5883").

    Hex code points joined by 'x' are plain word tokens for FTS5's unicode61 tokenizer, which would otherwise
    split pairs that contain punctuation; 'x' is no hex digit, so each token names exactly one pair.
    """
    folded = fold(text)
    tokens = [
        f"{ord(a):x}x{ord(b):x}" for a, b in zip(folded, folded[1:], strict=False) if not a.isspace() and not b.isspace()
    ]
    return " ".join(tokens)


def check_term(term: str) -> str:
    """The stripped term, or ValueError with a reason people can act on."""
    term = term.strip()
    if len(term) < MIN_TERM:
        raise ValueError(f"search for at least {MIN_TERM} characters")
    return term


def fts_phrase(term: str) -> str:
    """A term as one FTS5 phrase (double quotes doubled), so its punctuation is never query syntax."""
    return '"' + term.replace('"', '""') + '"'


@dataclass(frozen=True)
class Passage:
    """The matched passage: text before, the match itself, text after (each shown as is, the match marked)."""

    before: str
    match: str
    after: str

    def marked(self, start: str = "[", end: str = "]") -> str:
        return f"{self.before}{start}{self.match}{end}{self.after}"


def passage(text: str, term: str, width: int = PASSAGE_WIDTH) -> Passage | None:
    """The first place `term` occurs in `text` (case folded), with up to `width` characters either side."""
    index = fold(text).find(fold(term))
    if index < 0:
        return None
    end = index + len(term)
    start, stop = max(0, index - width), min(len(text), end + width)
    before = ("…" if start else "") + text[start:index]
    after = text[end:stop] + ("…" if stop < len(text) else "")
    return Passage(before.replace("\n", " "), text[index:end], after.replace("\n", " "))
