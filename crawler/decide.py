"""The decision new / edited / restored / unchanged for one fetched content against the stored item. Pure."""

from __future__ import annotations

from dataclasses import dataclass

UNCHANGED = ("unchanged",)


@dataclass(frozen=True)
class Previous:
    """What the store holds of an item before this fetch: its status and its current version's hash."""

    status: str  # active | deleted | blocked
    content_hash: str


@dataclass(frozen=True)
class Decision:
    """The changes a fetch makes (each becomes a change_event) and whether it adds a version."""

    changes: tuple[str, ...]  # ("new",) ("edited",) ("restored",) ("restored", "edited") or ("unchanged",)
    new_version: bool

    @property
    def events(self) -> tuple[str, ...]:
        """The changes that are recorded as events (an unchanged fetch records none)."""
        return () if self.changes == UNCHANGED else self.changes


def decide(previous: Previous | None, incoming_hash: str) -> Decision:
    """new / edited / restored / unchanged: `edited` only when the text's hash differs from the last version.

    A deleted item that answers again is `restored`, plus `edited` (on a new version) when its text
    changed, so that `edited` keeps meaning "the regulator changed the text" for every consumer. A
    blocked item that answers with the same text was never gone: unchanged.
    """
    if previous is None:
        return Decision(("new",), True)
    same = previous.content_hash == incoming_hash
    if previous.status == "deleted":
        return Decision(("restored",), False) if same else Decision(("restored", "edited"), True)
    if same:
        return Decision(UNCHANGED, False)
    return Decision(("edited",), True)
