"""Pure listing parsers, one small class per CMS profile (TRS, Hanweb, JSON API, plain HTML).

Usage: `profile = get_profile(listing.profile)`, fetch `profile.first_requests(listing)`, hand each
response to `profile.parse(...)`, fetch its `next_requests`, collect its `entries`.
"""

from __future__ import annotations

from crawler.profiles import hanweb, html, json_api, trs  # noqa: F401 - importing registers the profiles
from crawler.profiles.base import PROFILES, ListingEntry, ListingPage, PageRequest, Profile, get_profile

__all__ = ["PROFILES", "ListingEntry", "ListingPage", "PageRequest", "Profile", "get_profile"]
