"""Extraction benchmark: F1 and boilerplate leaks of our extractor side by side with trafilatura, GNE and
readability on ../shared/extraction-dev/{gov,news}, and pages/s of ours against bare trafilatura.extract.

Run with `make bench-extract` (GNE and readability-lxml come from the optional `bench` extra). The scoring
is the yardstick's own (`../shared/tools/extract_eval.py`, imported, not copied) when it is there.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.extract import decode_html, extract  # noqa: E402

SHARED = Path(os.environ.get("GOVWATCH_SHARED", ROOT.parent / "shared"))
DEV = SHARED / "extraction-dev"
SUBSETS = ("gov", "news")
WHITESPACE = re.compile(r"\s+")


def _own_prf(gold: str, out: str) -> tuple[float, float, float]:
    """Character-bigram P/R/F1 after NFKC and whitespace removal (the yardstick's definition)."""

    def grams(s: str) -> collections.Counter:
        s = WHITESPACE.sub("", unicodedata.normalize("NFKC", s or ""))
        return collections.Counter(s[i : i + 2] for i in range(len(s) - 1))

    g, o = grams(gold), grams(out)
    if not g and not o:
        return 1.0, 1.0, 1.0
    inter = sum((g & o).values())
    p = inter / sum(o.values()) if o else 0.0
    r = inter / sum(g.values()) if g else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _yardstick() -> tuple[Callable[[str, str], tuple[float, float, float]], Callable[[str, str], int] | None]:
    """The shared yardstick's prf and leaks when present; otherwise our prf and no leak count."""
    tools = SHARED / "tools"
    if (tools / "extract_eval.py").exists():
        sys.path.insert(0, str(tools))
        try:
            import extract_eval

            return extract_eval.prf, extract_eval.leaks
        finally:
            sys.path.pop(0)
    return _own_prf, None


def _anchors() -> dict[str, Callable[[str], str]]:
    """The anchor extractors that are installed, each taking decoded HTML."""
    anchors: dict[str, Callable[[str], str]] = {}
    import trafilatura

    anchors["trafilatura"] = lambda html: trafilatura.extract(html, include_tables=True) or ""
    try:
        from gne import GeneralNewsExtractor

        def gne(html: str) -> str:
            try:
                return GeneralNewsExtractor().extract(html).get("content", "") or ""
            except Exception:
                return ""

        anchors["gne"] = gne
    except ImportError:
        print("gne not installed: `make bench-extract` installs the bench extra", file=sys.stderr)
    try:
        import lxml.html
        from readability import Document

        def readability(html: str) -> str:
            try:
                return lxml.html.fromstring(Document(html).summary()).text_content()
            except Exception:
                return ""

        anchors["readability"] = readability
    except ImportError:
        print(
            "readability-lxml not installed: `make bench-extract` installs the bench extra", file=sys.stderr
        )
    return anchors


def load(subset: str) -> list[tuple[str, bytes, str]]:
    """(name, raw bytes, gold text) for every page of a subset."""
    folder = DEV / subset
    out = []
    for html in sorted(folder.glob("*.html")):
        gold = html.with_suffix(".txt")
        if gold.exists():
            out.append((html.name, html.read_bytes(), gold.read_text(encoding="utf-8")))
    return out


def score(pages: list[tuple[str, bytes, str]], anchors: dict[str, Callable[[str], str]]) -> None:
    """One row per tool: macro P/R/F1 and leaked boilerplate lines."""
    prf, leaks = _yardstick()
    decoded = [decode_html(raw)[0] for _, raw, _ in pages]
    tools: dict[str, Callable[[int], str]] = {"project": lambda i: extract(pages[i][1]).text}
    for name, fn in anchors.items():
        tools[name] = lambda i, fn=fn: fn(decoded[i])
    for name, run in tools.items():
        t0 = time.perf_counter()
        outs = [run(i) for i in range(len(pages))]
        seconds = time.perf_counter() - t0
        scores = [prf(gold, out) for (_, _, gold), out in zip(pages, outs, strict=True)]
        n = len(scores) or 1
        p, r, f = (sum(s[k] for s in scores) / n for k in range(3))
        leaked = (
            sum(leaks(gold, out) for (_, _, gold), out in zip(pages, outs, strict=True)) if leaks else "n/a"
        )
        print(f"  {name:12s} n={len(pages):3d} P={p:.3f} R={r:.3f} F1={f:.3f} leaks={leaked} {seconds:.2f}s")


def speed(pages: list[tuple[str, bytes, str]], rounds: int) -> None:
    """Pages/s of our extract (from bytes, decoding included) against bare trafilatura on decoded pages."""
    import trafilatura

    raws = [raw for _, raw, _ in pages]
    decoded = [decode_html(raw)[0] for raw in raws]
    extract(raws[0])
    trafilatura.extract(decoded[0])
    ours, theirs = [], []
    for _ in range(rounds):  # interleaved, so that machine load hits both alike
        t0 = time.perf_counter()
        for raw in raws:
            extract(raw)
        ours.append(len(raws) / (time.perf_counter() - t0))
        t0 = time.perf_counter()
        for html in decoded:
            trafilatura.extract(html, include_tables=True)
        theirs.append(len(raws) / (time.perf_counter() - t0))
    o, t = statistics.median(ours), statistics.median(theirs)
    print(f"  project      {o:7.1f} pages/s (median of {rounds})")
    print(f"  trafilatura  {t:7.1f} pages/s (bare trafilatura.extract on the decoded pages)")
    print(f"  ratio        {o / t:7.2f}x")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5, help="speed rounds (median reported)")
    ap.add_argument("--no-anchors", action="store_true", help="score the project only")
    args = ap.parse_args()
    if not DEV.is_dir():
        print(
            f"bench-extract: {DEV} not found; it needs ../shared/extraction-dev (set GOVWATCH_SHARED to "
            "point elsewhere). Nothing measured.",
            file=sys.stderr,
        )
        return 2
    anchors = {} if args.no_anchors else _anchors()
    everything: list[tuple[str, bytes, str]] = []
    for subset in SUBSETS:
        pages = load(subset)
        if not pages:
            continue
        everything += pages
        print(f"{subset}:")
        score(pages, anchors)
    if not everything:
        print(f"bench-extract: no <id>.html + <id>.txt pairs under {DEV}", file=sys.stderr)
        return 2
    print(f"speed ({len(everything)} pages):")
    speed(everything, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
