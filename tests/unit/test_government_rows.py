"""Each read-model row's government: the root of its owner's tree as the tree stood when its
event was recorded (projections/build/tree.py, rows.py), with no query."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

from domain.orgunit import OrgUnit
from domain.provenance import Provenance
from domain.staffing import make_row
from projections.build.batch import Batch
from projections.build.rows import RowBuilder
from projections.build.tree import ParentLink, ParentTimelines

DAY = date(2020, 1, 1)
LATER = date(2021, 1, 1)
T0 = datetime(2024, 1, 1, tzinfo=UTC)
WRITER = Provenance("tester", "test", "test.txt")


def tree_of(*links: tuple[UUID, date, UUID | None, datetime]) -> ParentTimelines:
    tree = ParentTimelines()
    for unit, valid_from, parent, at in links:
        tree.add(unit, ParentLink(valid_from, parent, at))
    return tree


def test_a_root_is_its_own_government_and_its_units_are_its() -> None:
    root, child, grandchild = uuid4(), uuid4(), uuid4()
    tree = tree_of((root, DAY, None, T0), (child, DAY, root, T0), (grandchild, DAY, child, T0))
    assert tree.root(root, DAY, T0) == root
    assert tree.root(child, LATER, T0) == root
    assert tree.root(grandchild, DAY, T0) == root


def test_a_unit_the_tree_does_not_know_is_its_own() -> None:
    unknown = uuid4()
    assert ParentTimelines().root(unknown, DAY, T0) == unknown


def test_a_date_before_a_units_registration_takes_its_first_place() -> None:
    root, child = uuid4(), uuid4()
    tree = tree_of((root, DAY, None, T0), (child, LATER, root, T0))
    assert tree.path(child, DAY, T0) == [child]  # the public log's path has no place then
    assert tree.root(child, DAY, T0) == root


def test_the_tree_as_known_when_recorded() -> None:
    first, second, unit = uuid4(), uuid4(), uuid4()
    moved_at = T0 + timedelta(hours=1)
    tree = tree_of(
        (first, DAY, None, T0),
        (second, DAY, None, T0),
        (unit, DAY, first, T0),
        (unit, LATER, second, moved_at),
    )
    assert tree.root(unit, LATER, T0) == first  # the move was not yet recorded
    assert tree.root(unit, LATER, moved_at) == second
    assert tree.root(unit, DAY, moved_at) == first  # before the move's valid date


def test_a_cycle_ends() -> None:
    a, b = uuid4(), uuid4()
    tree = tree_of((a, DAY, b, T0), (b, DAY, a, T0))
    assert tree.root(a, DAY, T0) in (a, b)


def events(*aggregates: OrgUnit) -> list[OrgUnit.Event]:
    return [
        event
        for aggregate in aggregates
        for event in aggregate.collect_events()
        if isinstance(event, OrgUnit.Event)
    ]


def test_every_row_of_an_event_names_its_government() -> None:
    root = OrgUnit.register(
        unit_id=uuid4(), name="서울특별시", parent=None, valid_from=DAY, provenance=WRITER
    )
    child = OrgUnit.register(
        unit_id=uuid4(), name="행정국", parent=root, valid_from=DAY, provenance=WRITER
    )
    row = make_row(
        job_category="일반직",
        grade="5급",
        authorized=3,
        current=2,
        women=None,
        series_key=None,
        index=0,
    )
    child.record_staffing(LATER, [row], None, None, WRITER)
    builder, batch = RowBuilder(), Batch()
    for position, event in enumerate(events(root, child), start=1):
        builder.add(batch, event, position, T0 + timedelta(seconds=position))
    assert {(f.subject_id, f.government_id) for f in batch.facts} == {
        (root.id, root.id),
        (child.id, root.id),
    }
    assert [e.government_id for e in batch.events] == [root.id] * 3
    assert batch.events[1].unit_path == [child.id, root.id]
    assert {s.government_id for s in builder.subjects.values()} == {root.id}
