"""The read model's tables. LAYOUT_VERSION names their layout: when it changes, the read model
is dropped and rebuilt from the log at start."""

from __future__ import annotations

LAYOUT_VERSION = 6
PROJECTION_NAME = "ledger"
PROJECTED_CHANNEL = "govledger_projected"

META_DDL = """
CREATE TABLE IF NOT EXISTS rm_meta (
    name text PRIMARY KEY,
    layout_version int NOT NULL,
    position bigint NOT NULL,
    watermark timestamptz
)
"""

TABLES = ("rm_facts", "rm_subjects", "rm_events")

DDL = """
CREATE TABLE rm_facts (
    kind text NOT NULL,
    subject_id uuid NOT NULL,
    valid_from date NOT NULL,
    owner_id uuid NOT NULL,
    value jsonb NOT NULL,
    recorded_from timestamptz NOT NULL,
    recorded_to timestamptz,
    position bigint NOT NULL
);
CREATE INDEX rm_facts_subject ON rm_facts (kind, subject_id, valid_from);
CREATE INDEX rm_facts_owner ON rm_facts (owner_id, kind, valid_from);
CREATE UNIQUE INDEX rm_facts_believed ON rm_facts (kind, subject_id, valid_from)
    WHERE recorded_to IS NULL;

CREATE TABLE rm_subjects (
    subject_id uuid PRIMARY KEY,
    subject_type text NOT NULL,
    owner_id uuid NOT NULL,
    version bigint NOT NULL,
    attrs jsonb NOT NULL
);
CREATE INDEX rm_subjects_owner ON rm_subjects (owner_id, subject_type);

CREATE TABLE rm_events (
    position bigint PRIMARY KEY,
    type text NOT NULL,
    subject_id uuid NOT NULL,
    subject_type text NOT NULL,
    subject_version bigint NOT NULL,
    valid_from date,
    recorded_at timestamptz NOT NULL,
    actor text NOT NULL,
    reason text,
    source text,
    data jsonb NOT NULL,
    owner_id uuid NOT NULL,
    unit_path uuid[] NOT NULL
);
CREATE INDEX rm_events_owner ON rm_events (owner_id, position);
CREATE INDEX rm_events_subject ON rm_events (subject_id, position);
CREATE INDEX rm_events_type ON rm_events (type, position);
CREATE INDEX rm_events_path ON rm_events USING gin (unit_path);
"""
