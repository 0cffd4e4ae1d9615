"""Against ../shared when present: dev-set scores and the seed documents rendered as simple pages."""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import pytest

from crawler.extract import extract

SEED_EXPECTATIONS = {
    # seed prefix → (kind, truncated, script, title fragment, published date)
    "000": ("meeting", False, "traditional", "召開部黨組(擴大)會議", "2020-03-23"),
    "001": ("notice", False, "simplified", "充分发挥作用的通知", "2020-02-01"),
    "002": ("meeting", False, "simplified", "党组召开第21次会议", "2023-06-02"),
    "003": ("meeting", False, "simplified", "召开党组扩大会", "2016-09-01"),
    "004": ("speech", True, "simplified", "动员部署会议上的讲话", "2023-08-07"),
}
CHROME = re.compile(r"手機版|當前位置|您所在的位置|您的位置|分享到|\[列印\]|字號|法宝引证码|原文链接|正式会员|当前仅显示|文章搜索|相关文章|目录/提纲")


def _simple_page(lines: list[str]) -> bytes:
    body = "\n".join(f"<p>{html.escape(line)}</p>" for line in lines)
    return f"<html><head><meta charset='utf-8'><title>page</title></head><body>{body}</body></html>".encode()


def test_seed_documents_as_simple_pages(shared_dir: Path) -> None:
    seeds = sorted((shared_dir / "seeds").glob("*.txt"))
    assert seeds
    for seed in seeds:
        expected = SEED_EXPECTATIONS.get(seed.name[:3])
        if expected is None:
            continue
        r = extract(_simple_page(seed.read_text(encoding="utf-8").splitlines()))
        kind, truncated, script, title_part, day = expected
        assert (r.kind, r.truncated, r.script) == (kind, truncated, script), seed.name
        assert r.title and title_part in r.title, seed.name
        assert r.published and r.published.date().isoformat() == day, seed.name
        assert not CHROME.search(r.text), seed.name
        assert r.title not in r.text.splitlines(), seed.name
    by_name = {s.name[:3]: extract(_simple_page(s.read_text(encoding="utf-8").splitlines())) for s in seeds}
    assert by_name["001"].doc_number == "环党组〔2020〕6号"
    assert by_name["000"].source == "生態環境部"
    assert by_name["002"].masked


@pytest.mark.parametrize(("subset", "target"), [("gov", 0.98), ("news", 0.95)])
def test_dev_set_scores(shared_dir: Path, subset: str, target: float) -> None:
    sys.path.insert(0, str(shared_dir / "tools"))
    try:
        import extract_eval
    finally:
        sys.path.pop(0)
    pairs = sorted((shared_dir / "extraction-dev" / subset).glob("*.html"))
    scores, leaks = [], 0
    for page in pairs:
        gold = page.with_suffix(".txt").read_text(encoding="utf-8")
        text = extract(page.read_bytes()).text
        scores.append(extract_eval.prf(gold, text)[2])
        leaks += extract_eval.leaks(gold, text)
    assert sum(scores) / len(scores) >= target and leaks == 0
