"""The read model's tables: made at start when missing, dropped and made anew when their
layout version is not the code's (a rebuild from the log follows), and indexed once a rebuild
has reached the head of the log."""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from psycopg import sql

from projections.schema import (
    DDL,
    HAS_HALT_COLUMNS,
    LAYOUT_VERSION,
    META_DDL,
    META_HALT_COLUMNS,
    PROJECTION_NAME,
    READ_INDEXES,
    TABLES,
)

log = logging.getLogger(__name__)


def prepare(conn: psycopg.Connection[Any]) -> bool:
    """Make rm_meta current; True when the read model was reset (its layout was not current)."""
    conn.execute(META_DDL)
    if conn.execute(HAS_HALT_COLUMNS).fetchone() is None:
        conn.execute(META_HALT_COLUMNS)
    row = conn.execute(
        "SELECT layout_version FROM rm_meta WHERE name = %s", (PROJECTION_NAME,)
    ).fetchone()
    if row is not None and row[0] == LAYOUT_VERSION:
        return False
    reset(conn)
    return True


def reset(conn: psycopg.Connection[Any]) -> None:
    """Drop the read model and start it anew at position 0."""
    log.info("rebuilding the read model from the log")
    for table in TABLES:
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))
    conn.execute(META_DDL)
    conn.execute(DDL)
    conn.execute(
        "INSERT INTO rm_meta (name, layout_version, position) VALUES (%s, %s, 0) "
        "ON CONFLICT (name) DO UPDATE SET layout_version = EXCLUDED.layout_version, "
        "position = 0, watermark = NULL, safe_time = NULL",
        (PROJECTION_NAME, LAYOUT_VERSION),
    )


def index(conn: psycopg.Connection[Any]) -> None:
    """Create the indexes reads need, if a rebuild has not yet made them."""
    row = conn.execute(
        "SELECT indexed FROM rm_meta WHERE name = %s", (PROJECTION_NAME,)
    ).fetchone()
    if row is not None and not row[0]:
        log.info("creating the read model's indexes")
        conn.execute("SET LOCAL statement_timeout = 0")  # once, over the whole read model
        conn.execute(READ_INDEXES)
        conn.execute("UPDATE rm_meta SET indexed = true WHERE name = %s", (PROJECTION_NAME,))
