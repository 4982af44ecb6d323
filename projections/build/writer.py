"""Writing one batch into the read model: superseded facts closed with one UPDATE a table, new
rows with one COPY a table, staffing tables as arrays over interned labels."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb

from projections.build.batch import Batch, EventRow, FactKey, FactRow, Subject, TableTotals

Label = tuple[str, str, str | None]
"""(series key, job category, grade) of a staffing line, as the line states them."""

TABLE_TOTALS = """
    CASE WHEN array_position(f.authorized, NULL) IS NULL
        THEN (SELECT coalesce(sum(x), 0) FROM unnest(f.authorized) x) END,
    (SELECT coalesce(sum(x), 0) FROM unnest(f.current) x),
    coalesce(f.unit_women, CASE WHEN cardinality(f.labels) = 0 THEN 0
        WHEN array_position(f.women, NULL) IS NULL THEN (SELECT sum(x) FROM unnest(f.women) x)
        END)
"""
"""A staffing row's (authorized, current, women) as Staffing sums them (views.py): authorized
null where a line gives none, women the unit's figure, else the lines' where every line gives
one (a table of no lines: 0). rollup.table_totals is the same in Python."""
CLOSE_STAFFING = f"""
UPDATE rm_staffing f SET recorded_to = u.t
FROM unnest(%s::uuid[], %s::date[], %s::timestamptz[]) AS u(subject_id, valid_from, t)
WHERE f.unit_id = u.subject_id AND f.valid_from = u.valid_from AND f.recorded_to IS NULL
RETURNING f.unit_id, f.valid_from, f.recorded_from, f.recorded_to, {TABLE_TOTALS}
"""
CLOSE_FACTS = """
UPDATE rm_facts f SET recorded_to = u.t
FROM unnest(%s::text[], %s::uuid[], %s::date[], %s::timestamptz[])
    AS u(kind, subject_id, valid_from, t)
WHERE f.kind = u.kind AND f.subject_id = u.subject_id AND f.valid_from = u.valid_from
    AND f.recorded_to IS NULL
"""
COPY_FACTS = (
    "COPY rm_facts (kind, subject_id, valid_from, owner_id, value, recorded_from, recorded_to, "
    "position, parent_id, government_id) FROM STDIN"
)
COPY_STAFFING = (
    "COPY rm_staffing (unit_id, valid_from, recorded_from, recorded_to, position, labels, "
    "authorized, current, women, resolutions, unit_women, note, source, government_id) FROM STDIN"
)
COPY_EVENTS = (
    "COPY rm_events (position, type, subject_id, subject_type, subject_version, valid_from, "
    "recorded_at, actor, reason, source, owner_id, unit_path, government_id) FROM STDIN"
)
UPSERT_SUBJECTS = """
INSERT INTO rm_subjects (subject_id, subject_type, owner_id, version, attrs, government_id)
SELECT * FROM unnest(%s::uuid[], %s::text[], %s::uuid[], %s::bigint[], %s::jsonb[], %s::uuid[])
ON CONFLICT (subject_id) DO UPDATE SET version = EXCLUDED.version
"""


class Writer:
    """Writes batches; remembers the label ids it has given out (`reload` after a rollback)."""

    def __init__(self) -> None:
        self.labels: dict[Label, int] = {}
        self._new: list[tuple[int, Label]] = []

    def reload(self, conn: psycopg.Connection[Any]) -> None:
        rows = conn.execute("SELECT id, series_key, job_category, grade FROM rm_labels").fetchall()
        self.labels = {(key, category, grade): id for id, key, category, grade in rows}
        self._new = []

    def write(
        self, conn: psycopg.Connection[Any], batch: Batch, subjects: dict[UUID, Subject]
    ) -> None:
        with conn.cursor() as cur:
            batch.closed_tables = self.close(cur, batch.close_believed)
            staffing = [f for f in batch.facts if f.kind == "staffing"]
            others = [f for f in batch.facts if f.kind != "staffing"]
            if staffing:
                self.copy_staffing(cur, staffing)
            if others:
                with cur.copy(COPY_FACTS) as copy:
                    for f in others:
                        copy.write_row(fact_values(f))
            with cur.copy(COPY_EVENTS) as copy:
                for event in batch.events:
                    copy.write_row(event_values(event))
            upsert_subjects(cur, [(i, subjects[i]) for i in batch.touched])

    @staticmethod
    def close(cur: psycopg.Cursor[Any], closing: dict[FactKey, datetime]) -> list[TableTotals]:
        """Close the versions; return the staffing tables closed, summed (for the rollup)."""
        staffing = [(k, t) for k, t in closing.items() if k.kind == "staffing"]
        others = [(k, t) for k, t in closing.items() if k.kind != "staffing"]
        closed: list[TableTotals] = []
        if staffing:
            cur.execute(
                CLOSE_STAFFING,
                (
                    [k.subject_id for k, _ in staffing],
                    [k.valid_from for k, _ in staffing],
                    [t for _, t in staffing],
                ),
            )
            closed = [TableTotals(*row) for row in cur.fetchall()]
        if others:
            cur.execute(
                CLOSE_FACTS,
                (
                    [k.kind for k, _ in others],
                    [k.subject_id for k, _ in others],
                    [k.valid_from for k, _ in others],
                    [t for _, t in others],
                ),
            )
        return closed

    def copy_staffing(self, cur: psycopg.Cursor[Any], facts: list[FactRow]) -> None:
        tables = [(f, self.label_ids(f.value["rows"])) for f in facts]
        self.insert_new_labels(cur)
        with cur.copy(COPY_STAFFING) as copy:
            for f, labels in tables:
                copy.write_row(staffing_values(f, labels))

    def label_ids(self, rows: Iterable[dict[str, Any]]) -> list[int]:
        ids = []
        for row in rows:
            label = (row["series_key"], row["job_category"], row["grade"])
            found = self.labels.get(label)
            if found is None:
                found = self.labels[label] = len(self.labels) + 1
                self._new.append((found, label))
            ids.append(found)
        return ids

    def insert_new_labels(self, cur: psycopg.Cursor[Any]) -> None:
        if not self._new:
            return
        with cur.copy("COPY rm_labels (id, series_key, job_category, grade) FROM STDIN") as copy:
            for id, (key, category, grade) in self._new:
                copy.write_row((id, key, category, grade))
        self._new = []


def array(values: Iterable[object]) -> str:
    """An array of numbers or UUIDs as COPY's text takes it (nothing in them needs quoting);
    psycopg's own array dumper costs more than the rest of the row."""
    return "{" + ",".join(["NULL" if value is None else str(value) for value in values]) + "}"


def upsert_subjects(cur: psycopg.Cursor[Any], touched: list[tuple[UUID, Subject]]) -> None:
    cur.execute(
        UPSERT_SUBJECTS,
        (
            [i for i, _ in touched],
            [s.subject_type for _, s in touched],
            [s.owner_id for _, s in touched],
            [s.version for _, s in touched],
            [Jsonb(s.attrs) for _, s in touched],
            [s.government_id for _, s in touched],
        ),
    )


def event_values(event: EventRow) -> tuple[Any, ...]:
    return (
        event.position,
        event.type,
        event.subject_id,
        event.subject_type,
        event.subject_version,
        event.valid_from,
        event.recorded_at,
        event.actor,
        event.reason,
        event.source,
        event.owner_id,
        array(event.unit_path),
        event.government_id,
    )


def fact_values(f: FactRow) -> tuple[Any, ...]:
    parent = f.value.get("parent_id") if f.kind == "org.parent" else None
    return (
        f.kind,
        f.subject_id,
        f.valid_from,
        f.owner_id,
        Jsonb(f.value),
        f.recorded_from,
        f.recorded_to,
        f.position,
        parent,
        f.government_id,
    )


def staffing_values(f: FactRow, labels: list[int]) -> tuple[Any, ...]:
    rows = f.value["rows"]
    women = [row.get("women") for row in rows]
    resolutions = [row.get("resolution") for row in rows]
    return (
        f.subject_id,
        f.valid_from,
        f.recorded_from,
        f.recorded_to,
        f.position,
        array(labels),
        array(row["authorized"] for row in rows),
        array(row["current"] for row in rows),
        None if all(w is None for w in women) else array(women),
        None if all(r is None for r in resolutions) else resolutions,
        f.value.get("women"),
        f.value.get("note"),
        f.value.get("source"),
        f.government_id,
    )
