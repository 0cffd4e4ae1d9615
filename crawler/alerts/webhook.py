"""Webhooks: change events POSTed as JSON, signed with HMAC-SHA256 over the exact body bytes."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from typing import Any

import httpx

from crawler.textsafe import clean_value

SIGNATURE_HEADER = "X-Govwatch-Signature"
DELIVERY_HEADER = "X-Govwatch-Delivery"  # stable across retries: receivers can drop duplicates by it
EVENTS_HEADER = "X-Govwatch-Events"
USER_AGENT = "govwatch-webhook/1"
# 2: each event is the export record (docs/EXPORT.md) plus alert extras; 1 had `url` = the fetched URL,
# `canonical_url` and `printed_source`.
SCHEMA_VERSION = 2


class WebhookError(RuntimeError):
    """The receiver did not answer 2xx (or could not be reached)."""


def body_of(events: Sequence[dict[str, Any]], subscription: str, delivery_id: str) -> bytes:
    """The JSON body: always a list of events, so immediate and digest deliveries share one schema."""
    document = {
        "schema": SCHEMA_VERSION,
        "delivery": delivery_id,
        "subscription": subscription,
        "events": [clean_value(event) for event in events],  # as the mail: no control character leaves
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sign(secret: str, body: bytes) -> str:
    """The signature header value: 'sha256=' + hex HMAC-SHA256 of the body with the shared secret."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """What a receiver does: recompute the signature and compare in constant time."""
    return header is not None and hmac.compare_digest(sign(secret, body), header)


def post(
    url: str, secret: str, body: bytes, *, delivery_id: str, event_ids: Sequence[int], timeout: float
) -> int:
    """POST the signed body; return the HTTP status, raise WebhookError unless it is 2xx."""
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(secret, body),
        DELIVERY_HEADER: delivery_id,
        EVENTS_HEADER: ",".join(str(event_id) for event_id in event_ids),
    }
    try:
        # No redirects: a signed body must not be replayed to wherever a 30x points.
        response = httpx.post(url, content=body, headers=headers, timeout=timeout, follow_redirects=False)
    except httpx.HTTPError as exc:
        raise WebhookError(f"{type(exc).__name__}: {exc}") from exc
    if not 200 <= response.status_code < 300:
        raise WebhookError(f"HTTP {response.status_code} from {url}: {response.text[:200]}")
    return response.status_code
