"""The GraphQL schema in process (schema.execute, no HTTP), for breadth: the org tree over valid
time, roll-ups of staffing and budgets, tasks, changes between dates, both time axes and
retractions, on a real PostgreSQL with the projector running."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from strawberry.types import ExecutionResult

from api.auth import Principal
from api.graphql.context import Context, Services
from api.graphql.schema import schema
from api.runtime import Runtime

Json = dict[str, Any]
EDITOR = Principal("editor-kim", "editor")
ITEM = "기관운영업무추진비"
READ = """query($id: ID!, $asOf: Date, $knownAt: DateTime) {
  orgUnit(id: $id, asOf: $asOf, knownAt: $knownAt) { %s } }"""
CHANGES = """query($id: ID!, $from: Date!, $to: Date!) { orgUnit(id: $id, asOf: $to) {
  changes(from: $from, to: $to) { kind subjectId label key field old new
  events { type validFrom } } } }"""


@pytest.fixture
async def services(runtime: Runtime) -> AsyncIterator[Services]:
    runtime.catch_up()
    runtime.start_projector()
    services = await runtime.open_services()
    yield services
    await runtime.close_services()


async def execute(services: Services, query: str, /, **variables: Any) -> ExecutionResult:
    context = Context(services, principal=EDITOR)
    return await schema.execute(query, variable_values=variables, context_value=context)


async def data(services: Services, query: str, /, **variables: Any) -> Any:
    result = await execute(services, query, **variables)
    assert not result.errors, result.errors
    return result.data


async def error(services: Services, query: str, /, **variables: Any) -> tuple[str, str | None]:
    """The first error's code and field."""
    result = await execute(services, query, **variables)
    assert result.errors, result.data
    extensions = result.errors[0].extensions or {}
    return extensions["code"], extensions.get("field")


def mutation(field: str, selection: str) -> str:
    input_type = field[0].upper() + field[1:] + "Input"
    return f"mutation($input: {input_type}!) {{ {field}(input: $input) {{ {selection} }} }}"


async def mutate(
    services: Services, field: str, selection: str = "version", /, **input: Any
) -> Any:
    return (await data(services, mutation(field, selection), input=input))[field]


async def refused(services: Services, field: str, /, **input: Any) -> tuple[str, str | None]:
    return await error(services, mutation(field, "version"), input=input)


async def register(services: Services, name: str, parent: str | None = None) -> str:
    selection = "orgUnit { id }"
    found = await mutate(
        services, "registerOrgUnit", selection, name=name, parentId=parent, validFrom="2019-01-01"
    )
    return str(found["orgUnit"]["id"])


async def rename(services: Services, unit: str, name: str, day: str) -> None:
    await mutate(services, "renameOrgUnit", orgUnitId=unit, name=name, validFrom=day)


def row(grade: str, current: int, authorized: int | None = None, women: int | None = None) -> Json:
    category = "별정직" if grade.endswith("상당") else "일반직"
    figures = {"current": current, "authorized": authorized, "women": women}
    return {"jobCategory": category, "grade": grade, **figures}


async def staff(services: Services, unit: str, day: str, rows: list[Json], **extra: Any) -> None:
    await mutate(services, "recordStaffing", orgUnitId=unit, referenceDate=day, rows=rows, **extra)


async def line(
    services: Services, unit: str, day: str, budget: int, done: int | None, **x: Any
) -> Any:
    selection = "budgetLine { id account owner { name } } events { recordedAt }"
    fields = {"fiscalYear": 2020, "account": "일반회계", "item": ITEM, **x}
    figures = {"referenceDate": day, "budgeted": budget, "executed": done}
    return await mutate(
        services, "recordBudgetLine", selection, orgUnitId=unit, **figures, **fields
    )


async def task(services: Services, unit: str, day: str, title: str, status: str, **x: Any) -> Any:
    selection = "task { id status listed } events { recordedAt }"
    fields = {"kind": "AUDIT_FOLLOW_UP", "title": title, "status": status, **x}
    return await mutate(services, "recordTask", selection, orgUnitId=unit, validFrom=day, **fields)


async def read(
    services: Services, unit: str, as_of: str, selection: str, known_at: str | None = None
) -> Any:
    found = await data(services, READ % selection, id=unit, asOf=as_of, knownAt=known_at)
    return found["orgUnit"]


async def names(services: Services, as_of: str) -> list[str]:
    found = await data(services, "query($d: Date) { orgUnits(asOf: $d) { name } }", d=as_of)
    return [unit["name"] for unit in found["orgUnits"]]


async def children(services: Services, unit: str, as_of: str) -> list[str]:
    return [c["name"] for c in (await read(services, unit, as_of, "children { name }"))["children"]]


async def log_size(services: Services) -> int:
    found = await data(services, "{ events(first: 500) { edges { cursor } } }")
    return len(found["events"]["edges"])


async def changes(services: Services, unit: str, start: str, end: str) -> list[Json]:
    found = await data(services, CHANGES, id=unit, **{"from": start, "to": end})
    return found["orgUnit"]["changes"]


def pick(found: Json, keys: str) -> tuple[Any, ...]:
    return tuple(found[key] for key in keys.split())


async def test_the_tree_as_of_dates_around_a_rename_a_move_and_a_close(services: Services) -> None:
    root = await register(services, "서울특별시")
    office = await register(services, "기획조정실", root)
    bureau = await register(services, "행정국", root)
    dept = await register(services, "기획담당관", office)
    await rename(services, dept, "정책기획관", "2020-01-01")
    await mutate(services, "moveOrgUnit", orgUnitId=dept, parentId=bureau, validFrom="2020-06-01")
    closed = await mutate(
        services, "closeOrgUnit", "orgUnit { name }", orgUnitId=office, validFrom="2021-01-01"
    )
    assert closed["orgUnit"]["name"] == "기획조정실"
    for day, name, parent in [
        ("2019-12-31", "기획담당관", "기획조정실"),
        ("2020-01-01", "정책기획관", "기획조정실"),
        ("2020-06-01", "정책기획관", "행정국"),
    ]:
        found = await read(services, dept, day, "name parent { name }")
        assert found == {"name": name, "parent": {"name": parent}}, day
    assert await children(services, office, "2020-05-31") == ["정책기획관"]
    assert await children(services, bureau, "2020-05-31") == []
    assert await children(services, office, "2020-06-01") == []
    assert await children(services, bureau, "2020-06-01") == ["정책기획관"]
    before = ["서울특별시", "기획조정실", "행정국", "정책기획관"]
    assert await names(services, "2020-12-31") == before
    assert await names(services, "2021-01-01") == ["서울특별시", "행정국", "정책기획관"]
    assert await children(services, root, "2021-01-01") == ["행정국"]
    assert await read(services, office, "2020-12-31", "name") == {"name": "기획조정실"}
    assert await read(services, office, "2021-01-01", "name") is None
    assert await read(services, office, "2018-12-31", "name") is None


async def test_a_closed_units_line_names_its_owner_as_last_recorded(services: Services) -> None:
    unit = await register(services, "총무과", await register(services, "서울특별시"))
    first = (await line(services, unit, "2020-03-31", 1000, 100))["budgetLine"]
    assert first["owner"]["name"] == "총무과"
    await rename(services, unit, "행정지원과", "2020-07-01")
    await mutate(services, "closeOrgUnit", orgUnitId=unit, validFrom="2021-01-01")
    final = (await line(services, unit, "2021-02-28", 1000, 990))["budgetLine"]
    assert (final["id"], final["owner"]["name"]) == (first["id"], "행정지원과")


async def test_staffing_rolls_up_descendants_with_nulls_notes_and_sources(
    services: Services,
) -> None:
    root = await register(services, "기획조정실")
    office = await register(services, "기획담당관", root)
    team = await register(services, "평가팀", office)
    note = "전문임기제 3명 별도"
    await staff(services, root, "2020-01-31", [row("5급", 2, 2, 1)], note=note, source="r.txt")
    rows = [row("5급", 3, 3, 2), row("6급", 4, 4, 0)]
    await staff(services, office, "2020-03-31", rows, source="a.txt")
    await staff(services, team, "2020-02-29", [row("2급상당", 2, 2)], women=1, note="결원 없음")
    figures = "referenceDate authorized current women"
    whole = f"staffing {{ {figures} sources notes rows {{ seriesKey authorized current women }} }}"
    found = (await read(services, root, "2020-04-01", whole))["staffing"]
    assert pick(found, figures) == ("2020-03-31", 11, 11, 4)
    assert (found["sources"], found["notes"]) == (["a.txt", "r.txt"], [note, "결원 없음"])
    assert sorted(pick(r, "seriesKey authorized current women") for r in found["rows"]) == [
        ("별정직/2급상당", 2, 2, None),
        ("일반직/5급", 5, 5, 3),
        ("일반직/6급", 4, 4, 0),
    ]
    own = f"staffing(includeDescendants: false) {{ {figures} sources notes }}"
    found = (await read(services, root, "2020-04-01", own))["staffing"]
    assert pick(found, f"{figures} sources notes") == ("2020-01-31", 2, 2, 1, ["r.txt"], [note])
    short = f"staffing {{ {figures} }}"
    found = (await read(services, root, "2020-03-01", short))["staffing"]
    assert pick(found, figures) == ("2020-02-29", 4, 4, 2)

    await staff(
        services, await register(services, "조직담당관", root), "2020-03-31", [row("5급", 1)]
    )
    found = (await read(services, root, "2020-04-01", whole))["staffing"]
    assert pick(found, "authorized current women") == (None, 12, None)
    five = next(r for r in found["rows"] if r["seriesKey"] == "일반직/5급")
    assert pick(five, "authorized current women") == (None, 6, None)
    found = (await read(services, office, "2020-04-01", short))["staffing"]
    assert pick(found, figures) == ("2020-03-31", 9, 9, 3)


BUDGET = """budget(fiscalYear: %d) { referenceDate budgeted executed remaining executionRate
  lines { id account executed remaining executionRate owner { name } } }"""
TOTALS = "referenceDate budgeted executed remaining"


async def test_budget_rolls_up_descendants_and_a_later_date_supersedes(services: Services) -> None:
    root = await register(services, "기획조정실")
    dept = await register(services, "예산담당관", root)
    first = (await line(services, root, "2020-01-31", 1000, 100))["budgetLine"]
    later = await line(services, root, "2020-03-31", 1000, 300, account="일반 회계")
    assert later["budgetLine"] == {**first, "account": "일반회계"}
    special = await line(services, root, "2020-03-31", 200, 50, account="특별회계")
    assert special["budgetLine"]["id"] != first["id"]
    await line(services, dept, "2020-03-31", 500, None, account="기금", item="시책추진업무추진비")

    early = (await read(services, root, "2020-02-15", BUDGET % 2020))["budget"]
    assert pick(early, TOTALS) == ("2020-01-31", 1000, 100, 900)
    assert early["executionRate"] == pytest.approx(0.1)
    assert [(ln["id"], ln["executed"]) for ln in early["lines"]] == [(first["id"], 100)]

    late = (await read(services, root, "2020-04-01", BUDGET % 2020))["budget"]
    assert pick(late, f"{TOTALS} executionRate") == ("2020-03-31", 1700, 350, None, None)
    lines = {ln["account"]: ln for ln in late["lines"]}
    assert sorted(lines) == ["기금", "일반회계", "특별회계"]
    assert pick(lines["일반회계"], "id executed remaining") == (first["id"], 300, 700)
    assert lines["일반회계"]["executionRate"] == pytest.approx(0.3)
    assert pick(lines["기금"], "executed remaining executionRate") == (None, None, None)
    assert lines["기금"]["owner"] == {"name": "예산담당관"}

    own = (await read(services, dept, "2020-04-01", BUDGET % 2020))["budget"]
    assert pick(own, TOTALS) == ("2020-03-31", 500, None, None)
    assert (await read(services, root, "2020-04-01", BUDGET % 2021))["budget"] is None


async def test_budget_input_is_validated_and_a_refusal_records_nothing(services: Services) -> None:
    unit = await register(services, "기획조정실")
    size = await log_size(services)
    base = {"orgUnitId": unit, "item": ITEM, "referenceDate": "2020-01-31", "budgeted": 10}
    for field, value in [("account", "잡회계"), ("fiscalYear", 1899), ("fiscalYear", 2201)]:
        found = await refused(
            services, "recordBudgetLine", **{"fiscalYear": 2020, field: value}, **base
        )
        assert found == ("BAD_USER_INPUT", field), value
    assert await log_size(services) == size


TASKS = "tasks%s { id title status statusSince }"


async def test_tasks_keep_their_id_leave_the_list_and_keep_their_status_date(
    services: Services,
) -> None:
    unit = await register(services, "시장비서실")
    old, new = "자료제출 시스템 마련", "자료제출 시스템 구축"
    audit = await task(services, unit, "2020-01-31", old, "IN_PROGRESS", statusSince="2019-11-01")
    audit_id = audit["task"]["id"]
    major = {"kind": "MAJOR_TASK", "title": "청렴 문화 확산"}
    major_id = (await task(services, unit, "2020-01-31", status="PLANNED", **major))["task"]["id"]
    retitled = await task(services, unit, "2020-03-31", new, "IN_PROGRESS", taskId=audit_id)
    assert retitled["task"]["id"] == audit_id
    major["taskId"] = major_id
    await task(services, unit, "2020-05-31", status="COMPLETED", statusSince="2020-05-15", **major)
    await task(services, unit, "2020-06-30", status="COMPLETED", **major)
    gone = await task(
        services, unit, "2020-06-30", new, "IN_PROGRESS", taskId=audit_id, listed=False
    )
    assert pick(gone["task"], "status listed") == ("IN_PROGRESS", False)

    async def tasks(as_of: str, kind: str = "") -> list[tuple[Any, ...]]:
        found = (await read(services, unit, as_of, TASKS % kind))["tasks"]
        return [pick(t, "id title status statusSince") for t in found]

    assert await tasks("2020-02-01") == [
        (audit_id, old, "IN_PROGRESS", "2019-11-01"),
        (major_id, "청렴 문화 확산", "PLANNED", None),
    ]
    assert (await tasks("2020-04-01"))[0] == (audit_id, new, "IN_PROGRESS", "2019-11-01")
    assert [t[0] for t in await tasks("2020-04-01", "(kind: MAJOR_TASK)")] == [major_id]
    assert [t[0] for t in await tasks("2020-04-01", "(kind: AUDIT_FOLLOW_UP)")] == [audit_id]
    assert [t[0] for t in await tasks("2020-06-29")] == [audit_id, major_id]
    assert await tasks("2020-06-30") == [(major_id, "청렴 문화 확산", "COMPLETED", "2020-05-15")]
    found = await changes(services, unit, "2020-06-29", "2020-06-30")
    unlisted = [pick(c, "field old new") for c in found if c["subjectId"] == audit_id]
    assert unlisted == [("listed", True, False)]


def summary(found: list[Json]) -> set[tuple[Any, ...]]:
    events = [tuple((e["type"], e["validFrom"]) for e in c["events"]) for c in found]
    return {
        (*pick(c, "kind label key field old new"), e) for c, e in zip(found, events, strict=True)
    }


async def test_changes_between_dates_with_old_new_and_events(services: Services) -> None:
    root = await register(services, "기획조정실")
    dept = await register(services, "기획담당관", root)
    await staff(services, dept, "2020-01-31", [row("5급", 2, 3)])
    await staff(services, dept, "2020-03-31", [row("5급", 3, 3)])
    await line(services, root, "2020-01-31", 1000, 100)
    await line(services, root, "2020-03-31", 1000, 300)
    task_id = (await task(services, dept, "2020-01-31", "자료제출", "IN_PROGRESS"))["task"]["id"]
    since = {"taskId": task_id, "statusSince": "2020-03-15"}
    await task(services, dept, "2020-03-31", "자료제출", "COMPLETED", **since)
    await rename(services, dept, "정책기획관", "2020-03-01")
    recorded = (("StaffingRecorded", "2020-03-31"),)
    task_recorded = (("TaskRecorded", "2020-03-31"),)
    renamed = (("OrgUnitRenamed", "2020-03-01"),)
    assert summary(await changes(services, root, "2020-02-01", "2020-04-01")) == {
        ("staffing", "정책기획관", "일반직/5급", "current", 2, 3, recorded),
        ("budget", ITEM, "", "executed", 100, 300, (("BudgetRecorded", "2020-03-31"),)),
        ("task", "자료제출", "", "status", "IN_PROGRESS", "COMPLETED", task_recorded),
        ("task", "자료제출", "", "status_since", None, "2020-03-15", task_recorded),
        ("org.name", "정책기획관", "", "name", "기획담당관", "정책기획관", renamed),
    }
    own = await changes(services, dept, "2020-02-01", "2020-04-01")
    assert {c["kind"] for c in own} == {"staffing", "task", "org.name"}
    assert await changes(services, root, "2020-04-01", "2020-04-01") == []
    backwards = {"from": "2020-04-01", "to": "2020-02-01"}
    assert (await error(services, CHANGES, id=root, **backwards))[0] == "BAD_USER_INPUT"


async def test_changes_agree_with_a_status_date_kept_across_records(services: Services) -> None:
    unit = await register(services, "시장비서실")
    first = await task(
        services, unit, "2020-01-31", "자료제출", "COMPLETED", statusSince="2020-01-15"
    )
    await task(services, unit, "2020-03-31", "자료제출", "COMPLETED", taskId=first["task"]["id"])
    for day in ("2020-02-01", "2020-04-01"):
        found = await read(services, unit, day, TASKS % "")
        assert found["tasks"][0]["statusSince"] == "2020-01-15", day
    assert await changes(services, unit, "2020-02-01", "2020-04-01") == []


async def test_known_at_reads_the_past_and_ids_that_name_nothing(services: Services) -> None:
    unit = await register(services, "총무과")
    before = (await line(services, unit, "2020-01-31", 1000, 100))["events"][-1]["recordedAt"]
    after = (await line(services, unit, "2020-01-31", 1000, 150))["events"][-1]["recordedAt"]
    await rename(services, unit, "행정지원과", "2020-01-01")
    selection = "name budget(fiscalYear: 2020) { executed }"
    for known_at, name, executed in [
        (before, "총무과", 100),
        (after, "총무과", 150),
        (None, "행정지원과", 150),
    ]:
        found = await read(services, unit, "2020-02-01", selection, known_at)
        assert found == {"name": name, "budget": {"executed": executed}}, known_at
    naive = "2026-01-01T00:00:00"
    assert (await error(services, READ % "name", id=unit, knownAt=naive))[0] == "BAD_USER_INPUT"
    orgs = "query($k: DateTime) { orgUnits(knownAt: $k) { id } }"
    assert (await error(services, orgs, k=naive))[0] == "BAD_USER_INPUT"
    diff = f'changes(from: "2020-01-01", to: "2020-02-01", knownAt: "{naive}") {{ field }}'
    assert (await error(services, READ % diff, id=unit))[0] == "BAD_USER_INPUT"
    assert await read(services, "기획조정실", "2020-02-01", "name") is None
    assert await read(services, unit, "2018-12-31", "name") is None


async def test_retracting_a_budget_figure(services: Services) -> None:
    unit = await register(services, "총무과")
    line_id = (await line(services, unit, "2020-01-31", 1000, 100))["budgetLine"]["id"]
    known = (await line(services, unit, "2020-03-31", 1000, 300))["events"][-1]["recordedAt"]
    retract = {"fact": "BUDGET", "subjectId": line_id, "reason": "wrong reference date"}
    blank = {**retract, "referenceDate": "2020-03-31", "reason": "   "}
    assert await refused(services, "retractFact", **blank) == ("BAD_USER_INPUT", "reason")
    selection = "subjectId events { type }"
    done = await mutate(services, "retractFact", selection, **retract, referenceDate="2020-03-31")
    assert done == {"subjectId": line_id, "events": [{"type": "BudgetRecordRetracted"}]}
    figure = "budget(fiscalYear: 2020) { referenceDate executed }"
    found = await read(services, unit, "2020-04-01", figure)
    assert found == {"budget": {"referenceDate": "2020-01-31", "executed": 100}}
    await mutate(services, "retractFact", **retract, referenceDate="2020-01-31")
    assert await read(services, unit, "2020-04-01", figure) == {"budget": None}
    found = await read(services, unit, "2020-04-01", figure, known)
    assert found == {"budget": {"referenceDate": "2020-03-31", "executed": 300}}


async def test_retracting_a_task_record(services: Services) -> None:
    unit = await register(services, "시장비서실")
    task_id = (await task(services, unit, "2020-01-31", "자료제출", "IN_PROGRESS"))["task"]["id"]
    later = await task(services, unit, "2020-03-31", "자료제출", "COMPLETED", taskId=task_id)
    retract = {"fact": "TASK", "subjectId": task_id, "reason": "not in the 2020.4 report"}
    blank = {**retract, "referenceDate": "2020-03-31", "reason": ""}
    assert await refused(services, "retractFact", **blank) == ("BAD_USER_INPUT", "reason")
    on_march = {**retract, "referenceDate": "2020-03-31"}
    done = await mutate(services, "retractFact", "events { type }", **on_march)
    assert done == {"events": [{"type": "TaskRecordRetracted"}]}
    statuses = "tasks { id status }"
    found = await read(services, unit, "2020-04-01", statuses)
    assert found == {"tasks": [{"id": task_id, "status": "IN_PROGRESS"}]}
    await mutate(services, "retractFact", **retract, referenceDate="2020-01-31")
    assert await read(services, unit, "2020-04-01", statuses) == {"tasks": []}
    found = await read(services, unit, "2020-04-01", statuses, later["events"][-1]["recordedAt"])
    assert found == {"tasks": [{"id": task_id, "status": "COMPLETED"}]}
