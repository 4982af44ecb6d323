"""The read model's tables. LAYOUT_VERSION names their layout: when it changes, the read model
is dropped and rebuilt from the log at start.

- `rm_facts`: one row per version of a fact (org name, parent and status, a budget line's
  figures, a task's state, an indicator's point) with its valid date and its transaction-time
  interval [recorded_from, recorded_to). An org.parent fact keeps its parent in `parent_id`, so
  that a unit's children are found by index.
- `rm_staffing`: one row per version of a unit's staffing table, its lines as parallel arrays
  (label ids into `rm_labels`, authorised, current, women), a tenth of the JSON it replaces.
- `rm_events`: the public log's index (who, what, which units); the event's data stays in the
  log itself and is decoded when asked for. Indexed by recorded_at too, so that a window of
  transaction time (Query.learned, EventFilter.recordedAfter) is found in two probes.
- `rm_rollup`: every government's staffing totals over valid time (one row where they change),
  each version with its transaction-time interval like rm_facts; the projector keeps it in the
  transaction of the rows it derives from (projections/build/rollup.py), and `Query.rollup`
  reads one row a government (projections/read/rollup.py).
- `rm_meta`: the projector's position and the safe time S it publishes, written in the same
  transaction as the rows they describe (projections/freshness.py), and its halt, if an event
  stopped it (projections/halt.py). The halt columns are added in place to a read model built
  before them, so that they cost no rebuild.

Every row of rm_facts, rm_staffing, rm_subjects and rm_events names its `government_id`: the
root of its owner's tree as the tree stood when its event was recorded (a root is its own
government); a row of rm_rollup, the government it totals. So a government's own copy is a
logical replica of the read model filtered by it (`publication`, docs/deploy.md). The tables
that are updated in place keep their whole old row in the WAL (REPLICA IDENTITY FULL), which a
row filter on an UPDATE needs; it costs nothing unless wal_level is logical.
"""

from __future__ import annotations

import re
from uuid import UUID

LAYOUT_VERSION = 11
PROJECTION_NAME = "ledger"
PROJECTED_CHANNEL = "govledger_projected"

META_DDL = """
CREATE TABLE IF NOT EXISTS rm_meta (
    name text PRIMARY KEY,
    layout_version int NOT NULL,
    position bigint NOT NULL,
    watermark timestamptz,
    safe_time timestamptz,
    indexed boolean NOT NULL DEFAULT false,
    halted_at bigint,
    halted_type text,
    halted_error text,
    halted_since timestamptz
)
"""
META_HALT_COLUMNS = """
ALTER TABLE rm_meta ADD COLUMN IF NOT EXISTS halted_at bigint,
    ADD COLUMN IF NOT EXISTS halted_type text,
    ADD COLUMN IF NOT EXISTS halted_error text,
    ADD COLUMN IF NOT EXISTS halted_since timestamptz
"""
"""For an rm_meta made before halts were recorded: run only when a column is missing, since
ALTER TABLE waits for every reader of rm_meta (and then meets the session's lock timeout)."""
HAS_HALT_COLUMNS = (
    "SELECT 1 FROM information_schema.columns "
    "WHERE table_name = 'rm_meta' AND column_name = 'halted_since'"
)

TABLES = (
    "rm_facts",
    "rm_staffing",
    "rm_labels",
    "rm_subjects",
    "rm_events",
    "rm_rollup",
    "rm_meta",
)
"""Dropped by a rebuild (rm_meta too, since its columns follow the layout)."""

DDL = """
CREATE TABLE rm_facts (
    kind text NOT NULL,
    subject_id uuid NOT NULL,
    valid_from date NOT NULL,
    owner_id uuid NOT NULL,
    value jsonb NOT NULL,
    recorded_from timestamptz NOT NULL,
    recorded_to timestamptz,
    position bigint NOT NULL,
    parent_id uuid,
    government_id uuid NOT NULL
);
ALTER TABLE rm_facts REPLICA IDENTITY FULL;
CREATE UNIQUE INDEX rm_facts_believed ON rm_facts (kind, subject_id, valid_from)
    WHERE recorded_to IS NULL;

CREATE TABLE rm_labels (
    id int PRIMARY KEY,
    series_key text NOT NULL,
    job_category text NOT NULL,
    grade text
);

CREATE TABLE rm_staffing (
    unit_id uuid NOT NULL,
    valid_from date NOT NULL,
    recorded_from timestamptz NOT NULL,
    recorded_to timestamptz,
    position bigint NOT NULL,
    labels int[] NOT NULL,
    authorized int[] NOT NULL,
    current int[] NOT NULL,
    women int[],
    resolutions text[],
    unit_women int,
    note text,
    source text,
    government_id uuid NOT NULL
);
ALTER TABLE rm_staffing REPLICA IDENTITY FULL;
CREATE UNIQUE INDEX rm_staffing_believed ON rm_staffing (unit_id, valid_from)
    WHERE recorded_to IS NULL;

CREATE TABLE rm_subjects (
    subject_id uuid PRIMARY KEY,
    subject_type text NOT NULL,
    owner_id uuid NOT NULL,
    version bigint NOT NULL,
    attrs jsonb NOT NULL,
    government_id uuid NOT NULL
);
ALTER TABLE rm_subjects REPLICA IDENTITY FULL;

CREATE TABLE rm_events (
    position bigint NOT NULL,
    type text NOT NULL,
    subject_id uuid NOT NULL,
    subject_type text NOT NULL,
    subject_version bigint NOT NULL,
    valid_from date,
    recorded_at timestamptz NOT NULL,
    actor text NOT NULL,
    reason text,
    source text,
    owner_id uuid NOT NULL,
    unit_path uuid[] NOT NULL,
    government_id uuid NOT NULL
);

CREATE TABLE rm_rollup (
    government_id uuid NOT NULL,
    valid_from date NOT NULL,
    recorded_from timestamptz NOT NULL,
    recorded_to timestamptz,
    units int NOT NULL,
    authorized bigint,
    current bigint NOT NULL,
    women bigint,
    reference_date date
);
ALTER TABLE rm_rollup REPLICA IDENTITY FULL;
CREATE UNIQUE INDEX rm_rollup_believed ON rm_rollup (government_id, valid_from)
    WHERE recorded_to IS NULL;
CREATE INDEX rm_rollup_read ON rm_rollup (government_id, valid_from DESC)
    INCLUDE (recorded_from, recorded_to);
CREATE INDEX rm_rollup_recorded_from ON rm_rollup (recorded_from);
CREATE INDEX rm_rollup_recorded_to ON rm_rollup (recorded_to);
"""
"""The tables, with the indexes that applying the log itself needs (to close the fact versions
a later event supersedes, and to find subjects); rm_rollup, a few rows a government, has all of
its own from the start (the projector reads it, the read probes it once a government)."""

READ_INDEXES = """
CREATE INDEX rm_facts_subject ON rm_facts (kind, subject_id, valid_from)
    INCLUDE (recorded_from, recorded_to);
CREATE INDEX rm_facts_owner ON rm_facts (owner_id, kind, valid_from);
CREATE INDEX rm_facts_children ON rm_facts (parent_id) WHERE kind = 'org.parent';
CREATE INDEX rm_staffing_unit ON rm_staffing (unit_id, valid_from)
    INCLUDE (recorded_from, recorded_to);
CREATE INDEX rm_subjects_owner ON rm_subjects (owner_id, subject_type);
ALTER TABLE rm_events ADD PRIMARY KEY (position);
CREATE INDEX rm_events_owner ON rm_events (owner_id, position);
CREATE INDEX rm_events_subject ON rm_events (subject_id, position);
CREATE INDEX rm_events_type ON rm_events (type, position);
CREATE INDEX rm_events_path ON rm_events USING gin (unit_path);
CREATE INDEX rm_events_recorded ON rm_events (recorded_at, position);
"""
"""The indexes reads need. A rebuild creates them once it has reached the head of the log,
which costs a fraction of keeping them up to date row by row while it applies the log."""

GOVERNMENT_TABLES = ("rm_facts", "rm_staffing", "rm_subjects", "rm_events", "rm_rollup")
"""The tables whose rows each belong to one government (their `government_id`)."""
SHARED_TABLES = ("rm_labels", "rm_meta")
"""What every government's copy needs whole: the staffing lines' labels, and the projector's
position and safe time (reads settle against the safe time)."""


def publication(name: str, government_id: UUID) -> str:
    """The publication of one government's rows and the shared tables (PostgreSQL 15 or
    later, wal_level = logical), for `CREATE SUBSCRIPTION ... PUBLICATION name` on its copy."""
    if not re.fullmatch("[a-z_][a-z0-9_]{0,62}", name):
        raise ValueError(f"publication name {name!r}: a lower-case identifier, please")
    government = UUID(str(government_id))
    filtered = [f"{table} WHERE (government_id = '{government}')" for table in GOVERNMENT_TABLES]
    return f"CREATE PUBLICATION {name} FOR TABLE {', '.join([*filtered, *SHARED_TABLES])}"
