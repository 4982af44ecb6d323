"""The base of every event the ledger records: who recorded it, why and from which document
(domain/provenance.py), and how it changes its aggregate.

Each aggregate subclasses it once as its own `Event`, naming itself: the read model tells an
event's subject by that class, and eventsourcing makes every event defined on the aggregate a
subclass of it. The stored topic of an event stays its own class's module and qualified name
(domain.orgunit:OrgUnit.Renamed), whatever its bases."""

from __future__ import annotations

from typing import Generic, TypeVar, cast

from eventsourcing.domain import Aggregate

S = TypeVar("S", bound=Aggregate)


class LedgerEvent(Aggregate.Event, Generic[S]):
    actor: str
    reason: str | None
    source: str | None

    def apply(self, aggregate: Aggregate) -> None:
        """An event is applied to its own aggregate only (eventsourcing checks the id)."""
        self.apply_to(cast(S, aggregate))

    def apply_to(self, aggregate: S) -> None:
        """Each event class says how it changes its aggregate (an opening event changes
        nothing here: its aggregate's __init__ takes its fields)."""
