"""The national rollup (rm_rollup, Query.rollup) on a real PostgreSQL: at every (asOf, knownAt)
of a history of governments (tables over several dates, a correction of a past table, a
retraction, a unit closed above an open one, moves within a government and across, a government
moved below another, a transaction of many events moving one unit twice), each government's
totals are those of the tree scan `governments { staffing }`; with the projector following the
history in batches of 1000, 7 and 1 (so that corrections and one transaction cross batch
boundaries), and after a rebuild, which writes the same rows."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.auth import Principal
from api.graphql.context import Context, Services
from api.graphql.schema import schema
from api.runtime import Runtime
from domain import commands as c
from domain.errors import DomainError
from domain.provenance import Provenance
from ledger.work import Refused, UnitOfWork
from projections.read import rollup, staffing, units
from tests.conftest import EDITOR, register
from tests.support.read_model import clean_rebuild, snapshot

MICROSECOND = timedelta(microseconds=1)
RETRACTOR = Provenance("tester", "figure withdrawn", "test.txt")
READER = Principal("reader-lee", "editor")
Q1, Q2, Q3, Q4 = date(2019, 3, 31), date(2019, 6, 30), date(2019, 9, 30), date(2019, 12, 31)
Q5, Q6 = date(2020, 3, 31), date(2020, 6, 30)
MOVE_IN, CLOSING, ACROSS, ABSORBED, LATE_ROOT = (
    date(2019, 8, 1),
    date(2020, 1, 1),
    date(2020, 2, 1),
    date(2020, 5, 1),
    date(2019, 5, 1),
)
DATES = (Q1, Q2, Q3, Q4, Q5, Q6, MOVE_IN, CLOSING, ACROSS, ABSORBED, LATE_ROOT)
AS_OF = sorted(
    {date(2018, 12, 31), date(2019, 1, 1), date(2021, 1, 1)}
    | set(DATES)
    | {day - timedelta(days=1) for day in DATES}
)
Answer = tuple[str, UUID, int | None, int, int | None, date | None, int]
"""(name, id, authorized, current, women, reference date, units) of one government."""


def rows(
    current: int, authorized: int | None, women: int | None = 0
) -> tuple[c.StaffingRowInput, ...]:
    return (
        c.StaffingRowInput("일반직", "5급", authorized, current, women),
        c.StaffingRowInput("일반직", "6급", 2, 1, 0),
    )


@dataclass
class History:
    governments: dict[str, UUID]
    units: dict[str, UUID]


@dataclass
class Writer:
    """Records the history; the projector catches up after each command ("each"), after each
    step ("steps"), or not at all (None)."""

    runtime: Runtime
    follow: str | None

    def done(self) -> None:
        if self.follow == "each":
            self.runtime.catch_up()

    def step(self) -> None:
        if self.follow == "steps":
            self.runtime.catch_up()

    def register(self, name: str, parent: UUID | None = None, day: date = date(2019, 1, 1)) -> UUID:
        unit = register(self.runtime, name, parent, day)
        self.done()
        return unit

    def execute(self, command: c.Command, provenance: Provenance = EDITOR) -> None:
        self.runtime.ledger.execute(command, provenance)
        self.done()

    def record(self, unit: UUID, day: date, *figures: Any) -> None:
        self.execute(c.RecordStaffing(unit, day, rows(*figures)))

    def retract(self, unit: UUID, day: date) -> None:
        self.execute(c.RetractStaffing(unit, day), RETRACTOR)

    def transaction(self, *commands: c.Command) -> None:
        UnitOfWork(self.runtime.ledger).execute([(command, EDITOR) for command in commands])
        self.done()


def make_history(runtime: Runtime, follow: str | None) -> History:
    w = Writer(runtime, follow)
    seoul = w.register("서울특별시")
    busan = w.register("부산광역시")
    daegu = w.register("대구광역시")
    s1 = w.register("기획조정실", seoul)
    s2 = w.register("예산담당관", s1)
    s3 = w.register("감사위원회", seoul)
    b1 = w.register("자치행정국", busan)
    b2 = w.register("복지국", busan)
    d1 = w.register("경제국", daegu)
    w.step()
    w.record(seoul, Q1, 10, 12)
    w.record(s1, Q1, 5, 6, None)  # women of one line missing: the government's too
    w.record(s2, Q1, 3, 3)
    w.record(b1, Q1, 7, 8)
    w.record(d1, Q1, 4, None)  # no authorised figure: Daegu's authorized is null
    w.step()
    # One transaction of many events: the small batches cut it, between two moves of one unit
    # (to Daegu, then on to Seoul: a batch may end with it in Daegu). A transaction holds each
    # subject's events together, in the order the subjects come first: Daegu's, then b2's.
    w.transaction(
        c.RecordStaffing(daegu, Q1, rows(1, 1)),  # a table dated before, late
        c.MoveOrgUnit(b2, daegu, MOVE_IN),
        *(
            c.RecordStaffing(unit, Q2, rows(n, n + 1))
            for n, unit in enumerate((seoul, s1, s2, s3, busan, b1, b2, daegu), start=2)
        ),
        c.RecordStaffing(b1, Q1, rows(9, 9)),  # a correction of a past table
        c.MoveOrgUnit(b2, seoul, MOVE_IN),
    )
    w.step()
    w.execute(c.MoveOrgUnit(s3, s1, MOVE_IN))  # within Seoul
    w.record(s2, Q3, 6, 6)
    w.record(b2, Q3, 2, 2)
    w.step()
    w.record(s2, Q2, 30, 31)  # a correction of a past table, recorded later
    w.retract(b1, Q2)  # Q1's corrected table in force again
    w.step()
    w.record(s1, Q4, 8, 8)
    w.record(b1, Q4, 4, 4)
    w.execute(c.CloseOrgUnit(s1, CLOSING))  # s2 and s3 stay open below
    w.step()
    w.record(b1, Q4, 5, 5)  # corrected, retracted, recorded again, one after the other
    w.retract(b1, Q4)
    w.record(b1, Q4, 6, None)
    w.transaction(c.RecordStaffing(b2, Q4, rows(3, 3)), c.RecordStaffing(b2, Q4, rows(4, 4)))
    w.record(b2, Q5, 1, 1)
    w.retract(b2, Q4)  # b2's Q3 table in force again from Q4
    w.step()
    w.execute(c.MoveOrgUnit(d1, busan, ACROSS))  # from Daegu to Busan
    w.record(d1, Q5, 11, 11)
    late = w.register("울산광역시", None, LATE_ROOT)
    w.record(late, Q2, 1, 1)
    w.step()
    w.execute(c.MoveOrgUnit(daegu, busan, ABSORBED))  # no longer a government
    w.record(busan, Q6, 20, 20)
    w.retract(s2, Q3)
    w.record(b1, Q1, 1, None)  # the past corrected once more
    w.step()
    return History(
        {"seoul": seoul, "busan": busan, "daegu": daegu, "ulsan": late},
        {"s1": s1, "s2": s2, "s3": s3, "b1": b1, "b2": b2, "d1": d1},
    )


@dataclass
class Reads:
    runtime: Runtime
    loop: asyncio.AbstractEventLoop
    services: Services

    @property
    def pool(self) -> asyncpg.Pool:
        return self.services.pool

    def run(self, work: Any) -> Any:
        return self.loop.run_until_complete(work)


@pytest.fixture
def reads(runtime: Runtime) -> Iterator[Reads]:
    runtime.catch_up()  # creates the read model, which the services' freshness reads
    loop = asyncio.new_event_loop()
    services = loop.run_until_complete(runtime.open_services())
    try:
        yield Reads(runtime, loop, services)
    finally:
        loop.run_until_complete(runtime.close_services())
        loop.close()


async def scanned(
    conn: asyncpg.Connection, as_of: date, known_at: datetime, among: set[UUID] | None = None
) -> list[Answer]:
    """What `governments { staffing }` reads: the roots (among these), each one's tree, its
    tables summed."""
    roots = await units.roots(conn, as_of, known_at)
    roots = [root for root in roots if among is None or root.id in among]
    trees = await units.subtrees(conn, [root.id for root in roots], as_of, known_at)
    found: list[Answer] = []
    for root in roots:
        tree = trees[root.id]
        view = await staffing.staffing(conn, tree.subtree(root.id), as_of, known_at)
        found.append(
            (root.name, root.id, None, 0, None, None, len(tree.units))
            if view is None
            else (
                root.name,
                root.id,
                view.authorized,
                view.current,
                view.women,
                view.reference_date,
                len(tree.units),
            )
        )
    return found


async def rolled_up(conn: asyncpg.Connection, as_of: date, known_at: datetime) -> list[Answer]:
    return [
        (
            t.government.name,
            t.government.id,
            t.authorized,
            t.current,
            t.women,
            t.reference_date,
            t.units,
        )
        for t in await rollup.rollup(conn, as_of, known_at)
    ]


def moments(runtime: Runtime) -> list[datetime]:
    """Every recorded moment of the log, a microsecond before each, and one after the last."""
    with runtime.connect() as conn:
        stamps = [row[0] for row in conn.execute("SELECT DISTINCT recorded_at FROM rm_events")]
    stamps.sort()
    return sorted({*stamps, *(s - MICROSECOND for s in stamps), stamps[-1] + MICROSECOND})


def compare_everywhere(reads: Reads) -> int:
    """The rollup against the tree scan at every (asOf, knownAt); the pairs compared."""
    known = moments(reads.runtime)

    async def compare() -> int:
        async with reads.pool.acquire() as conn:
            for known_at in known:
                for as_of in AS_OF:
                    expected = await scanned(conn, as_of, known_at)
                    assert await rolled_up(conn, as_of, known_at) == expected, (as_of, known_at)
        return len(known) * len(AS_OF)

    return int(reads.run(compare()))


@pytest.mark.parametrize(
    ("batch_size", "follow"), [(1000, "steps"), (1000, "each"), (7, "steps"), (1, "steps")]
)
def test_the_rollup_is_the_tree_scan_at_every_moment_and_a_rebuild_writes_it_again(
    reads: Reads, batch_size: int, follow: str
) -> None:
    runtime = reads.runtime
    runtime.projector.batch_size = batch_size
    history = make_history(runtime, follow)
    followed = snapshot(runtime)
    assert len(followed["rm_rollup"]) > 20
    assert compare_everywhere(reads) > 1000
    assert clean_rebuild(runtime) == followed
    if follow == "steps" and batch_size == 1000:
        assert compare_everywhere(reads) > 1000
    # The history is not trivial: Daegu stops being a government, Busan gains its units.
    last = reads.run(rolled_up_at(reads, date(2021, 1, 1)))
    names = [answer[0] for answer in last]
    assert names == ["부산광역시", "서울특별시", "울산광역시"]
    assert history.governments["daegu"] not in {answer[1] for answer in last}


async def rolled_up_at(reads: Reads, as_of: date) -> list[Answer]:
    async with reads.pool.acquire() as conn:
        now = await conn.fetchval("SELECT safe_time FROM rm_meta")
        return await rolled_up(conn, as_of, now)


def test_a_restart_within_a_transaction_rebuilds_the_same_rows(reads: Reads) -> None:
    """Batches end within a transaction, and the process stops after each: the next one, which
    remembers nothing, finishes the moment from the read model alone."""
    runtime = reads.runtime
    make_history(runtime, None)
    expected = clean_rebuild(runtime)
    runtime.projector.batch_size = 5
    with runtime.projector.session() as conn:
        assert conn is not None
        runtime.projector.reset(conn)
        while runtime.projector.advance(conn):
            runtime.projector.forget()  # as a new process would start: nothing remembered
    assert snapshot(runtime) == expected


async def answer(reads: Reads, query: str, **variables: Any) -> Any:
    """The query's data, executed as a request of its own (its own context and loaders)."""
    context = Context(reads.services, principal=READER)
    result = await schema.execute(query, variable_values=variables, context_value=context)
    assert not result.errors, result.errors
    return result.data


def moment(as_of: date, known_at: datetime | None) -> dict[str, str | None]:
    return {
        "asOf": as_of.isoformat(),
        "knownAt": None if known_at is None else known_at.isoformat(),
    }


def test_query_rollup_answers_as_governments_staffing(reads: Reads) -> None:
    runtime = reads.runtime
    make_history(runtime, None)
    runtime.catch_up()
    rollup_query = """query($asOf: Date, $knownAt: DateTime) {
      rollup(asOf: $asOf, knownAt: $knownAt) {
        government { id name } authorized current women units referenceDate } }"""
    scan_query = """query($asOf: Date, $knownAt: DateTime) {
      governments(asOf: $asOf, knownAt: $knownAt) { id name
        staffing { authorized current women referenceDate } } }"""
    tree_query = """query($root: ID!, $asOf: Date, $knownAt: DateTime) {
      orgUnits(root: $root, asOf: $asOf, knownAt: $knownAt) { id } }"""

    async def compare() -> int:
        known = moments(runtime)
        checked = 0
        for known_at in [*known[:: max(1, len(known) // 8)], None]:
            for as_of in (Q1, Q2, MOVE_IN, Q4, ACROSS, Q6):
                variables = moment(as_of, known_at)
                found = (await answer(reads, rollup_query, **variables))["rollup"]
                governments = (await answer(reads, scan_query, **variables))["governments"]
                assert [t["government"] for t in found] == [
                    {"id": g["id"], "name": g["name"]} for g in governments
                ]
                for totals, government in zip(found, governments, strict=True):
                    figures = government["staffing"] or {
                        "authorized": None,
                        "current": 0,
                        "women": None,
                        "referenceDate": None,
                    }
                    assert {k: totals[k] for k in figures} == figures
                    tree = await answer(reads, tree_query, root=government["id"], **variables)
                    assert totals["units"] == len(tree["orgUnits"])
                checked += len(found)
        return checked

    assert reads.run(compare()) > 50


UNIT_FIELDS = """id name parent { id name } children { id }
  own: staffing(includeDescendants: false) { authorized current }
  staffing { authorized current women referenceDate
    rows { jobCategory grade authorized current } }"""


def test_a_tree_page_answers_as_each_unit_read_alone(reads: Reads) -> None:
    """orgUnits hands its loaders the units and subtrees its one read of the tree found
    (Loaders.prime_tree): every unit of the page, with its parent, children and subtree sums,
    must answer as the unit read in a request of its own, at every moment, across moves."""
    runtime = reads.runtime
    make_history(runtime, None)
    runtime.catch_up()
    tree_query = f"""query($root: ID, $asOf: Date, $knownAt: DateTime) {{
      orgUnits(root: $root, asOf: $asOf, knownAt: $knownAt) {{ {UNIT_FIELDS} }} }}"""
    unit_query = f"""query($id: ID!, $asOf: Date, $knownAt: DateTime) {{
      orgUnit(id: $id, asOf: $asOf, knownAt: $knownAt) {{ {UNIT_FIELDS} }} }}"""

    async def compare() -> int:
        known = moments(runtime)
        checked = 0
        for known_at in [*known[:: max(1, len(known) // 6)], None]:
            for as_of in (Q1, MOVE_IN, Q4, ACROSS, Q6):
                at = moment(as_of, known_at)
                forest = (await answer(reads, tree_query, root=None, **at))["orgUnits"]
                roots = [unit for unit in forest if unit["parent"] is None]
                trees = [
                    (await answer(reads, tree_query, root=r["id"], **at))["orgUnits"] for r in roots
                ]
                assert [unit for tree in trees for unit in tree] == forest
                for unit in forest:
                    assert (await answer(reads, unit_query, id=unit["id"], **at))["orgUnit"] == unit
                checked += len(forest)
        return checked

    assert reads.run(compare()) > 50


# -- any history -----------------------------------------------------------------------------

DAYS = (date(2019, 3, 31), date(2019, 6, 30), date(2019, 9, 30))
PROPERTY_AS_OF = sorted(
    {date(2018, 12, 31), date(2019, 1, 1), date(2021, 1, 1)}
    | set(DAYS)
    | {day - timedelta(days=1) for day in DAYS}
)


@dataclass(frozen=True)
class Op:
    kind: str  # record, retract, move, close
    unit: int
    day: int
    figures: tuple[int, int | None] = (0, None)
    target: int = 0


@dataclass(frozen=True)
class Example:
    governments: int
    parents: tuple[int, ...]
    """For each unit after the governments, the index of the unit it is registered below."""
    steps: tuple[tuple[Op, ...], ...]
    """Each step one transaction (a command alone, or several)."""
    batch_size: int
    follow_each: bool


@st.composite
def examples(draw: st.DrawFn) -> Example:
    governments = draw(st.integers(1, 2))
    parents: list[int] = []
    for n in range(draw(st.integers(0, 3))):
        parents.append(draw(st.integers(0, governments + n - 1)))
    count = governments + len(parents)
    unit, day = st.integers(0, count - 1), st.integers(0, len(DAYS) - 1)
    figures = st.tuples(st.integers(0, 9), st.none() | st.integers(0, 9))
    records = st.builds(Op, st.just("record"), unit, day, figures)
    op = st.one_of(
        records,
        records,
        st.builds(Op, st.just("retract"), unit, day),
        st.builds(Op, st.just("move"), unit, day, target=unit),
        st.builds(Op, st.just("close"), unit, day),
    )
    step = st.lists(op, min_size=1, max_size=3).map(tuple)
    steps = draw(st.lists(step, min_size=2, max_size=12).map(tuple))
    batch_size = draw(st.sampled_from((1, 1, 2, 3, 7, 1000)))
    # A catch-up starts a session, which forgets what the projector kept between batches: most
    # examples are projected in one.
    follow_each = draw(st.sampled_from((False, False, False, True)))
    return Example(governments, tuple(parents), steps, batch_size, follow_each)


def command(op: Op, ids: list[UUID]) -> tuple[c.Command, Provenance]:
    unit, day = ids[op.unit], DAYS[op.day]
    if op.kind == "record":
        return c.RecordStaffing(unit, day, rows(*op.figures)), EDITOR
    if op.kind == "retract":
        return c.RetractStaffing(unit, day), RETRACTOR
    if op.kind == "move":
        return c.MoveOrgUnit(unit, ids[op.target], day), EDITOR
    return c.CloseOrgUnit(unit, day), EDITOR


def play(runtime: Runtime, example: Example) -> list[UUID]:
    """The example recorded (commands the domain refuses are left out), the projector following
    it; the ids of its units."""
    ids = [register(runtime, f"정부{n}") for n in range(example.governments)]
    for n, parent in enumerate(example.parents):
        ids.append(register(runtime, f"부서{n}", ids[parent]))
    for step in example.steps:
        items = [command(op, ids) for op in step]
        try:
            if len(items) == 1:
                runtime.ledger.execute(*items[0])
            else:
                UnitOfWork(runtime.ledger).execute(items)
        except (DomainError, Refused):
            pass
        if example.follow_each:
            runtime.catch_up()
    runtime.catch_up()
    return ids


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(example=examples())
def test_any_history_rolls_up_as_the_tree_scan(reads: Reads, example: Example) -> None:
    runtime = reads.runtime
    with runtime.connect() as conn:
        start = conn.execute("SELECT coalesce(max(position), 0) FROM rm_events").fetchone()
    runtime.projector.batch_size = example.batch_size
    try:
        ids = set(play(runtime, example))
    finally:
        runtime.projector.batch_size = 1000
    with runtime.connect() as conn:
        stamps = sorted(
            row[0]
            for row in conn.execute(
                "SELECT DISTINCT recorded_at FROM rm_events WHERE position > %s",
                (start[0] if start else 0,),
            )
        )
    known = sorted({*stamps, *(s - MICROSECOND for s in stamps), stamps[-1] + MICROSECOND})

    async def compare() -> None:
        async with reads.pool.acquire() as conn:
            for known_at in known:
                for as_of in PROPERTY_AS_OF:
                    expected = await scanned(conn, as_of, known_at, ids)
                    found = [a for a in await rolled_up(conn, as_of, known_at) if a[1] in ids]
                    assert found == expected, (as_of, known_at)

    reads.run(compare())


def test_a_retraction_brings_back_the_table_before_it(reads: Reads) -> None:
    """Each event a batch of its own, in one run of the projector (which keeps units' tables
    from batch to batch): a table retracted after a later one (the batch that retracts it needs
    the table before it, which no batch since has read), and one retracted after an earlier one
    was recorded late."""
    runtime = reads.runtime
    government = register(runtime, "세종특별자치시")
    first, second = (register(runtime, name, government) for name in ("행정국", "경제국"))
    for command, provenance in (
        (c.RecordStaffing(first, DAYS[0], rows(5, 5)), EDITOR),
        (c.RecordStaffing(first, DAYS[1], rows(7, 7)), EDITOR),
        (c.RecordStaffing(government, DAYS[1], rows(1, 1)), EDITOR),
        (c.RetractStaffing(first, DAYS[1]), RETRACTOR),
        (c.RecordStaffing(second, DAYS[1], rows(20, 20)), EDITOR),
        (c.RecordStaffing(second, DAYS[0], rows(10, 10)), EDITOR),
        (c.RetractStaffing(second, DAYS[1]), RETRACTOR),
    ):
        runtime.ledger.execute(command, provenance)
    runtime.projector.batch_size = 1
    runtime.catch_up()
    found = reads.run(rolled_up_at(reads, DAYS[2]))
    assert [(a[1], a[3], a[5]) for a in found] == [(government, 6 + 2 + 11, DAYS[1])]
