"""The structure-drift rule (crawler/drift.py), on its own."""

from __future__ import annotations

import pytest

from crawler.drift import ARTICLE_DRIFT, LISTING_DRIFT, drift_cause, learned_container


@pytest.mark.parametrize(
    ("status", "had", "bodies", "selector", "known", "cause"),
    [
        ("empty", True, {}, None, None, LISTING_DRIFT),
        ("empty", False, {}, None, None, None),  # never worked: a wrong seed, reported as empty
        ("blocked", True, {}, None, "trs_editor", None),
        ("failing", True, {"density": 3}, None, "trs_editor", None),
        ("ok", True, {"trs_editor": 2, "density": 1}, None, "trs_editor", None),
        ("ok", True, {"density": 2}, None, "trs_editor", ARTICLE_DRIFT),
        ("ok", True, {"density": 2}, None, None, None),  # no container known yet
        ("ok", True, {"selector": 1}, "div.a", "trs_editor", None),  # the seed's selector is the reference
        ("ok", True, {"trs_editor": 1}, "div.a", None, ARTICLE_DRIFT),
        ("ok", True, {}, "div.a", None, None),
    ],
)
def test_drift_cause(status, had, bodies, selector, known, cause) -> None:  # type: ignore[no-untyped-def]
    found = drift_cause(status, had_entries=had, bodies=bodies, body_selector=selector, known_container=known)
    assert (found is None) if cause is None else found.startswith(cause)


def test_an_article_drift_needs_a_new_article_to_end() -> None:
    still = drift_cause(
        "ok", had_entries=True, bodies={}, body_selector=None, known_container="x", broken_by_articles=True
    )
    assert still is not None and still.startswith(ARTICLE_DRIFT)


def test_learned_container() -> None:
    assert learned_container({"density": 4, "trs_editor": 1}, None) == "trs_editor"
    assert learned_container({"density": 4}, "hanweb_zoom") == "hanweb_zoom"
    assert learned_container({"trs_editor": 1, "hanweb_zoom": 1}, "hanweb_zoom") == "hanweb_zoom"
    assert learned_container({"trs_editor": 2, "hanweb_zoom": 1}, "hanweb_zoom") == "trs_editor"
