"""An answer whose knownAt is settled never changes by a byte (issue 18, point 4): 200 random
settled questions over GET, on the Seoul data and many budget lines of one item and account
(corrected in an order of their own, so that the read model's rows lie in another order than
the lines were made), give the same bytes and ETags before `govledger export`, after
`govledger restore` into a fresh database, and after `govledger rebuild`. Every list of the
schema has a total order (stated in its description); physical row order is not one."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from api.http.responses import FINAL
from api.runtime import Runtime
from domain import commands as c
from domain import ids
from ledger.database import Database
from ledger.importing.importer import Importer
from ledger.settings import PgConfig
from tests.conftest import EDITOR, fresh_database, run_cli
from tests.support.live import Live, serving

DATA = Path(__file__).resolve().parents[2] / "data" / "seoul"
MAYOR = ids.unit_id("mayors-office")
QUESTIONS = 200
Answer = tuple[int, bytes, str | None, str | None]

LINES = "id account item budgeted executed referenceDate source note"
BUDGETS = f"""query($asOf: Date!, $knownAt: DateTime!, $fy: Int!) {{
  orgUnits(asOf: $asOf, knownAt: $knownAt) {{ id name parent {{ id }}
    budget(fiscalYear: $fy) {{ budgeted executed lines {{ {LINES} }}
      byAccount {{ account budgeted lines {{ id }} }} }} }} }}"""
UNIT = """query($id: ID!, $asOf: Date!, $knownAt: DateTime!) {
  orgUnit(id: $id, asOf: $asOf, knownAt: $knownAt) { name children { id name }
    staffing { current sources notes rows { seriesKey grade current resolutions }
      byCategory { jobCategory current } }
    tasks { id kind number title status statusSince milestones { when what } }
    indicators(includeDescendants: true) { id name points { period kind value } }
    changeDates budget(fiscalYear: 2020) { lines { id item executed } } } }"""
CHANGES = """query($id: ID!, $from: Date!, $to: Date!, $knownAt: DateTime!) {
  orgUnit(id: $id, asOf: $to, knownAt: $knownAt) {
    changes(from: $from, to: $to) { kind subjectId key field old new events { cursor } } } }"""
HISTORY = """query($id: ID!, $asOf: Date!, $knownAt: DateTime!) {
  orgUnit(id: $id, asOf: $asOf, knownAt: $knownAt) {
    history(first: 60) { edges { cursor node { type recordedAt data digest
      changes { kind key field old new } } } pageInfo { hasNextPage endCursor } } } }"""
LEARNED = """query($after: DateTime!, $until: DateTime!, $validFrom: Date) {
  learned(after: $after, until: $until, validFrom: $validFrom, first: 20) {
    edges { cursor node { recordedAt actor reason source events { cursor type }
      changes { kind subjectId key field old new validFrom } } }
    pageInfo { hasNextPage endCursor } } }"""
OVER_TIME = """query($id: ID!, $asOf: Date!, $knownAt: DateTime!) {
  orgUnit(id: $id, asOf: $asOf, knownAt: $knownAt) {
    overTime { asOf staffing { current } budget(fiscalYear: 2020) { lines { id item } } } } }"""


def many_lines(live: Live) -> None:
    """Thirty lines of 시장비서실 with one account and item (and six with no account), each
    made in a transaction of its own and projected on its own, as a live server does (a
    rebuild projects them in one batch, whose rows are written in another order), then
    corrected and recorded again in shuffled orders."""
    runtime, rng = live.runtime, random.Random(18)
    made: list[tuple[UUID, str | None]] = []
    for n in range(36):
        account = "일반회계" if n < 30 else None
        first = date(2020, 1, 31)
        command = c.RecordBudgetLine(
            None, MAYOR, 2020, account, "예산", first, 1_000 * (n + 1), None, new_line_id=uuid4()
        )
        made.append((runtime.ledger.execute(command, EDITOR).subject_id, account))
        live.caught_up()
    for day, executed in ((date(2020, 1, 31), 10), (date(2020, 3, 31), 20)):
        for line, account in rng.sample(made, len(made)):
            figure = executed * rng.randrange(1, 9)
            command = c.RecordBudgetLine(line, MAYOR, 2020, account, "예산", day, 5_000, figure)
            runtime.ledger.execute(command, EDITOR)


def moments(runtime: Runtime) -> list[datetime]:
    with runtime.connect() as conn:
        rows = conn.execute("SELECT DISTINCT recorded_at FROM rm_events ORDER BY 1").fetchall()
    return [row[0] for row in rows]


def questions(units: list[str], known: list[datetime]) -> list[tuple[str, dict[str, Any]]]:
    """Settled questions: each names its asOf and a knownAt (or until) recorded already."""
    rng = random.Random(2024)
    days = [date(2019, 1, 1) + timedelta(days=rng.randrange(600)) for _ in range(40)]
    found: list[tuple[str, dict[str, Any]]] = []
    for n in range(QUESTIONS):
        at, day = rng.choice(known).isoformat(), rng.choice(days).isoformat()
        unit = str(MAYOR) if n % 3 == 0 else rng.choice(units)
        kind = n % 6
        if kind == 0:
            found.append((BUDGETS, {"asOf": day, "knownAt": at, "fy": rng.choice([2019, 2020])}))
        elif kind == 1:
            found.append((UNIT, {"id": unit, "asOf": day, "knownAt": at}))
        elif kind == 2:
            start = rng.choice(days)
            later = max(start, date.fromisoformat(day)).isoformat()
            found.append(
                (CHANGES, {"id": unit, "from": start.isoformat(), "to": later, "knownAt": at})
            )
        elif kind == 3:
            found.append((HISTORY, {"id": unit, "asOf": day, "knownAt": at}))
        elif kind == 4:
            after, until = sorted(rng.sample(known, 2))
            valid = rng.choice([None, day])
            variables = {"after": after.isoformat(), "until": until.isoformat(), "validFrom": valid}
            found.append((LEARNED, variables))
        else:
            found.append((OVER_TIME, {"id": unit, "asOf": day, "knownAt": at}))
    return found


def ask(live: Live, asked: list[tuple[str, dict[str, Any]]]) -> list[Answer]:
    answers = []
    with httpx.Client(base_url=live.url, timeout=60) as client:
        for query, variables in asked:
            params = {"query": query, "variables": json.dumps(variables)}
            response = client.get("/graphql", params=params)
            body = response.content
            assert response.status_code == 200 and b'"errors"' not in body, body[:500]
            headers = response.headers
            answers.append(
                (response.status_code, body, headers.get("etag"), headers.get("cache-control"))
            )
    assert {cache for *_, cache in answers} == {FINAL}, "every question is settled"
    return answers


@pytest.fixture
def restored(server: PgConfig) -> Iterator[Database]:
    with fresh_database(server) as database:
        Runtime(database=database).close()
        yield database


def cli(database: Database, *args: str) -> str:
    done = run_cli(*args, env={"DATABASE_URL": database.config.url(), "COLUMNS": "200"})
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def served(database: Database, asked: list[tuple[str, dict[str, Any]]]) -> list[Answer]:
    runtime = Runtime(database=database)
    try:
        with serving(runtime) as live:
            return ask(live, asked)
    finally:
        runtime.close()


def differing(before: list[Answer], after: list[Answer], asked: list[Any]) -> list[str]:
    return [
        f"question {n} ({asked[n][0].split('(')[1][:40]}…, {asked[n][1]})"
        for n, (one, other) in enumerate(zip(before, after, strict=True))
        if one != other
    ]


def test_settled_answers_survive_export_restore_and_rebuild_byte_for_byte(
    runtime: Runtime, database: Database, restored: Database, tmp_path: Path
) -> None:
    Importer(runtime.ledger).import_folder(DATA)
    with serving(runtime) as live:
        many_lines(live)
        live.caught_up()
        known = moments(runtime)
        units = [u["id"] for u in live.data('{ orgUnits(asOf: "2020-03-31") { id } }')["orgUnits"]]
        asked = questions(units, known)
        before = ask(live, asked)
    ties = '"account":"일반회계","item":"예산"'.encode()
    assert max(body.count(ties) for _, body, *_ in before) >= 30, "lines of one item and account"

    assert "exported" in cli(database, "export", str(tmp_path / "export"))
    assert "restored" in cli(restored, "restore", str(tmp_path / "export"))
    after_restore = served(restored, asked)
    assert differing(before, after_restore, asked) == []

    assert "rebuilt the read model" in cli(restored, "rebuild")
    after_rebuild = served(restored, asked)
    assert differing(before, after_rebuild, asked) == []
