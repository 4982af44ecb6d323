"""Property: for any history of staffing figures, corrections and retractions, the read model's
answer at every (asOf, knownAt) is what a plain fold of the history gives: the steps recorded at
or before knownAt, applied in order (a record sets the figure of its (unit, date), a retraction
deletes it), then for each unit the figure with the latest date on or before asOf; and the
roll-up over the units is the sum of the units' figures.

All examples share the test's one database; each registers units of its own, so that examples
cannot see each other's facts."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

import asyncpg
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from api.runtime import Runtime
from domain import commands as c
from domain.provenance import Provenance
from projections.read import staffing
from projections.schema import PROJECTION_NAME
from projections.staffing_views import StaffingView
from tests.conftest import EDITOR, register, staffing_rows

RETRACTOR = Provenance("tester", "figure withdrawn", "test.txt")
MICROSECOND = timedelta(microseconds=1)

DATES = (
    date(2019, 3, 31),
    date(2019, 12, 31),
    date(2020, 6, 30),
    date(2020, 12, 31),
    date(2021, 6, 30),
    date(2021, 12, 31),
)
AS_OF = tuple(
    sorted(
        {
            date(2018, 12, 31),
            date(2019, 1, 1),
            date(2022, 1, 1),
            date(2030, 1, 1),
            *DATES,
            *(day - timedelta(days=1) for day in DATES),
            *(day + timedelta(days=1) for day in DATES),
        }
    )
)

Figure = tuple[date, int, int | None]  # (referenceDate, current, authorized)


@dataclass(frozen=True)
class Record:
    unit: int
    day: date
    current: int
    authorized: int | None


@dataclass(frozen=True)
class Retract:
    unit: int
    day: date


Step = Record | Retract


@dataclass(frozen=True)
class Read:
    """A read at asOf, and at knownAt = the recorded time of step `moment` (less a microsecond
    when `before`), or just after the last step when moment == len(steps)."""

    as_of: date
    moment: int
    before: bool


@dataclass(frozen=True)
class Scenario:
    units: int
    steps: tuple[Step, ...]
    reads: tuple[Read, ...]
    batch_size: int


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    units = draw(st.integers(2, 4), label="units")
    held: set[tuple[int, date]] = set()
    steps: list[Step] = []
    for _ in range(draw(st.integers(1, 8), label="steps")):
        if held and draw(st.integers(0, 2)) == 2:
            unit, day = draw(st.sampled_from(sorted(held)))
            held.discard((unit, day))
            steps.append(Retract(unit, day))
        else:
            unit = draw(st.integers(0, units - 1))
            day = draw(st.sampled_from(DATES))
            current = draw(st.integers(0, 50))
            authorized = draw(st.integers(-8, 50).map(lambda n: None if n < 0 else n))
            held.add((unit, day))
            steps.append(Record(unit, day, current, authorized))
    read = st.builds(Read, st.sampled_from(AS_OF), st.integers(0, len(steps)), st.booleans())
    reads = draw(st.lists(read, min_size=5, max_size=5))
    # Small projector batches put corrections and retractions across batch boundaries.
    batch_size = draw(st.sampled_from((1000, 1, 2, 3)))
    return Scenario(units, tuple(steps), tuple(reads), batch_size)


# -- the model -------------------------------------------------------------------------------


def fold(
    steps: Sequence[Step], recorded: Sequence[datetime], known_at: datetime
) -> dict[tuple[int, date], tuple[int, int | None]]:
    state: dict[tuple[int, date], tuple[int, int | None]] = {}
    for step, at in zip(steps, recorded, strict=True):
        if at > known_at:
            continue
        if isinstance(step, Record):
            state[(step.unit, step.day)] = (step.current, step.authorized)
        else:
            del state[(step.unit, step.day)]
    return state


def in_force(
    state: dict[tuple[int, date], tuple[int, int | None]], unit: int, as_of: date
) -> Figure | None:
    days = [day for (u, day) in state if u == unit and day <= as_of]
    if not days:
        return None
    day = max(days)
    return (day, *state[(unit, day)])


def rolled_up(figures: Sequence[Figure | None]) -> Figure | None:
    present = [f for f in figures if f is not None]
    if not present:
        return None
    authorized = [f[2] for f in present]
    return (
        max(f[0] for f in present),
        sum(f[1] for f in present),
        None if any(a is None for a in authorized) else sum(a for a in authorized if a is not None),
    )


def seen(view: StaffingView | None) -> Figure | None:
    return None if view is None else (view.reference_date, view.current, view.authorized)


# -- the system ------------------------------------------------------------------------------


@dataclass
class Reads:
    runtime: Runtime
    loop: asyncio.AbstractEventLoop
    pool: asyncpg.Pool

    def staffing(
        self, unit_groups: Sequence[Sequence[UUID]], moments: Sequence[tuple[date, datetime]]
    ) -> list[list[Figure | None]]:
        """For each (asOf, knownAt), the read model's figure for each group of units."""

        async def read() -> list[list[Figure | None]]:
            async with self.pool.acquire() as conn:
                return [
                    [
                        seen(await staffing.staffing(conn, group, as_of, known_at))
                        for group in unit_groups
                    ]
                    for as_of, known_at in moments
                ]

        return self.loop.run_until_complete(read())


@pytest.fixture
def reads(runtime: Runtime) -> Iterator[Reads]:
    runtime.catch_up()  # creates the read model, which the services' freshness reads
    loop = asyncio.new_event_loop()
    services = loop.run_until_complete(runtime.open_services())
    try:
        yield Reads(runtime, loop, services.pool)
    finally:
        loop.run_until_complete(runtime.close_services())
        loop.close()


def execute(runtime: Runtime, units: Sequence[UUID], step: Step) -> int:
    if isinstance(step, Record):
        command: c.Command = c.RecordStaffing(
            units[step.unit], step.day, staffing_rows(step.current, step.authorized)
        )
        outcome = runtime.ledger.execute(command, EDITOR)
    else:
        outcome = runtime.ledger.execute(c.RetractStaffing(units[step.unit], step.day), RETRACTOR)
    assert len(outcome.notification_ids) == 1
    return outcome.notification_ids[0]


def skip_in_read_model(runtime: Runtime, position: int) -> None:
    """Move the projector past an example whose events it failed to apply, so that the
    examples Hypothesis runs next (while shrinking) start from a read model that works."""
    with runtime.connect() as conn:
        conn.execute(
            "UPDATE rm_meta SET position = %s WHERE name = %s", (position, PROJECTION_NAME)
        )


@settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios())
def test_read_model_answers_what_a_fold_of_the_history_gives(
    reads: Reads, scenario: Scenario
) -> None:
    runtime = reads.runtime
    units = [register(runtime, f"unit {n}") for n in range(scenario.units)]
    positions = [execute(runtime, units, step) for step in scenario.steps]
    stamps = runtime.ledger.ledger_recorder.recorded_at(positions)
    recorded = [stamps[position] for position in positions]
    assert all(a < b for a, b in itertools.pairwise(recorded)), recorded

    runtime.projector.batch_size = scenario.batch_size
    try:
        assert runtime.catch_up() is not None
    except BaseException:
        skip_in_read_model(runtime, max(positions))
        raise
    finally:
        runtime.projector.batch_size = 1000

    moments: list[tuple[date, datetime]] = []
    for read in scenario.reads:
        if read.moment == len(recorded):
            known_at = recorded[-1] + MICROSECOND
        else:
            known_at = recorded[read.moment] - (MICROSECOND if read.before else timedelta(0))
        moments.append((read.as_of, known_at))

    groups = [*([unit] for unit in units), units]
    answers = reads.staffing(groups, moments)

    note(f"steps recorded at {[at.isoformat() for at in recorded]}")
    for (as_of, known_at), answer in zip(moments, answers, strict=True):
        state = fold(scenario.steps, recorded, known_at)
        figures = [in_force(state, unit, as_of) for unit in range(scenario.units)]
        expected = [*figures, rolled_up(figures)]  # each unit's figure, then the roll-up
        assert answer == expected, f"asOf={as_of} knownAt={known_at.isoformat()}"
