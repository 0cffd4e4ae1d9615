"""Fixtures of the store tests: a store on SQLite and PostgreSQL with one source to record into."""

from __future__ import annotations

import pytest

from crawler.models import SourceRow
from crawler.store import Store


@pytest.fixture
def store(db_url: str) -> Store:
    """A store with the source `src`, which the tests' items belong to."""
    store = Store(db_url)
    with store.session() as session:
        session.add(SourceRow(id="src", name="源", org="厅", profile="trs", schedule="0 7 * * *"))
        session.commit()
    return store
