"""Deterministic ids for facts that arrive with a stable key (the importer's data files). A key
`id:<uuid>` names a fact the ledger holds by its id (what `govledger ingest` writes for the facts
it matched): its id is that uuid (for a budget line, the line of that fiscal year)."""

from __future__ import annotations

from functools import lru_cache
from uuid import UUID, uuid5

from domain.names import unspaced

NAMESPACE = UUID("6f1d3c2a-8b0e-5a7c-9d41-2e5b7f0a9c13")
HELD = "id:"
UUID_CHARS = 36
KEYS = 1 << 16
"""Ids remembered per kind: a large import names each key many times."""


def held_id(key: str) -> UUID | None:
    """The id a key `id:<uuid>` names (ValueError for a malformed one); None for other keys."""
    if not key.startswith(HELD):
        return None
    try:
        return UUID(key[len(HELD) : len(HELD) + UUID_CHARS])
    except ValueError:
        raise ValueError(f"{key!r} is not id:<uuid>") from None


@lru_cache(maxsize=KEYS)
def unit_id(key: str) -> UUID:
    return held_id(key) or uuid5(NAMESPACE, f"unit:{key}")


@lru_cache(maxsize=KEYS)
def budget_line_id(key: str) -> UUID:
    """The line of one fiscal year: key is `<line key>:<fiscal year>`."""
    return held_id(key) or uuid5(NAMESPACE, f"budget-line:{key}")


@lru_cache(maxsize=KEYS)
def task_id(key: str) -> UUID:
    return held_id(key) or uuid5(NAMESPACE, f"task:{key}")


@lru_cache(maxsize=KEYS)
def indicator_id(key: str) -> UUID:
    return held_id(key) or uuid5(NAMESPACE, f"indicator:{key}")


def unit_indicator_id(org_unit_id: UUID, group: str | None, name: str) -> UUID:
    """A new indicator's id when neither a key nor an id is given: it follows from what
    identifies it, so a second create of the same indicator records on the first one."""
    return uuid5(NAMESPACE, f"indicator:{org_unit_id}:{unspaced(group or '')}:{unspaced(name)}")


def unit_budget_line_id(
    org_unit_id: UUID, fiscal_year: int, account: str | None, item: str
) -> UUID:
    """A new budget line's id when neither a key nor an id is given: it follows from what
    identifies it, so a second create of the same line records on the first one instead of
    splitting the series."""
    key = f"{org_unit_id}:{fiscal_year}:{unspaced(account or '')}"
    return uuid5(NAMESPACE, f"{key}:{unspaced(item)}")
