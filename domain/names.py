"""Names as the documents print them, and as the ledger compares them."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACES = re.compile(r"\s+")
SHORT = 200
"""Texts up to this long (names, labels) are cleaned once each and remembered: a large import
names the same categories, grades and units again and again."""


def clean(text: str) -> str:
    """NFC-normalise and collapse runs of whitespace to one space."""
    return _clean(text) if len(text) <= SHORT else _cleaned(text)


def unspaced(text: str) -> str:
    """A name with the spaces of spaced-out table cells removed (기 획 담 당 관 -> 기획담당관)."""
    return _unspaced(text) if len(text) <= SHORT else _without_spaces(text)


def same_name(a: str, b: str) -> bool:
    return unspaced(a) == unspaced(b)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _cleaned(text: str) -> str:
    return _SPACES.sub(" ", _nfc(text)).strip()


def _without_spaces(text: str) -> str:
    return _SPACES.sub("", _nfc(text))


_clean = lru_cache(maxsize=1 << 16)(_cleaned)
_unspaced = lru_cache(maxsize=1 << 16)(_without_spaces)
