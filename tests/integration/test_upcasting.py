"""Events recorded by an earlier release keep their meaning: a Task.Recorded of version 1 (before
tasks had a description), stored as that release wrote it, loads, projects and reads."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import asyncpg

from api.runtime import Runtime
from domain import commands as c
from domain.provenance import Provenance
from domain.task import Task, TaskKind
from projections.read import queries
from tests.conftest import EDITOR, register

DAY = date(2020, 1, 31)
LATER = date(2020, 3, 31)


def record_as_version_1(runtime: Runtime, unit: UUID) -> Task:
    """A task opened and recorded, stored as release 1 stored it: no description, no
    class_version in the state."""
    task = Task.open(
        task_id=uuid4(), owner_id=unit, kind=TaskKind.AUDIT_FOLLOW_UP, provenance=EDITOR
    )
    task.record(
        valid_from=DAY,
        title="자료제출 시스템 마련",
        description="ignored",
        status=None,
        status_since=None,
        number=1,
        category="시정·처리요구사항",
        responsible="총무과",
        listed=True,
        milestones=[],
        provenance=EDITOR,
    )
    mapper = runtime.ledger.mapper
    stored = []
    for event in task.collect_events():
        item = mapper.to_stored_event(event)
        state = mapper.transcoder.decode(item.state)
        if isinstance(event, Task.Recorded):
            assert state.pop("class_version") == 2
            del state["description"]
        encoded = mapper.transcoder.encode(state)
        stored.append(replace(item, state=encoded))
    runtime.ledger.recorder.insert_events(stored)
    return task


async def read_tasks(runtime: Runtime, as_of: date) -> list[queries.TaskView]:
    conn = await asyncpg.connect(**runtime.config.asyncpg_kwargs())
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    try:
        return await queries.tasks(conn, as_of=as_of, known_at=datetime.now(UTC))
    finally:
        await conn.close()


async def test_a_version_1_task_record_loads_projects_and_takes_a_new_record(
    runtime: Runtime,
) -> None:
    unit = register(runtime, "시장비서실")
    task = record_as_version_1(runtime, unit)
    loaded = runtime.ledger.load(Task, task.id, "taskId")
    assert loaded.states.exactly(DAY)["description"] is None  # type: ignore[index]
    demand = "행정사무감사 자료제출과 관련하여 ... 시스템 마련이 필요함"
    command = c.RecordTask(
        task.id,
        unit,
        TaskKind.AUDIT_FOLLOW_UP,
        "자료제출 시스템 마련",
        None,
        LATER,
        description=demand,
    )
    runtime.ledger.execute(command, Provenance("tester", "full text", "000.txt"))
    runtime.catch_up()
    (before,) = await read_tasks(runtime, DAY)
    (after,) = await read_tasks(runtime, LATER)
    assert (before.title, before.description, before.responsible) == (
        "자료제출 시스템 마련",
        None,
        "총무과",
    )
    assert after.description == demand
