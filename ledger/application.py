"""The ledger application: carries out commands on the aggregates and records their events,
atomically with the command's idempotency key. Runs synchronously (psycopg): call it off the
event loop."""

from __future__ import annotations

import hashlib
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import singledispatchmethod
from typing import TypeVar, cast
from uuid import UUID, uuid4, uuid5

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder

from domain import commands as c
from domain.budget import BudgetLine
from domain.chain import Checked
from domain.errors import Conflict, NotFound
from domain.ids import NAMESPACE, unit_indicator_id
from domain.indicator import Indicator
from domain.names import unspaced
from domain.orgunit import OrgUnit
from domain.provenance import Provenance
from domain.staffing import make_row
from domain.task import Task
from domain.text import TextLimits
from ledger import outages
from ledger.chain_store import ChainStore, verify_live
from ledger.recorder import IdempotencyRecord, LedgerRecorder
from ledger.settings import PgConfig, text_limits
from ledger.transcodings import DateAsISO

log = logging.getLogger(__name__)
A = TypeVar("A", bound=Aggregate)
MAX_ATTEMPTS = 12


@dataclass(frozen=True)
class Outcome:
    """What a command did: its subject's id, kind and version, and the log positions of the
    events it recorded (none when an idempotency key replayed an earlier result)."""

    subject_id: UUID
    subject_type: str
    version: int
    notification_ids: tuple[int, ...] = ()
    event_types: tuple[str, ...] = ()
    """The class names of the recorded events (e.g. Task.Recorded), in log order."""

    @property
    def replayed(self) -> bool:
        return not self.notification_ids


def ledger_env(config: PgConfig) -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "APPLICATION_RECORDER_TOPIC": "ledger.recorder:LedgerRecorder",
        "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
        "POSTGRES_POOL_SIZE": "4",
        "POSTGRES_MAX_OVERFLOW": "4",
        "POSTGRES_LOCK_TIMEOUT": "10",
        "AGGREGATE_CACHE_MAXSIZE": "1000",
        "AGGREGATE_CACHE_FASTFORWARD": "y",
        **config.eventsourcing_env(),
    }


def request_hash(command: c.Command, provenance: Provenance) -> str:
    payload = {"command": type(command).__name__, **asdict(command), **provenance.fields()}
    payload.pop("actor", None)
    encoded = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


class Ledger(Application[UUID]):
    name = "Ledger"

    def __init__(self, config: PgConfig, limits: TextLimits | None = None) -> None:
        super().__init__(env=ledger_env(config))
        self.limits = limits or text_limits()
        self.ledger_recorder.bound(config.timeouts.statement)
        self._held = threading.local()
        self.chain_events()

    def chain_events(self) -> None:
        """Chain the events recorded before the log had a hash chain (an upgraded data dir),
        once, from the first event on."""
        with self.ledger_recorder.datastore.get_connection() as conn:
            chained = self.chain_store.backfill(conn)
        if chained:
            log.warning(
                "upgrade: computed the hash chain of %d events recorded before it existed "
                "(docs/hash-chain.md)",
                chained,
            )

    @contextmanager
    def holding(self, held: dict[UUID, Aggregate]) -> Iterator[None]:
        """Within it, this thread's loads read and keep aggregates in held (ledger/work.py)."""
        self._held.aggregates = held
        try:
            yield
        finally:
            self._held.aggregates = None

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    @property
    def ledger_recorder(self) -> LedgerRecorder:
        return cast(LedgerRecorder, self.recorder)

    @property
    def chain_store(self) -> ChainStore:
        return self.ledger_recorder.chain

    @property
    def events_table(self) -> str:
        return self.ledger_recorder.events_table_name

    def renew_stale_connections(self) -> None:
        """Have the writer's pool replace every idle connection once it finds one dead."""
        outages.renew_stale_connections(self.ledger_recorder.datastore.pool)

    def reconnect(self) -> None:
        """Open a writer's connection now that the database is back (ledger/outages.py)."""
        outages.refill(self.ledger_recorder.datastore.pool)

    def position_of(self, digest: str) -> int | None:
        """The log position of the event whose chain digest this is, if any."""
        with self.ledger_recorder.datastore.get_connection() as conn:
            return self.chain_store.position_of(conn, digest)

    def verify_chain(
        self, upto: int | None = None, progress: Callable[[int, int], None] | None = None
    ) -> Checked:
        """The live hash chain recomputed from the first event up to `upto` (the head by
        default), in one snapshot, against the stored digests."""
        with self.ledger_recorder.datastore.get_connection() as conn:
            return verify_live(conn, self.chain_store, upto, progress)

    def execute(
        self, command: c.Command, provenance: Provenance, idempotency_key: str | None = None
    ) -> Outcome:
        """Carry out a command; retry when a concurrent writer moved the subject on, unless the
        client named the version it expects."""
        c.check_request(command, provenance, self.limits, idempotency_key)
        digest = request_hash(command, provenance)
        for attempt in range(MAX_ATTEMPTS):
            if attempt:
                time.sleep(random.uniform(0, 0.005 * 2 ** min(attempt, 6)))
            if idempotency_key and (earlier := self._replay(provenance, idempotency_key, digest)):
                return earlier
            try:
                subject = self.decide(command, provenance)
            except Conflict:
                # The same request, sent again, may have been recorded since the check above:
                # its version is then the one this request's expectedVersion finds stale.
                if idempotency_key and (
                    earlier := self._replay(provenance, idempotency_key, digest)
                ):
                    return earlier
                raise
            key = idempotency_key and IdempotencyRecord(
                provenance.actor,
                idempotency_key,
                digest,
                subject.id,
                type(subject).__name__,
                subject.version,
            )
            try:
                recordings = self.save(subject, idempotency=key or None)
            except IntegrityError:
                # Another writer won: the same key (replay it on the next turn), or the subject
                # moved on (stale for a client that named its version, else decide again).
                expected = getattr(command, "expected_version", None)
                if expected is not None and not idempotency_key:
                    raise Conflict(
                        f"expectedVersion: {expected} is stale; the subject moved on meanwhile",
                        field="expectedVersion",
                        value=expected,
                    ) from None
                continue
            ids = tuple(r.notification.id for r in recordings)
            types = tuple(type(r.domain_event).__qualname__ for r in recordings)
            return Outcome(subject.id, type(subject).__name__, subject.version, ids, types)
        raise Conflict("too many concurrent changes to the same subject; try again")

    def _replay(self, provenance: Provenance, key: str, digest: str) -> Outcome | None:
        earlier = self.ledger_recorder.find_idempotency(provenance.actor, key)
        if earlier is None:
            return None
        if earlier.request_hash != digest:
            raise Conflict(
                f"idempotencyKey: {key!r} was used before with other input", field="idempotencyKey"
            )
        return Outcome(earlier.subject_id, earlier.subject_type, earlier.version)

    def load(self, cls: type[A], aggregate_id: UUID | None, field: str) -> A:
        if aggregate_id is None:
            raise NotFound(f"{field}: no id given", field=field)
        held: dict[UUID, Aggregate] | None = getattr(self._held, "aggregates", None)
        try:
            aggregate = held[aggregate_id] if held and aggregate_id in held else None
            aggregate = aggregate or self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(f"{field}: {aggregate_id} not found", field=field) from None
        if held is not None:
            held[aggregate_id] = aggregate
        if not isinstance(aggregate, cls):
            raise NotFound(f"{field}: {aggregate_id} is not a {cls.__name__}", field=field)
        return aggregate

    def subject(self, cls: type[A], aggregate_id: UUID, field: str, expected: int | None) -> A:
        """Load the command's subject, refusing when the client's expected version is stale."""
        aggregate = self.load(cls, aggregate_id, field)
        self.check_version(aggregate, expected)
        return aggregate

    def exists(self, aggregate_id: UUID) -> bool:
        held: dict[UUID, Aggregate] | None = getattr(self._held, "aggregates", None)
        return (held is not None and aggregate_id in held) or aggregate_id in self.repository

    @staticmethod
    def check_version(aggregate: Aggregate, expected: int | None) -> None:
        if expected is not None and expected != aggregate.version:
            raise Conflict(
                f"expectedVersion: {expected} is stale; {type(aggregate).__name__} "
                f"{aggregate.id} is at version {aggregate.version}",
                field="expectedVersion",
                value=expected,
            )

    @singledispatchmethod
    def decide(self, command: c.Command, provenance: Provenance) -> Aggregate:
        """Apply a command to its subject aggregate and return it, with its new events pending."""
        raise NotImplementedError(type(command).__name__)

    @decide.register
    def _(self, command: c.RegisterOrgUnit, provenance: Provenance) -> Aggregate:
        parent = None
        if command.parent_id is not None:
            parent = self.load(OrgUnit, command.parent_id, "parentId")
        unit_id = command.unit_id or uuid4()
        if self.exists(unit_id):
            raise Conflict(f"orgUnit {unit_id} is already registered", field="id", value=unit_id)
        unit = OrgUnit.register(
            unit_id=unit_id,
            name=command.name,
            parent=parent,
            valid_from=command.valid_from,
            provenance=provenance,
        )
        return unit

    @decide.register
    def _(self, command: c.RenameOrgUnit, provenance: Provenance) -> Aggregate:
        unit = self.subject(OrgUnit, command.org_unit_id, "orgUnitId", command.expected_version)
        unit.rename(command.name, command.valid_from, provenance)
        return unit

    @decide.register
    def _(self, command: c.MoveOrgUnit, provenance: Provenance) -> Aggregate:
        unit = self.subject(OrgUnit, command.org_unit_id, "orgUnitId", command.expected_version)
        parent = None
        if command.parent_id is not None:
            parent = self.load(OrgUnit, command.parent_id, "parentId")
        ancestors = self.ancestors(parent, command) if parent else []
        unit.move(parent, ancestors, command.valid_from, provenance)
        return unit

    def ancestors(self, unit: OrgUnit, command: c.MoveOrgUnit) -> list[UUID]:
        found: list[UUID] = []
        parent_id = unit.parents.at(command.valid_from)
        while parent_id is not None and parent_id not in found:
            found.append(parent_id)
            parent_id = self.load(OrgUnit, parent_id, "parentId").parents.at(command.valid_from)
        return found

    @decide.register
    def _(self, command: c.CloseOrgUnit, provenance: Provenance) -> Aggregate:
        unit = self.subject(OrgUnit, command.org_unit_id, "orgUnitId", command.expected_version)
        unit.close(command.valid_from, provenance)
        return unit

    @decide.register
    def _(self, command: c.RecordStaffing, provenance: Provenance) -> Aggregate:
        unit = self.subject(OrgUnit, command.org_unit_id, "orgUnitId", command.expected_version)
        rows = [make_row(**row.fields(), index=index) for index, row in enumerate(command.rows)]
        unit.record_staffing(command.reference_date, rows, command.women, command.note, provenance)
        return unit

    @decide.register
    def _(self, command: c.RetractStaffing, provenance: Provenance) -> Aggregate:
        unit = self.subject(OrgUnit, command.org_unit_id, "orgUnitId", command.expected_version)
        unit.retract_staffing(command.reference_date, provenance)
        return unit

    @decide.register
    def _(self, command: c.RecordBudgetLine, provenance: Provenance) -> Aggregate:
        owner = self.load(OrgUnit, command.org_unit_id, "orgUnitId")
        owner.check_after_registration("referenceDate", command.reference_date)
        line_id = command.line_id or command.new_line_id or self.line_id_for(command)
        if command.line_id is not None or self.exists(line_id):
            line = self.load(BudgetLine, line_id, "lineId")
            line.check_identity(owner.id, command.fiscal_year)
            self.check_version(line, command.expected_version)
        else:
            line = BudgetLine.open(
                line_id=line_id,
                owner_id=owner.id,
                fiscal_year=command.fiscal_year,
                provenance=provenance,
            )
        line.record(
            reference_date=command.reference_date,
            account=command.account,
            item=command.item,
            budgeted=command.budgeted,
            executed=command.executed,
            projects=command.projects,
            note=command.note,
            as_printed=command.as_printed,
            provenance=provenance,
        )
        return line

    @staticmethod
    def line_id_for(command: c.RecordBudgetLine) -> UUID:
        """A new line's id follows from what identifies it, so a second create of the same
        line records on the first one instead of splitting the series."""
        key = f"{command.org_unit_id}:{command.fiscal_year}:{unspaced(command.account or '')}"
        return uuid5(NAMESPACE, f"{key}:{unspaced(command.item)}")

    @decide.register
    def _(self, command: c.RetractBudgetRecord, provenance: Provenance) -> Aggregate:
        line = self.subject(BudgetLine, command.line_id, "lineId", command.expected_version)
        line.retract(command.reference_date, provenance)
        return line

    @decide.register
    def _(self, command: c.RecordTask, provenance: Provenance) -> Aggregate:
        owner = self.load(OrgUnit, command.org_unit_id, "orgUnitId")
        owner.check_after_registration("validFrom", command.valid_from)
        if command.task_id is not None:
            task = self.load(Task, command.task_id, "taskId")
            task.check_identity(owner.id, command.kind)
            self.check_version(task, command.expected_version)
        else:
            task = Task.open(
                task_id=command.new_task_id or uuid4(),
                owner_id=owner.id,
                kind=command.kind,
                provenance=provenance,
            )
        task.record(
            valid_from=command.valid_from,
            title=command.title,
            description=command.description,
            status=command.status,
            status_since=command.status_since,
            number=command.number,
            category=command.category,
            responsible=command.responsible,
            listed=command.listed,
            milestones=list(command.milestones),
            provenance=provenance,
        )
        return task

    @decide.register
    def _(self, command: c.RetractTaskRecord, provenance: Provenance) -> Aggregate:
        task = self.subject(Task, command.task_id, "taskId", command.expected_version)
        task.retract(command.valid_from, provenance)
        return task

    @decide.register
    def _(self, command: c.RecordIndicatorValue, provenance: Provenance) -> Aggregate:
        owner = self.load(OrgUnit, command.org_unit_id, "orgUnitId")
        owner.check_after_registration("referenceDate", command.reference_date)
        indicator_id = (
            command.indicator_id
            or command.new_indicator_id
            or unit_indicator_id(command.org_unit_id, command.group, command.name)
        )
        if command.indicator_id is not None or self.exists(indicator_id):
            indicator = self.load(Indicator, indicator_id, "indicatorId")
            indicator.check_identity(owner.id, command.name, command.group, command.measure)
            self.check_version(indicator, command.expected_version)
        else:
            indicator = Indicator.open(
                indicator_id=indicator_id,
                owner_id=owner.id,
                name=command.name,
                group=command.group,
                measure=command.measure,
                provenance=provenance,
            )
        indicator.record(
            period=command.period,
            kind=command.kind,
            value=command.value,
            reference_date=command.reference_date,
            printed=command.printed,
            provenance=provenance,
        )
        return indicator

    @decide.register
    def _(self, command: c.RetractIndicatorValue, provenance: Provenance) -> Aggregate:
        indicator = self.subject(
            Indicator, command.indicator_id, "indicatorId", command.expected_version
        )
        indicator.retract(command.period, command.kind, command.reference_date, provenance)
        return indicator
