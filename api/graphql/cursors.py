"""Opaque keyset cursors over the log: a position in base64, versioned."""

from __future__ import annotations

import base64
import binascii

from api.errors import BadInput

PREFIX = "v1:"
MAX_POSITION = 2**63 - 1
"""The largest log position: the log's positions are PostgreSQL bigints."""
MAX_PAGE = 500
DEFAULT_PAGE = 100


def encode(position: int) -> str:
    return base64.urlsafe_b64encode(f"{PREFIX}{position}".encode()).decode().rstrip("=")


def decode(cursor: str | None, field: str = "after") -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        digits = text.removeprefix(PREFIX)
        if text.startswith(PREFIX) and digits.isascii() and digits.isdigit():
            position = int(digits)
            if position <= MAX_POSITION:
                return position
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    shown = cursor if len(cursor) <= 80 else f"{cursor[:79]}…"
    raise BadInput(f"{field}: {shown!r} is not a cursor of this API")


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE
    if not 0 <= first <= MAX_PAGE:
        raise BadInput(f"first: {first} must be between 0 and {MAX_PAGE}")
    return first
