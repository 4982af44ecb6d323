"""The hash chain on a real log: every event chained as it is recorded, tampering in PostgreSQL
found at the right position (live and in an export), a digest taken earlier still verified
later, one chain under concurrent writers, and an export restored into a fresh ledger giving
the same answers."""

from __future__ import annotations

import hashlib
import json
import random
import threading
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from psycopg import sql

from api.auth import Principal
from api.graphql.context import Context
from api.graphql.schema import schema
from api.runtime import Runtime
from domain import commands as c
from domain.provenance import Provenance
from ledger.integrity.chain import verify_live
from ledger.integrity.export import export, restore, verify_export
from ledger.settings import PgConfig
from tests.conftest import fresh_database, register, staffing_rows

WHO = Provenance("auditor-test", "보고", "보고서.pdf")
READER = Principal("auditor", "reader")


def record(runtime: Runtime, units: int = 3, months: int = 4) -> list[Any]:
    ids = [register(runtime, f"감사 대상 {n}") for n in range(units)]
    for month in range(1, months + 1):
        for unit_id in ids:
            command = c.RecordStaffing(
                unit_id, date(2020, month, 28), staffing_rows(current=10 + month)
            )
            runtime.ledger.execute(command, WHO)
    return ids


def live_check(runtime: Runtime, upto: int | None = None) -> Any:
    with runtime.connect() as conn:
        return verify_live(conn, runtime.ledger.chain_store, upto)


def events_table(runtime: Runtime) -> sql.Identifier:
    return sql.Identifier(runtime.ledger.events_table)


def tamper(runtime: Runtime, statement: str, *params: Any) -> None:
    with runtime.connect() as conn:
        conn.execute(sql.SQL(statement).format(events_table(runtime)), params)
        conn.commit()


def test_every_event_is_chained_and_the_chain_holds(runtime: Runtime) -> None:
    record(runtime)
    checked = live_check(runtime)
    head = runtime.ledger.recorder.max_notification_id()
    assert checked.broken is None and checked.position == head
    with runtime.connect() as conn:
        assert runtime.ledger.chain_store.head(conn).digest == checked.digest  # type: ignore[union-attr]


@pytest.mark.parametrize("kind", ["update", "delete", "swap"])
def test_tampering_in_postgresql_is_found_where_it_was_made(
    runtime: Runtime, tmp_path: Path, kind: str
) -> None:
    record(runtime)
    with runtime.connect() as conn:
        intact = tmp_path / "intact"
        export(conn, runtime.ledger.chain_store, intact, None)
    target = 7
    if kind == "update":
        tamper(
            runtime,
            "UPDATE {} SET state = convert_to(replace(convert_from(state, 'UTF8'), "
            "'auditor-test', 'someone-else'), 'UTF8') WHERE notification_id = %s",
            target,
        )
    elif kind == "delete":
        tamper(runtime, "DELETE FROM {} WHERE notification_id = %s", target)
    else:
        tamper(
            runtime,
            "UPDATE {0} t SET state = o.state FROM {0} o "
            "WHERE (t.notification_id, o.notification_id) IN ((%s, %s), (%s, %s))",
            target,
            target + 3,
            target + 3,
            target,
        )
    expected = target + 1 if kind == "delete" else target
    checked = live_check(runtime)
    assert checked.broken is not None and checked.broken.position == expected
    with runtime.connect() as conn:
        tampered = tmp_path / "tampered"
        export(conn, runtime.ledger.chain_store, tampered, None)
    found = verify_export(tampered)
    assert found.broken is not None and found.broken.position == expected
    assert verify_export(intact).ok


def test_a_digest_taken_earlier_still_verifies_after_later_writes(runtime: Runtime) -> None:
    record(runtime, units=2, months=2)
    with runtime.connect() as conn:
        earlier = runtime.ledger.chain_store.head(conn)
    assert earlier is not None
    record(runtime, units=2, months=3)
    checked = live_check(runtime, earlier.position)
    assert checked.broken is None
    assert (checked.position, checked.digest) == (earlier.position, earlier.digest)
    assert live_check(runtime).position > earlier.position


def test_concurrent_writers_make_one_chain(runtime: Runtime) -> None:
    ids = [register(runtime, f"동시 {n}") for n in range(4)]

    def write(unit_id: Any) -> None:
        for day in range(1, 26):
            command = c.RecordStaffing(unit_id, date(2021, 3, day), staffing_rows(current=day))
            runtime.ledger.execute(command, WHO)

    threads = [threading.Thread(target=write, args=(unit_id,)) for unit_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    checked = live_check(runtime)
    with runtime.connect() as conn:
        chained = conn.execute(
            sql.SQL("SELECT count(*) FROM {}").format(
                sql.Identifier(f"{runtime.ledger.events_table}_chain")
            )
        ).fetchone()
    assert checked.broken is None
    assert chained == (4 + 4 * 25,)


QUESTIONS = [
    """query($id: ID!, $asOf: Date!, $knownAt: DateTime) {
      orgUnit(id: $id, asOf: $asOf, knownAt: $knownAt) {
        name staffing { referenceDate authorized current rows { jobCategory grade current } }
      } }""",
    """query($id: ID!) { orgUnit(id: $id) { history(first: 50) { edges { cursor node {
      type recordedAt actor reason source data digest previousDigest } } } } }""",
    """query($after: String) { events(first: 7, after: $after) {
      edges { cursor node { type subjectId recordedAt digest } }
      pageInfo { hasNextPage endCursor } } }""",
]


async def answers(runtime: Runtime, ids: list[Any], moments: list[datetime]) -> list[Any]:
    services = await runtime.open_services()
    try:
        found = []
        rng = random.Random(7)
        for _ in range(120):
            unit = str(rng.choice(ids))
            as_of = date(2020, 1, 1) + timedelta(days=rng.randrange(200))
            known = rng.choice(moments).isoformat()
            found.append(
                await ask(services, QUESTIONS[0], id=unit, asOf=as_of.isoformat(), knownAt=known)
            )
        for unit in ids:
            found.append(await ask(services, QUESTIONS[1], id=str(unit)))
        after = None
        while True:
            page = await ask(services, QUESTIONS[2], after=after)
            found.append(page)
            if not page["events"]["pageInfo"]["hasNextPage"]:
                break
            after = page["events"]["pageInfo"]["endCursor"]
        return found
    finally:
        await runtime.close_services()


async def ask(services: Any, text: str, **variables: Any) -> Any:
    result = await schema.execute(
        text, variable_values=variables, context_value=Context(services, principal=READER)
    )
    assert not result.errors, result.errors
    return result.data


async def test_an_export_restored_into_a_fresh_ledger_answers_the_same(
    runtime: Runtime, server: PgConfig, tmp_path: Path
) -> None:
    ids = record(runtime, units=3, months=5)
    runtime.ledger.execute(
        c.RecordStaffing(ids[0], date(2020, 2, 28), staffing_rows(current=99)), WHO
    )
    runtime.catch_up()
    with runtime.connect() as conn:
        moments = [
            row[0]
            for row in conn.execute(
                sql.SQL("SELECT DISTINCT recorded_at FROM {}").format(events_table(runtime))
            )
        ]
        export(conn, runtime.ledger.chain_store, tmp_path / "export", None)
    before = await answers(runtime, ids, moments)
    with fresh_database(server) as database:
        restored = Runtime(database=database)
        try:
            with restored.connect() as conn:
                assert restore(conn, restored.ledger.chain_store, tmp_path / "export", None) > 0
            restored.catch_up()
            assert await answers(restored, ids, moments) == before
            assert live_check(restored).digest == live_check(runtime).digest
            restored.ledger.execute(
                c.RecordStaffing(ids[1], date(2020, 7, 31), staffing_rows(current=1)), WHO
            )
            assert live_check(restored).broken is None
        finally:
            restored.close()


def test_restore_refuses_a_ledger_that_is_not_empty(runtime: Runtime, tmp_path: Path) -> None:
    record(runtime, units=1, months=1)
    with runtime.connect() as conn:
        export(conn, runtime.ledger.chain_store, tmp_path / "export", None)
        with pytest.raises(Exception, match="not empty"):
            restore(conn, runtime.ledger.chain_store, tmp_path / "export", None)


def test_the_projector_stops_at_a_forged_event_rather_than_project_it(runtime: Runtime) -> None:
    record(runtime, units=2, months=1)
    runtime.catch_up()
    unit = register(runtime, "위조 대상")
    forged = runtime.ledger.recorder.max_notification_id()
    runtime.ledger.execute(c.RecordStaffing(unit, date(2020, 5, 31), staffing_rows(3)), WHO)
    tamper(
        runtime,
        "UPDATE {} SET state = convert_to(replace(convert_from(state, 'UTF8'), "
        "'위조 대상', '다른 이름'), 'UTF8') WHERE notification_id = %s",
        forged,
    )
    runtime.catch_up()
    halted = runtime.projector.halt
    assert halted is not None and halted.position == forged
    assert "hash chain" in halted.error
    with runtime.connect() as conn:
        projected = conn.execute("SELECT count(*) FROM rm_events WHERE position >= %s", (forged,))
        assert projected.fetchone() == (0,)


async def test_the_api_gives_the_head_and_verifies_a_digest_against_the_live_chain(
    runtime: Runtime,
) -> None:
    record(runtime, units=2, months=2)
    runtime.catch_up()
    services = await runtime.open_services()
    try:
        head = (await ask(services, "{ ledgerDigest { position recordedAt digest } }"))[
            "ledgerDigest"
        ]
        verify = """query($d: String!, $p: Int) { verifyLedger(digest: $d, position: $p) {
          valid position digest brokenAt problem } }"""
        found = (await ask(services, verify, d=head["digest"]))["verifyLedger"]
        assert found == {
            "valid": True,
            "position": head["position"],
            "digest": head["digest"],
            "brokenAt": None,
            "problem": None,
        }
        other = await ask(services, verify, d=head["digest"], p=head["position"] - 1)
        assert other["verifyLedger"]["valid"] is False
        events = await ask(
            services, "{ events(first: 3) { edges { node { digest previousDigest } } } }"
        )
        nodes = [edge["node"] for edge in events["events"]["edges"]]
        assert nodes[0]["previousDigest"] == "0" * 64
        assert nodes[1]["previousDigest"] == nodes[0]["digest"]

        tamper(runtime, "DELETE FROM {} WHERE notification_id = %s", 3)
        broken = (await ask(services, verify, d=head["digest"]))["verifyLedger"]
        assert broken["valid"] is False and broken["brokenAt"] == 4

        anonymous = await schema.execute(
            verify, variable_values={"d": head["digest"]}, context_value=Context(services)
        )
        assert anonymous.errors and anonymous.errors[0].extensions["code"] == "UNAUTHENTICATED"
        bad = await schema.execute(
            verify, variable_values={"d": "xyz"}, context_value=Context(services, READER)
        )
        assert bad.errors and bad.errors[0].extensions["code"] == "BAD_USER_INPUT"
    finally:
        await runtime.close_services()


def test_restore_refuses_an_altered_export_and_records_nothing(
    runtime: Runtime, server: PgConfig, tmp_path: Path
) -> None:
    record(runtime, units=2, months=2)
    folder = tmp_path / "export"
    with runtime.connect() as conn:
        export(conn, runtime.ledger.chain_store, folder, None)
    events = folder / "events-00001.jsonl"
    lines = events.read_bytes().splitlines(keepends=True)
    lines[3] = lines[3].replace(b"auditor-test", b"someone-else")
    events.write_bytes(b"".join(lines))
    manifest = (folder / "manifest.json").read_text()
    data = json.loads(manifest)
    data["files"][0]["sha256"] = hashlib.sha256(events.read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(data))
    with fresh_database(server) as database:
        restored = Runtime(database=database)
        try:
            with restored.connect() as conn, pytest.raises(Exception, match="breaks at position 4"):
                restore(conn, restored.ledger.chain_store, folder, None)
            assert restored.ledger.recorder.max_notification_id() is None
        finally:
            restored.close()
