"""The keys of a draft document (docs/data-format.md, "Keys that name a fact by its id"): a fact
the ledger holds is named `id:<uuid>`; a new one `ingest-` and a short hash of what identifies
it, so that the same report read twice gives the same keys."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from uuid import UUID

from domain.names import unspaced

ID = "id:"
NEW = "ingest-"
_DIGITS = 12


def id_key(held: UUID) -> str:
    return f"{ID}{held}"


def new_key(kind: str, *parts: str) -> str:
    """`ingest-` and the first hex digits of a SHA-256 of the kind of fact and its identifying
    parts (NFC, unspaced): ASCII, and the same for the same parts."""
    text = "\x1f".join([kind, *(unspaced(part) for part in parts)])
    return NEW + hashlib.sha256(text.encode("utf-8")).hexdigest()[:_DIGITS]


def id_of(key: str, derive: Callable[[str], UUID]) -> UUID:
    """The id a key names: its own for `id:<uuid>`, else the one derived from it (domain.ids)."""
    return UUID(key[len(ID) :]) if key.startswith(ID) else derive(key)


def unique(key: str, taken: set[str]) -> str:
    """key, or key with the first free suffix `-2`, `-3`, ... where another fact of the same
    document has it; the key is then taken."""
    found, count = key, 1
    while found in taken:
        count += 1
        found = f"{key}-{count}"
    taken.add(found)
    return found
