"""Canonical URLs: one item per article, whatever mirror, scheme quirk or fragment it was reached through."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

# Gateways that serve another host's page converted (big5.mee.gov.cn/gate/big5/www.mee.gov.cn/<path>):
# the path after the gateway prefix names the original host, which is the item's real home.
MIRROR_GATEWAYS = (re.compile(r"^/gate/(?:big5|gb)/(?P<host>[^/]+)(?P<path>/.*)?$", re.IGNORECASE),)
DEFAULT_PORTS = {"http": 80, "https": 443}
# Query parameters that only track visits and never change what is served.
TRACKING_PARAMS = re.compile(r"^(utm_[a-z]+|spm|from|share(?:_\w+)?|isappinstalled)$", re.IGNORECASE)


def canonical_url(url: str) -> str:
    """Fold mirrors, default ports, fragments and tracking parameters into one URL for one article."""
    parts = urlsplit(url.strip())
    scheme = (parts.scheme or "http").lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    path = parts.path or "/"
    for gateway in MIRROR_GATEWAYS:
        match = gateway.match(path)
        if match:
            original = urlsplit(f"{scheme}://{match.group('host')}")
            host = (original.hostname or host).lower()
            port = original.port
            path = match.group("path") or "/"
            break
    netloc = host if port in (None, DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    query = "&".join(
        pair for pair in parts.query.split("&") if pair and not TRACKING_PARAMS.match(pair.split("=", 1)[0])
    )
    return urlunsplit((scheme, netloc, path, query, ""))


def is_mirror(url: str) -> bool:
    """True when the URL goes through a conversion gateway (its text is a converted copy)."""
    path = urlsplit(url).path
    return any(gateway.match(path) for gateway in MIRROR_GATEWAYS)
