"""The read model's tables as rows, to compare one way of building them with another."""

from __future__ import annotations

from typing import Any

from api.runtime import Runtime

READ_MODEL = {
    "rm_facts": (
        "position, kind, subject_id, valid_from, owner_id, value, recorded_from, recorded_to, "
        "parent_id, government_id"
    ),
    "rm_staffing": (
        "position, unit_id, valid_from, recorded_from, recorded_to, labels, authorized, current, "
        "women, resolutions, unit_women, note, source, government_id"
    ),
    "rm_labels": "id, series_key, job_category, grade",
    "rm_events": (
        "position, type, subject_id, subject_version, valid_from, actor, unit_path, government_id"
    ),
    "rm_subjects": "subject_id, subject_type, owner_id, version, attrs, government_id",
    "rm_rollup": (
        "(government_id, valid_from, recorded_from)::text, recorded_to, units, authorized, "
        "current, women, reference_date"
    ),
}


def snapshot(runtime: Runtime) -> dict[str, list[Any]]:
    with runtime.connect() as conn:
        return {
            table: conn.execute(f"SELECT {cols} FROM {table} ORDER BY 1, 2").fetchall()
            for table, cols in READ_MODEL.items()
        }


def clean_rebuild(runtime: Runtime) -> dict[str, list[Any]]:
    """The read model rebuilt from the start of the log in one go."""
    runtime.projector.batch_size = 1000
    with runtime.projector.session() as conn:
        assert conn is not None
        runtime.projector.reset(conn)
        runtime.projector.catch_up(conn)
    return snapshot(runtime)
