"""A halt: the projector met an event it cannot apply (its data refused by the read model, a
topic no longer known, a bug in building its rows). It stops at that event, never skipping it,
and says so in `rm_meta` for every process to see (readiness, writes that would wait for it),
then retries it with a backoff: a transient failure, or a fix of the projection code and a
restart, continues from there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from projections.schema import PROJECTION_NAME

MAX_ERROR_CHARS = 500

RECORD = """
UPDATE rm_meta SET halted_since = CASE WHEN halted_at IS NOT DISTINCT FROM %(position)s
        THEN halted_since ELSE now() END,
    halted_at = %(position)s, halted_type = %(type)s, halted_error = %(error)s
WHERE name = %(name)s RETURNING halted_since
"""
CLEAR = (
    "UPDATE rm_meta SET halted_at = NULL, halted_type = NULL, halted_error = NULL, "
    "halted_since = NULL WHERE name = %s"
)
READ = "SELECT halted_at, halted_type, halted_error, halted_since FROM rm_meta WHERE name = %s"


@dataclass(frozen=True)
class Halt:
    position: int
    event_type: str
    error: str
    since: datetime | None = None

    def describe(self) -> str:
        return f"projector halted at position {self.position} ({self.event_type}): {self.error}"


def event_type(topic: str) -> str:
    """The event's class as the log's topic names it: `domain.orgunit:OrgUnit.Registered`
    gives `OrgUnit.Registered`."""
    return topic.rpartition(":")[2] or topic


def error_text(error: BaseException) -> str:
    """The error in one line a text column holds: lines joined, control characters (a NUL
    among them, often the very cause) escaped, and cut to a length a probe's answer can carry."""
    text = " ".join(f"{type(error).__name__}: {error}".split())
    escaped = "".join(
        c if c.isprintable() or c == " " else c.encode("unicode_escape").decode() for c in text
    )
    return escaped[:MAX_ERROR_CHARS]


def recorded(conn: psycopg.Connection[Any]) -> Halt | None:
    """The halt rm_meta records, if any."""
    found = conn.execute(READ, (PROJECTION_NAME,)).fetchone()
    if found is None:
        return None
    position, kind, error, since = found
    return None if position is None else Halt(int(position), kind or "", error or "", since)


def record(conn: psycopg.Connection[Any], halt: Halt) -> Halt:
    """Record the halt for every process to see; the halt with the moment it began (kept while
    the projector stays halted at the same event)."""
    params = {"position": halt.position, "type": halt.event_type, "error": halt.error}
    found = conn.execute(RECORD, {**params, "name": PROJECTION_NAME}).fetchone()
    return Halt(halt.position, halt.event_type, halt.error, found[0] if found else None)


def clear(conn: psycopg.Connection[Any]) -> None:
    conn.execute(CLEAR, (PROJECTION_NAME,))
