"""IDs of the API are UUIDs; one that is not names nothing."""

from __future__ import annotations

from typing import Literal, overload
from uuid import UUID

from domain.errors import NotFound, shown


@overload
def parse_id(value: object, field: str = ..., *, strict: Literal[True] = ...) -> UUID: ...
@overload
def parse_id(value: object, field: str = ..., *, strict: bool) -> UUID | None: ...
def parse_id(value: object, field: str = "id", *, strict: bool = True) -> UUID | None:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        if strict:
            message = f"{field}: {shown(value)} names nothing in the ledger"
            raise NotFound(message, field=field) from None
        return None


def optional_id(value: object | None, field: str) -> UUID | None:
    return None if value is None else parse_id(value, field)
