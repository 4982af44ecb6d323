"""The aggregates commands act on: read from the repository, or from what a unit of work holds
in memory between its commands (ledger/work.py); opened where a command creates its subject."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from typing import TypeVar
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Repository, project_aggregate
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent

from domain.errors import Conflict, NotFound

A = TypeVar("A", bound=Aggregate)
BATCH = 5000
"""Ids per query of load_many."""
NONE: frozenset[UUID] = frozenset()


EventsOf = Callable[[Sequence[UUID]], dict[UUID, list[StoredEvent]]]
"""The stored events of many aggregates, each in version order (LedgerRecorder.select_events_of)."""


class Subjects:
    def __init__(self, repository: Repository[UUID], events_of: EventsOf) -> None:
        self.repository = repository
        self.events_of = events_of
        self._held = threading.local()

    @contextmanager
    def holding(
        self, held: dict[UUID, Aggregate], absent: set[UUID] | None = None
    ) -> Iterator[None]:
        """Within it, this thread's loads read and keep aggregates in held; ids in absent (known
        to have no events, and not in held) are found in neither held nor the repository."""
        self._held.aggregates, self._held.absent = held, absent
        try:
            yield
        finally:
            self._held.aggregates = self._held.absent = None

    def load_many(self, ids: Iterable[UUID]) -> dict[UUID, Aggregate]:
        """The aggregates of these ids that have events, reconstructed from one read of their
        events (one snapshot), BATCH ids a query."""
        decode = self.repository.event_store.mapper.to_domain_event
        wanted = list(dict.fromkeys(ids))
        found: dict[UUID, Aggregate] = {}
        for start in range(0, len(wanted), BATCH):
            stored = self.events_of(wanted[start : start + BATCH])
            for subject, events in stored.items():
                aggregate = project_aggregate(None, map(decode, events))
                if aggregate is not None:
                    found[subject] = aggregate
        return found

    def load(self, cls: type[A], aggregate_id: UUID | None, field: str) -> A:
        """The aggregate, NotFound (naming the command's field) when there is none of cls."""
        if aggregate_id is None:
            raise NotFound(f"{field}: no id given", field=field)
        held = self.held()
        try:
            aggregate = held[aggregate_id] if held and aggregate_id in held else None
            if aggregate is None and aggregate_id in self.absent():
                raise AggregateNotFoundError(aggregate_id)
            aggregate = aggregate or self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(f"{field}: {aggregate_id} not found", field=field) from None
        if held is not None:
            held[aggregate_id] = aggregate
        if not isinstance(aggregate, cls):
            raise NotFound(f"{field}: {aggregate_id} is not a {cls.__name__}", field=field)
        return aggregate

    def exists(self, aggregate_id: UUID) -> bool:
        held = self.held()
        if held is not None and aggregate_id in held:
            return True
        return aggregate_id not in self.absent() and aggregate_id in self.repository

    def subject(self, cls: type[A], aggregate_id: UUID, field: str, expected: int | None) -> A:
        """The command's subject, Conflict when the client's expected version is stale."""
        aggregate = self.load(cls, aggregate_id, field)
        check_version(aggregate, expected)
        return aggregate

    def find_or_open(
        self,
        cls: type[A],
        field: str,
        *,
        named: UUID | None,
        new_id: UUID | None,
        expected: int | None,
        identify: Callable[[A], None],
        open_new: Callable[[UUID], A],
    ) -> A:
        """The subject a command names, or the one its new id names where that exists already
        (so a second create of the same budget line records on the first): checked to be the
        one the command means (identify) at the version it expects. Else a new one, opened
        under the new id, or under a fresh one when the command gives none."""
        if named is None and (new_id is None or not self.exists(new_id)):
            return open_new(new_id or uuid4())
        found = self.load(cls, named or new_id, field)
        identify(found)
        check_version(found, expected)
        return found

    def held(self) -> dict[UUID, Aggregate] | None:
        held: dict[UUID, Aggregate] | None = getattr(self._held, "aggregates", None)
        return held

    def absent(self) -> AbstractSet[UUID]:
        absent: set[UUID] | None = getattr(self._held, "absent", None)
        return absent or NONE


def check_version(aggregate: Aggregate, expected: int | None) -> None:
    if expected is not None and expected != aggregate.version:
        raise Conflict(
            f"expectedVersion: {expected} is stale; {type(aggregate).__name__} "
            f"{aggregate.id} is at version {aggregate.version}",
            field="expectedVersion",
            value=expected,
        )
