"""crawler.decide: new / edited / restored / unchanged, table-driven."""

from __future__ import annotations

import pytest

from crawler.decide import Decision, Previous, decide


@pytest.mark.parametrize(
    ("previous", "incoming", "changes", "new_version"),
    [
        (None, "h1", ("new",), True),
        (Previous("active", "h1"), "h1", ("unchanged",), False),
        (Previous("active", "h1"), "h2", ("edited",), True),
        (Previous("blocked", "h1"), "h1", ("unchanged",), False),  # a challenge page never meant it was gone
        (Previous("blocked", "h1"), "h2", ("edited",), True),
        (Previous("deleted", "h1"), "h1", ("restored",), False),  # the same text back: no new version
        (Previous("deleted", "h1"), "h2", ("restored", "edited"), True),
    ],
)
def test_decide(previous: Previous | None, incoming: str, changes: tuple[str, ...], new_version: bool) -> None:
    decision = decide(previous, incoming)
    assert decision == Decision(changes, new_version)
    assert decision.events == (() if changes == ("unchanged",) else changes)
