"""The composition root: one process's settings, database, ledger application, projector and
services (pools, freshness, tokens, fan-out, webhooks), each handed what it needs."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import orjson
import psycopg

from api import token_store
from api.auth import TokenCache
from api.graphql.context import Services
from integrations.fanout import Fanout
from integrations.webhooks import store as webhooks
from integrations.webhooks.delivery import Deliverer
from ledger.application import Ledger
from ledger.database import Database, open_database
from ledger.integrity.checkpoints import CheckpointNotes, configured_key
from ledger.settings import PgConfig, Settings
from projections.build.runner import Progress, Projector
from projections.freshness import Freshness
from projections.listener import Listener
from projections.read.staffing import Labels
from projections.safe_time import SafeTimeBoard

log = logging.getLogger(__name__)


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec(
        "jsonb", encoder=orjson_text, decoder=orjson.loads, schema="pg_catalog"
    )


def orjson_text(value: object) -> str:
    return orjson.dumps(value).decode()


READ_SETTINGS = {"plan_cache_mode": "force_generic_plan"}
"""The reads are prepared statements of a few index probes each: planned once, not per call
(a custom plan costs five times the probes it plans)."""


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Reads never change a pooled session (no SET, LISTEN, cursor or advisory lock is left
    behind; an open transaction is rolled back by the pool itself), so a connection goes back
    to the pool without the reset query's round trip."""


async def _open_pool(kwargs: dict[str, Any]) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        **kwargs,
        min_size=1,
        max_size=10,
        init=_init_connection,
        reset=_keep_session,
        server_settings=READ_SETTINGS,
    )
    assert pool is not None
    return pool


STOP_SECONDS = 5.0
WEBHOOK_STOP_SECONDS = 15.0
"""The deliverer lets a POST in flight finish (its timeout, 10 s by default) before it stops."""


async def bounded(stopping: Awaitable[None], what: str, seconds: float = STOP_SECONDS) -> bool:
    """Await a stop for at most seconds; False (logged) when it did not end in time."""
    try:
        await asyncio.wait_for(stopping, seconds)
        return True
    except TimeoutError:
        log.warning("%s did not stop within %g s; going on", what, seconds)
        return False


class Runtime:
    def __init__(
        self,
        settings: Settings | None = None,
        *,
        database: Database | None = None,
        read_url: str | None = None,
    ) -> None:
        """settings: the environment's without them; database: the settings' without it;
        read_url: the settings' replica without it."""
        self.settings = settings or Settings.from_env()
        key = configured_key(self.settings)  # a bad key file stops the process here
        self.database = database or open_database(self.settings)
        self.config = self.database.config
        read_url = read_url or self.settings.read_database_url
        self.read_config = PgConfig.from_url(read_url) if read_url else None
        """The hot-standby replica the API reads, if one is set."""
        self.ledger = Ledger(self.config, self.settings.limits)
        self.ledger.renew_stale_connections()
        self.checkpoints = CheckpointNotes(self.ledger.tree.connect, self.ledger.events_table, key)
        """The signed checkpoints of the log's tree (None of them without a key)."""
        self.projector = Projector(
            connect=self.connect,
            events_table=self.ledger.events_table,
            decode=self.ledger.mapper.to_domain_event,
            barrier=self.ledger.ledger_recorder.barrier,
            batch_size=self.settings.projector_batch,
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.services: Services | None = None

    def connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(**self.config.psycopg_kwargs())

    def log_is_empty(self) -> bool:
        return self.ledger.recorder.max_notification_id() is None

    def catch_up(self, progress: Progress | None = None) -> int | None:
        """Bring the read model up to the log now; None when another process projects."""
        with self.projector.session() as conn:
            return None if conn is None else self.projector.catch_up(conn, progress)

    def start_projector(self) -> None:
        self._thread = threading.Thread(
            target=self.projector.run, args=(self._stop,), name="projector", daemon=True
        )
        self._thread.start()

    async def open_services(self) -> Services:
        """Open the pools, make the tables of tokens and webhooks if they are not there (once,
        here), and start what runs beside the requests: LISTEN, the fan-out, the deliverer."""
        kwargs = self.config.asyncpg_kwargs()
        pool = await _open_pool(kwargs)
        async with pool.acquire() as conn:
            await token_store.ensure_table(conn)
            await webhooks.ensure_table(conn)
        replica = self.read_config
        read_pool = await _open_pool(replica.asyncpg_kwargs()) if replica else None
        reads = read_pool or pool
        listener = Listener(kwargs)  # LISTEN works on the primary only
        board = SafeTimeBoard(self.settings.workers.safe_time_file)
        freshness = Freshness(reads, listener, board, replica=read_pool is not None)
        tokens = TokenCache(pool, listener)
        listener.after_outage(self.ledger.reconnect)
        await listener.start()
        await freshness.refresh()
        fanout = Fanout(reads, freshness, listener, self.settings.fanout)
        await fanout.start()
        self.services = Services(
            pool=pool,
            ledger=self.ledger,
            freshness=freshness,
            tokens=tokens,
            labels=Labels(),
            listener=listener,
            fanout=fanout,
            webhook_store=webhooks.WebhookStore(pool, self.ledger.events_table),
            settings=self.settings.api,
            read_pool=read_pool,
            checkpoints=self.checkpoints,
        )
        self._listener, self._board = listener, board
        self.webhooks = self._deliverer(self.services, kwargs)
        self.webhooks.start()
        return self.services

    def _deliverer(self, services: Services, connect: dict[str, Any]) -> Deliverer:
        """The webhook deliverer (one process delivers: an advisory lock elects it), rendering
        events with the schema, imported here: a command that never serves (import, token,
        rebuild...) starts without building it."""
        from api.graphql.webhook_bodies import WebhookBodies

        bodies = WebhookBodies(services)
        return Deliverer(bodies.read, services.freshness, connect, self.settings.webhooks)

    async def close_services(self) -> None:
        """Stop what the services run, each within a bound: a stop must end (SIGTERM, docker
        stop), even when a connection hangs."""
        if self.services is not None:
            services = self.services
            await bounded(services.fanout.stop(), "the fan-out")
            await bounded(self.webhooks.stop(), "the webhook deliverer", WEBHOOK_STOP_SECONDS)
            await bounded(self._listener.stop(), "the LISTEN connection")
            await bounded(services.freshness.close(), "the replica's poll")
            for pool in filter(None, (services.read_pool, services.pool)):
                if not await bounded(pool.close(), "a connection pool"):
                    pool.terminate()
            self._board.close()
            self.services = None

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.ledger.close()


def with_runtime(settings: Settings, work: Callable[[Runtime], Any]) -> Any:
    runtime = Runtime(settings)
    try:
        return work(runtime)
    finally:
        runtime.close()
