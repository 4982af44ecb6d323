"""The ledger application: carries out commands on the aggregates (what each decides:
ledger/handlers.py) and records their events, atomically with the command's idempotency key;
tries again when a concurrent writer moved the subject on. Runs synchronously (psycopg): call
it off the event loop."""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import TypeVar, cast
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder

from domain import commands as c
from domain.errors import Conflict
from domain.proofs.chain import Checked
from domain.provenance import Provenance
from domain.text import TextLimits
from ledger import handlers, outages
from ledger.integrity.chain import ChainStore, verify_live
from ledger.integrity.tree_reads import LedgerTree
from ledger.recorder import IdempotencyRecord, LedgerRecorder
from ledger.settings import PgConfig, text_limits
from ledger.subjects import Subjects
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
        self.subjects = Subjects(self.repository, self.ledger_recorder.select_events_of)
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
        return self.subjects.load(cls, aggregate_id, field)

    def exists(self, aggregate_id: UUID) -> bool:
        return self.subjects.exists(aggregate_id)

    def load_many(self, ids: Iterable[UUID]) -> dict[UUID, Aggregate]:
        """The aggregates of these ids the ledger holds, read at once (ledger/subjects.py)."""
        return self.subjects.load_many(ids)

    def decide(self, command: c.Command, provenance: Provenance) -> Aggregate:
        """Apply a command to its subject aggregate and return it, with its new events pending
        (ledger/handlers.py)."""
        return handlers.decide(command, provenance, self.subjects)

    @property
    def tree(self) -> LedgerTree:
        """The log's Merkle tree (RFC 9162): its size and root, inclusion and consistency
        proofs, and each event's leaf index (ledger/integrity/tree_reads.py)."""
        return self.ledger_recorder.tree
