"""Pure listing parsers, one small class per CMS profile (TRS, Hanweb, JSON API, plain HTML).

Usage: `profile = get_profile(listing.profile)`, fetch `profile.first_requests(listing)`, hand each
response to `profile.parse(...)`, fetch its `next_requests`, collect its `entries`.

The names below load on first use, so that `crawler.config` can import the light `crawler.profiles.params`
(to validate seeds) without loading the parsers and the extraction modules they use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawler.profiles.base import PROFILES, ListingEntry, ListingPage, PageRequest, Profile, get_profile

__all__ = ["PROFILES", "ListingEntry", "ListingPage", "PageRequest", "Profile", "get_profile"]
PROFILE_MODULES = ("hanweb", "html", "json_api", "trs")  # importing one registers its profile


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    for module in PROFILE_MODULES:
        importlib.import_module(f"{__name__}.{module}")
    return getattr(importlib.import_module(f"{__name__}.base"), name)
