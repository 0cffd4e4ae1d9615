"""Fixtures for the extraction tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from extract_helpers import SHARED


@pytest.fixture
def shared_dir() -> Path:
    """../shared, or skip: measuring against it is optional and `make test` must pass without it."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent (development material, not part of the repository)")
    return SHARED
