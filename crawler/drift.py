"""Structure drift: the pure rule that turns a run of a source that used to work into `broken`, with the cause.

A redesign shows in two ways: a listing that used to yield entries yields none (the seed's selectors or
profile no longer match), or new articles no longer contain the article container the source is known by
(the seed's `article.body`, else the CMS container its articles have matched so far). Either makes the
source's health `broken` (crawler/store.py), which alerts the admins once, naming the tools that repair a
seed (`govwatch check <id>`, `govwatch add`).
"""

from __future__ import annotations

from collections.abc import Mapping

from crawler.extract.containers import CONTAINERS
from crawler.vocabulary import BROKEN, EMPTY, OK

__all__ = ["BROKEN", "drift_cause", "learned_container"]

SELECTOR_METHOD = "selector"  # the extractor's method name when the seed's article.body matched
CONTAINER_NAMES = frozenset(container.name for container in CONTAINERS)
REPAIR = "repair the seed: `govwatch check {id}`, then `govwatch add <listing URL> --id {id}`"
LISTING_DRIFT = "structure drift (listing):"  # every cause starts with one of these two
ARTICLE_DRIFT = "structure drift (articles):"


def drift_cause(
    status: str,
    *,
    had_entries: bool,
    bodies: Mapping[str, int],
    body_selector: str | None,
    known_container: str | None,
    broken_by_articles: bool = False,
) -> str | None:
    """Why this run shows a changed structure, or None.

    - status: what the counts alone say (ok / empty / blocked / failing / crashed);
    - had_entries: an earlier run of the source read entries from its listing;
    - bodies: how the new articles of this run were extracted (method → count);
    - body_selector: the seed's `article.body`; known_container: the container matched so far;
    - broken_by_articles: the source is broken because of its articles, so a run without new articles
      cannot show it repaired.
    """
    if status == EMPTY and had_entries:
        return f"{LISTING_DRIFT} the listing yields no entries any more (it used to); the seed no longer matches it"
    if status != OK:
        return None  # blocked, failing and crashed are not layout changes
    new = sum(bodies.values())
    if not new:
        if broken_by_articles:
            return f"{ARTICLE_DRIFT} no new article this run to show the article container is back"
        return None
    methods = ", ".join(f"{name or 'nothing'} ×{count}" for name, count in sorted(bodies.items()))
    if body_selector:
        if not bodies.get(SELECTOR_METHOD):
            return (
                f"{ARTICLE_DRIFT} article.body {body_selector!r} matched none of the {new} new "
                f"article(s) (read instead by: {methods})"
            )
        return None
    if known_container and not bodies.get(known_container):
        return (
            f"{ARTICLE_DRIFT} the article container {known_container} is gone from the {new} new "
            f"article(s) (read instead by: {methods})"
        )
    return None


def learned_container(bodies: Mapping[str, int], known: str | None) -> str | None:
    """The CMS container the source is known by after a run that was not broken: the one most new
    articles matched (a known container stays until another wins outright)."""
    containers = {name: count for name, count in bodies.items() if name in CONTAINER_NAMES}
    if not containers:
        return known
    best = max(containers, key=lambda name: (containers[name], name == known))
    return best
