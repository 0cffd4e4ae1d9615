"""Diffs between versions: unified text and side-by-side rows with character segments."""

from __future__ import annotations

from crawler.diffing import changed_lines, side_by_side, unified_diff

OLD = "第一段不变。\n会议要求加强大气污染防治。\n第三段不变。"
NEW = "第一段不变。\n会议要求加强水污染防治。\n第三段不变。\n新增一段。"


def test_unified_diff_names_changed_lines() -> None:
    diff = unified_diff(OLD, NEW, "v1", "v2")
    assert "--- v1" in diff and "+++ v2" in diff
    assert "-会议要求加强大气污染防治。" in diff
    assert "+会议要求加强水污染防治。" in diff
    assert "+新增一段。" in diff
    assert "-第一段不变。" not in diff


def test_side_by_side_rows() -> None:
    rows = side_by_side(OLD, NEW)
    ops = [row.op for row in rows]
    assert ops == ["equal", "replace", "equal", "insert"]
    replaced = rows[1]
    assert [s.text for s in replaced.old_segments if s.op == "delete"] == ["大气"]
    assert [s.text for s in replaced.new_segments if s.op == "insert"] == ["水"]
    assert "".join(s.text for s in replaced.new_segments) == replaced.new


def test_identical_texts_have_no_changes() -> None:
    assert unified_diff(OLD, OLD) == ""
    assert changed_lines(OLD, OLD) == []


def test_changed_lines_is_short() -> None:
    lines = changed_lines(OLD, NEW)
    assert lines[:2] == ["- 会议要求加强大气污染防治。", "+ 会议要求加强水污染防治。"]
    assert "+ 新增一段。" in lines
