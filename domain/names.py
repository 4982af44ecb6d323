"""Names as the documents print them, and as the ledger compares them."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def clean(text: str) -> str:
    """NFC-normalise and collapse runs of whitespace to one space."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def unspaced(text: str) -> str:
    """A name with the spaces of spaced-out table cells removed (기 획 담 당 관 -> 기획담당관)."""
    return _SPACES.sub("", unicodedata.normalize("NFC", text))


def same_name(a: str, b: str) -> bool:
    return unspaced(a) == unspaced(b)
