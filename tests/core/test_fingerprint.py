"""Fingerprints: volatile parts and script never make an edit; a changed sentence always does."""

from __future__ import annotations

from crawler.fingerprint import content_hash, normalize_lines

BODY = "3月23日，某省生态环境厅党组召开扩大会议。\n会议强调，要抓好大气污染防治。"


def test_same_text_same_hash() -> None:
    assert content_hash("标题", BODY) == content_hash("标题", BODY)


def test_whitespace_and_width_do_not_matter() -> None:
    spaced = "  3月23日，某省生态环境厅党组召开扩大会议。 \n\n会议强调，要抓好大气污染防治。  "
    full_width = BODY.replace("3", "３").replace("2", "２")
    assert content_hash("标题", spaced) == content_hash("标题", BODY)
    assert content_hash("标题", full_width) == content_hash("标题", BODY)


def test_traditional_copy_hashes_like_simplified() -> None:
    traditional = "3月23日，某省生態環境廳黨組召開擴大會議。\n會議強調，要抓好大氣污染防治。"
    assert content_hash("標題", traditional) == content_hash("标题", BODY)


def test_volatile_lines_are_ignored() -> None:
    noisy = "今天是2026年11月22日 星期日\n" + BODY + "\n浏览次数：1234\n[访问量：88]"
    assert content_hash("标题", noisy) == content_hash("标题", BODY)


def test_changed_sentence_changes_hash() -> None:
    edited = BODY.replace("大气污染防治", "水污染防治")
    assert content_hash("标题", edited) != content_hash("标题", BODY)


def test_changed_title_changes_hash() -> None:
    assert content_hash("新标题", BODY) != content_hash("标题", BODY)


def test_sentence_mentioning_a_count_is_kept() -> None:
    line = "全年共检查企业1234次,浏览次数统计不在此列。"  # already NFKC (ASCII comma)
    assert normalize_lines(line) == [line]


def test_title_is_not_confused_with_body() -> None:
    assert content_hash("甲", "乙") != content_hash(None, "甲\n乙")


def test_inline_counters_and_date_banners_are_ignored() -> None:
    day_one = "今天是：2026年11月1日 星期日 08:00:35 网站首页 | 工作动态\n发布时间：2026-10-14 来源：某局 点击数：85\n" + BODY
    day_two = "今天是：2026年11月2日 星期一 08:01:38 网站首页 | 工作动态\n发布时间：2026-10-14 来源：某局 点击数：94\n" + BODY
    assert content_hash("标题", day_one) == content_hash("标题", day_two)
    # The rest of a line holding a counter still counts.
    other_source = day_two.replace("来源：某局", "来源：另一局")
    assert content_hash("标题", other_source) != content_hash("标题", day_two)
    assert content_hash("标题", "本文已有12人阅读\n" + BODY) == content_hash("标题", "本文已有99人阅读\n" + BODY)
