"""Turning domain events into the read model's rows: the facts each event puts or closes and its
row in the public log, with the subjects and the org tree it needs held in memory."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.domain import Aggregate
from psycopg.rows import args_row

from projections import facts
from projections.build.batch import Batch, EventRow, FactKey, FactRow, Subject, UnitChange
from projections.build.rollup import ROLLUP_KINDS, Statuses, StatusLink, unit_statuses
from projections.build.tree import ParentLink, ParentTimelines


class RowBuilder:
    """What the projector remembers between batches: every subject's owner and version, and the
    tree's parent links and the units' statuses over both time axes. `reload` forgets it after a
    rolled-back batch."""

    def __init__(self) -> None:
        self.subjects: dict[UUID, Subject] = {}
        self.tree = ParentTimelines()
        self.statuses = Statuses()
        self.believed: set[FactKey] = set()
        """The facts of which a version is believed (none retracted since): only for those can
        an event close a version that an earlier batch wrote."""

    def reload(self, conn: psycopg.Connection[Any]) -> None:
        self.subjects.clear()
        self.believed = believed_facts(conn)
        self.tree = parent_timelines(conn)
        self.statuses = unit_statuses(conn)

    def load_subjects(self, conn: psycopg.Connection[Any], ids: set[UUID]) -> None:
        missing = [i for i in ids if i not in self.subjects]
        if not missing:
            return
        rows = conn.execute(
            "SELECT subject_id, subject_type, owner_id, version, attrs, government_id "
            "FROM rm_subjects WHERE subject_id = ANY(%s)",
            (missing,),
        ).fetchall()
        for subject_id, subject_type, owner_id, version, attrs, government_id in rows:
            self.subjects[subject_id] = Subject(
                subject_type, owner_id, version, attrs, government_id
            )

    def add(self, batch: Batch, event: Aggregate.Event, position: int, at: datetime) -> None:
        """Add one event's facts and its public log row to the batch, each row with the
        government of the event's owner as the tree stands once the event is applied (a unit's
        registration places it first)."""
        subject = self.subject_for(event)
        subject.version = event.originator_version
        batch.touched.add(event.originator_id)
        rows = []
        for change in facts.facts_of(event):
            key = FactKey(change.kind, change.subject_id, change.valid_from)
            believed = key in self.believed
            row = None
            if isinstance(change, facts.Put):
                self.believed.add(key)
                value = {**subject.attrs, **change.value} if subject.attrs else change.value
                row = FactRow(*key, subject.owner_id, value, at, position)
                rows.append(row)
                if change.kind == "org.parent":
                    parent = change.value["parent_id"]
                    link = ParentLink(change.valid_from, UUID(parent) if parent else None, at)
                    self.tree.add(change.subject_id, link)
                elif change.kind == "org.status":
                    status = StatusLink(change.valid_from, bool(change.value["open"]), at)
                    self.statuses.add(change.subject_id, status)
            else:
                self.believed.discard(key)
            batch.change(key, at, row, believed)
            if change.kind in ROLLUP_KINDS:
                batch.units_changed.append(UnitChange(at, change.subject_id, change.valid_from))
        event_row = self.event_row(event, subject, position, at)
        for row in rows:
            row.government_id = event_row.government_id
        if subject.government_id is None:
            subject.government_id = event_row.government_id
        batch.events.append(event_row)

    def event_row(
        self, event: Aggregate.Event, subject: Subject, position: int, at: datetime
    ) -> EventRow:
        valid_from = facts.valid_date(event)
        on = valid_from or at.date()
        path = self.tree.path(subject.owner_id, on, at)
        return EventRow(
            position=position,
            type=facts.public_type(event),
            subject_id=event.originator_id,
            subject_type=subject.subject_type,
            subject_version=event.originator_version,
            valid_from=valid_from,
            recorded_at=at,
            actor=getattr(event, "actor", "unknown"),
            reason=getattr(event, "reason", None),
            source=getattr(event, "source", None),
            owner_id=subject.owner_id,
            unit_path=path,
            government_id=self.tree.root(path[-1], on, at),
        )

    def subject_for(self, event: Aggregate.Event) -> Subject:
        subject = self.subjects.get(event.originator_id)
        if subject is None:
            owner = facts.owner_of(event) or event.originator_id
            attrs = {
                name: getattr(event, name)
                for name in ("fiscal_year", "kind")
                if hasattr(event, name)
            }
            subject = Subject(facts.subject_type(event), owner, 0, attrs)
            self.subjects[event.originator_id] = subject
        return subject


def believed_facts(conn: psycopg.Connection[Any]) -> set[FactKey]:
    with conn.cursor(row_factory=args_row(FactKey)) as cursor:
        believed = cursor.execute(
            "SELECT kind, subject_id, valid_from FROM rm_facts WHERE recorded_to IS NULL "
            "UNION ALL SELECT 'staffing', unit_id, valid_from FROM rm_staffing "
            "WHERE recorded_to IS NULL"
        )
        return set(believed.fetchall())


def parent_timelines(conn: psycopg.Connection[Any]) -> ParentTimelines:
    """The org tree's parent links as the read model holds them, in recorded order."""
    tree = ParentTimelines()
    links = conn.execute(
        "SELECT subject_id, valid_from, parent_id, recorded_from, recorded_to "
        "FROM rm_facts WHERE kind = 'org.parent' ORDER BY position"
    )
    for unit, valid_from, parent, recorded_from, recorded_to in links.fetchall():
        link = ParentLink(valid_from, parent, recorded_from)
        tree.add(unit, link)
        link.recorded_to = recorded_to
    return tree
