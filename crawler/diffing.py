"""Readable diffs between two versions of an item's text: unified for terminals and mail, rows for pages."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


def unified_diff(old: str, new: str, old_label: str = "old", new_label: str = "new", context: int = 2) -> str:
    """A line-based unified diff; Chinese paragraphs are lines, so a changed sentence shows as its paragraph."""
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), fromfile=old_label, tofile=new_label, lineterm="", n=context
    )
    return "\n".join(lines)


@dataclass(frozen=True)
class Segment:
    """A run of characters inside a changed line: equal, inserted or deleted."""

    op: str  # "equal" | "insert" | "delete"
    text: str


@dataclass(frozen=True)
class DiffRow:
    """One row of a side-by-side diff: the old line, the new line, and what happened between them."""

    op: str  # "equal" | "replace" | "insert" | "delete"
    old: str | None
    new: str | None
    old_segments: tuple[Segment, ...] = ()
    new_segments: tuple[Segment, ...] = ()


def _char_segments(old: str, new: str) -> tuple[tuple[Segment, ...], tuple[Segment, ...]]:
    # Character-level matching is the right grain for Chinese, which has no spaces between words.
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    old_parts: list[Segment] = []
    new_parts: list[Segment] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            old_parts.append(Segment("equal", old[i1:i2]))
            new_parts.append(Segment("equal", new[j1:j2]))
            continue
        if i2 > i1:
            old_parts.append(Segment("delete", old[i1:i2]))
        if j2 > j1:
            new_parts.append(Segment("insert", new[j1:j2]))
    return tuple(old_parts), tuple(new_parts)


def side_by_side(old: str, new: str) -> list[DiffRow]:
    """Rows pairing old and new lines, with changed lines split into character segments."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    rows: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            rows.extend(DiffRow("equal", line, line) for line in old_lines[i1:i2])
            continue
        olds, news = old_lines[i1:i2], new_lines[j1:j2]
        for index in range(max(len(olds), len(news))):
            left = olds[index] if index < len(olds) else None
            right = news[index] if index < len(news) else None
            if left is not None and right is not None:
                old_segments, new_segments = _char_segments(left, right)
                rows.append(DiffRow("replace", left, right, old_segments, new_segments))
            elif left is not None:
                rows.append(DiffRow("delete", left, None))
            else:
                rows.append(DiffRow("insert", None, right))
    return rows


def changed_lines(old: str, new: str, limit: int = 6) -> list[str]:
    """The first few changed lines as '- old' / '+ new', for a short diff in an alert."""
    out: list[str] = []
    for row in side_by_side(old, new):
        if row.op == "equal":
            continue
        if row.old is not None:
            out.append(f"- {row.old}")
        if row.new is not None:
            out.append(f"+ {row.new}")
        if len(out) >= limit:
            break
    return out[:limit]


class AttachmentLike(Protocol):
    """What the attachment diff needs of an attachment: its link, its file's hash and its text."""

    name: str
    url: str
    sha256: str | None
    text: str


@dataclass(frozen=True)
class AttachmentChange:
    """How one attachment differs between two versions: added, removed or changed (with its text diff)."""

    op: str  # "added" | "removed" | "changed"
    name: str
    url: str
    diff: str  # unified diff of the texts ('' when added or removed)
    rows: tuple[DiffRow, ...] = ()

    def to_dict(self) -> dict[str, str]:
        return {"op": self.op, "name": self.name, "url": self.url, "diff": self.diff}


def attachment_changes(old: Sequence[AttachmentLike], new: Sequence[AttachmentLike]) -> list[AttachmentChange]:
    """Attachments matched by URL: which were added, removed, or now hold another file with other text."""
    before = {a.url: a for a in old if a.sha256}
    after = {a.url: a for a in new if a.sha256}
    out: list[AttachmentChange] = []
    for url, attachment in after.items():
        previous = before.get(url)
        if previous is None:
            out.append(AttachmentChange("added", attachment.name, url, ""))
        elif previous.sha256 != attachment.sha256 and (previous.text != attachment.text or not attachment.text):
            diff = unified_diff(previous.text, attachment.text, f"{attachment.name} (old)", f"{attachment.name} (new)")
            out.append(
                AttachmentChange("changed", attachment.name, url, diff, tuple(side_by_side(previous.text, attachment.text)))
            )
    out.extend(AttachmentChange("removed", a.name, url, "") for url, a in before.items() if url not in after)
    return out
