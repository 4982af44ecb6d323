"""How a delivery is signed and what it carries besides its body (docs/webhooks.md: A delivery):
an HMAC-SHA256 of the timestamp and the body, keyed with the webhook's secret, in
X-Govledger-Signature, and the event's cursor, the webhook's name and the attempt's number."""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Govledger-Signature"
CURSOR_HEADER = "X-Govledger-Event-Cursor"
WEBHOOK_HEADER = "X-Govledger-Webhook"
ATTEMPT_HEADER = "X-Govledger-Delivery-Attempt"


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The signature header's value: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">."""
    moment = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{moment}.".encode() + body, hashlib.sha256)
    return f"t={moment},v1={digest.hexdigest()}"


def verify(secret: str, body: bytes, header: str, tolerance: float = 300) -> bool:
    """What a receiver does (docs/webhooks.md): recompute and compare, reject stale stamps."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    stamp = parts.get("t", "")
    if not stamp.isdigit() or abs(time.time() - int(stamp)) > tolerance:
        return False
    expected = sign(secret, body, int(stamp)).partition(",v1=")[2]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def headers(secret: str, body: bytes, cursor: str, webhook: str, attempt: int) -> dict[str, str]:
    """The headers of one delivery attempt, signed now."""
    return {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(secret, body),
        CURSOR_HEADER: cursor,
        WEBHOOK_HEADER: webhook,
        ATTEMPT_HEADER: str(attempt),
    }
