"""Event.changes: what one event changed. For each fact the event puts or closes (its kind and
subject, projections.facts.facts_of), the fact in force as of the event's valid date known
just before the event's recorded time T, against the one known at T, compared field by field as
OrgUnit.changes compares two dates (projections.read.changes).

A page of events is read with a constant number of statements: every version of the facts the
page touched (one statement for rm_facts, one for rm_staffing, one for the labels), and the
names that label them (one more); the as-of selection is done here, in memory, since one
subject's versions are few. Events of one transaction share T: where two of them put the same
fact at the same valid date, both show the transaction's net change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from projections.facts import facts_of
from projections.read import staffing
from projections.read.changes import Fact, FieldChange, changes_between
from projections.read.units import Conn
from projections.task_status import status_since

Key = tuple[str, UUID]
JUST_BEFORE = timedelta(microseconds=1)
"""PostgreSQL's timestamps are microseconds: T minus one is the moment just before T."""


@dataclass(frozen=True)
class Version:
    """One version of a fact, with its valid date and its transaction-time interval."""

    owner_id: UUID
    valid_from: date
    recorded_from: datetime
    recorded_to: datetime | None
    value: dict[str, Any]

    def believed(self, known_at: datetime) -> bool:
        return self.recorded_from <= known_at and (
            self.recorded_to is None or self.recorded_to > known_at
        )


@dataclass(frozen=True)
class Touched:
    """An event's position, recorded time and the facts it puts or closes (with valid dates)."""

    position: int
    recorded_at: datetime
    facts: tuple[tuple[Key, date], ...]


def touched(position: int, recorded_at: datetime, event: Aggregate.Event) -> Touched:
    facts = tuple(((f.kind, f.subject_id), f.valid_from) for f in facts_of(event))
    return Touched(position, recorded_at, facts)


def history(versions: Sequence[Version], as_of: date, known_at: datetime) -> list[Version]:
    """The versions believed at known_at that take effect by as_of, oldest valid date first."""
    return sorted(
        (v for v in versions if v.valid_from <= as_of and v.believed(known_at)),
        key=lambda v: v.valid_from,
    )


def task_value(run: Sequence[Version]) -> dict[str, Any]:
    """A task's state in force, with status_since as a read shows it (projections.task_status),
    kept as the read model keeps dates: ISO text."""
    latest = dict(run[-1].value)
    since = status_since([version.value for version in run])
    latest["status_since"] = since.isoformat() if since else None
    return latest


def fact_at(key: Key, versions: Sequence[Version], as_of: date, known_at: datetime) -> Fact | None:
    found = history(versions, as_of, known_at)
    if not found:
        return None
    value = task_value(found) if key[0] == "task" else found[-1].value
    return Fact(key[0], key[1], found[-1].owner_id, value)


def name_of(versions: Sequence[Version], as_of: date, known_at: datetime) -> str | None:
    """A unit's or an indicator's name as of the date; else its latest known then."""
    found = history(versions, as_of, known_at) or history(versions, date.max, known_at)
    return str(found[-1].value["name"]) if found else None


def changes_of(
    event: Touched, versions: dict[Key, list[Version]], names: dict[Key, list[Version]]
) -> list[FieldChange]:
    """Each field of the facts the event touched whose value it changed."""
    before: dict[Key, Fact] = {}
    after: dict[Key, Fact] = {}
    labels: dict[UUID, str] = {}
    for key, as_of in event.facts:
        known = versions.get(key, [])
        for side, moment in ((before, event.recorded_at - JUST_BEFORE), (after, event.recorded_at)):
            fact = fact_at(key, known, as_of, moment)
            if fact is not None:
                side[key] = fact
        for label_key in label_keys(key, known):
            name = name_of(names.get(label_key, []), as_of, event.recorded_at)
            if name is not None:
                labels[label_key[1]] = name
    positions: dict[Key, tuple[int, ...]] = {key: (event.position,) for key, _ in event.facts}
    return changes_between(before, after, labels, positions)


def label_keys(key: Key, versions: Sequence[Version]) -> list[Key]:
    """The names that label a fact's changes: its owner's, and an indicator's own."""
    found: list[Key] = [("org.name", v.owner_id) for v in versions[:1]]
    if key[0] == "indicator":
        found += [("indicator.name", UUID(v.value["indicator_id"])) for v in versions[:1]]
    return found


async def page_changes(
    conn: Conn, events: Sequence[Touched], labels: staffing.Labels
) -> list[list[FieldChange]]:
    """What each of a page's events changed, in four statements at most."""
    wanted = list(dict.fromkeys(key for e in events for key, _ in e.facts))
    known = await versions(conn, wanted, labels)
    names = await versions(conn, name_keys(known), labels)
    return [changes_of(e, known, names) for e in events]


def name_keys(versions: dict[Key, list[Version]]) -> list[Key]:
    return list(dict.fromkeys(k for key, known in versions.items() for k in label_keys(key, known)))


async def versions(
    conn: Conn, keys: Sequence[Key], labels: staffing.Labels
) -> dict[Key, list[Version]]:
    """Every version of these facts (staffing tables from rm_staffing, the rest from rm_facts)."""
    found: dict[Key, list[Version]] = {}
    others = [key for key in keys if key[0] != "staffing"]
    if others:
        rows = await conn.fetch(
            "SELECT kind, subject_id, owner_id, valid_from, recorded_from, recorded_to, value "
            "FROM rm_facts WHERE (kind, subject_id) IN "
            "(SELECT * FROM unnest($1::text[], $2::uuid[]))",
            [k for k, _ in others],
            [s for _, s in others],
        )
        for row in rows:
            found.setdefault((row["kind"], row["subject_id"]), []).append(
                _version(row, row["value"])
            )
    units = [s for k, s in keys if k == "staffing"]
    if units:
        await _staffing_versions(conn, units, labels, found)
    return found


async def _staffing_versions(
    conn: Conn, units: list[UUID], labels: staffing.Labels, found: dict[Key, list[Version]]
) -> None:
    rows = await conn.fetch(
        "SELECT unit_id, unit_id AS owner_id, valid_from, recorded_from, recorded_to, labels, "
        "authorized, current, women, resolutions, unit_women, note, source "
        "FROM rm_staffing WHERE unit_id = ANY($1)",
        units,
    )
    names = await labels.resolve(conn, {i for row in rows for i in row["labels"]})
    for row in rows:
        value = staffing._table(row, names).value()  # labelled as the read path does
        found.setdefault(("staffing", row["unit_id"]), []).append(_version(row, value))


def _version(row: Any, value: dict[str, Any]) -> Version:
    return Version(
        row["owner_id"], row["valid_from"], row["recorded_from"], row["recorded_to"], value
    )
