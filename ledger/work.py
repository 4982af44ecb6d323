"""A unit of work for many commands at once (an import): each aggregate is read once and held
in memory between commands, and the events of a chunk of commands are recorded in one
transaction. A writer that moved a held aggregate on meanwhile makes the chunk's transaction
fail as a whole; the unit of work then forgets what it held and decides the chunk again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from domain import commands as c
from domain.errors import Conflict, DomainError
from domain.provenance import Provenance
from ledger.application import MAX_ATTEMPTS, Ledger, Outcome

Item = tuple[c.Command, Provenance]


@dataclass
class Refused(Exception):
    """A command of the chunk was refused; the outcomes of the commands before it are recorded."""

    recorded: list[Outcome]
    error: DomainError


@dataclass
class Decided:
    subject: Aggregate
    version: int
    events: Sequence[object]


class UnitOfWork:
    def __init__(
        self,
        ledger: Ledger,
        held: dict[UUID, Aggregate] | None = None,
        absent: set[UUID] | None = None,
        *,
        texts_checked: bool = False,
    ) -> None:
        """held: aggregates the caller read already (from the ledger, unchanged since), absent:
        ids it found without events; both are forgotten once a transaction fails.
        texts_checked: the caller checked the texts of every command it gives against the
        ledger's limits already (the importer, as it planned them); the provenance's are checked
        here all the same."""
        self.ledger = ledger
        self.texts_checked = texts_checked
        self.held: dict[UUID, Aggregate] = dict(held or {})
        self.absent: set[UUID] = set(absent or ()) - set(self.held)

    def forget(self) -> None:
        self.held.clear()
        self.absent.clear()

    def execute(self, items: Sequence[Item]) -> list[Outcome]:
        """Carry out the commands in order and record their events together; Refused when one
        is refused (the commands before it are recorded)."""
        for _ in range(MAX_ATTEMPTS):
            decided, error = self.decide(items)
            try:
                outcomes = self.record(decided)
            except IntegrityError:
                self.forget()
                continue
            if error is not None:
                self.forget()
                raise Refused(outcomes, error)
            return outcomes
        raise Conflict("too many concurrent changes to the same subjects; try again")

    def rehearse(self, items: Sequence[Item]) -> list[Outcome]:
        """Decide the commands as execute would, recording nothing (a dry run): Refused where
        execute would refuse. What they decided is held for the commands of later calls."""
        decided, error = self.decide(items)
        for subject in {id(d.subject): d.subject for d in decided}.values():
            subject.collect_events()
        outcomes = [outcome(d, ()) for d in decided]
        if error is not None:
            raise Refused(outcomes, error)
        return outcomes

    def decide(self, items: Sequence[Item]) -> tuple[list[Decided], DomainError | None]:
        decided: list[Decided] = []
        pending: dict[UUID, int] = {}
        """How many of each subject's pending events the chunk's earlier commands made."""
        with self.ledger.subjects.holding(self.held, self.absent):
            for command, provenance in items:
                try:
                    if self.texts_checked:
                        provenance.check_text(self.ledger.limits)
                    else:
                        c.check_request(command, provenance, self.ledger.limits)
                    subject = self.ledger.decide(command, provenance)
                except DomainError as error:
                    return decided, error
                self.held[subject.id] = subject
                events = list(subject.pending_events[pending.get(subject.id, 0) :])
                pending[subject.id] = len(subject.pending_events)
                decided.append(Decided(subject, subject.version, events))
        return decided, None

    def record(self, decided: list[Decided]) -> list[Outcome]:
        subjects = {d.subject.id: d.subject for d in decided}
        recordings = self.ledger.save(*subjects.values()) if subjects else []
        positions = {id(r.domain_event): r.notification.id for r in recordings}
        return [outcome(d, tuple(positions[id(e)] for e in d.events)) for d in decided]


def outcome(decided: Decided, positions: tuple[int, ...]) -> Outcome:
    subject = decided.subject
    types = tuple(type(e).__qualname__ for e in decided.events)
    return Outcome(subject.id, type(subject).__name__, decided.version, positions, types)
