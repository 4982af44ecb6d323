"""Every setting govledger takes from its environment, read here and nowhere else
(`Settings.from_env`) and handed to what uses it by the composition roots (api/runtime.py,
api/app.py, cli/): where the ledger's PostgreSQL is (an external server, DATABASE_URL, or an
embedded one), the bounds on its sessions, the text limits, and what the API, the fan-out, the
webhook deliverer and the projector may hold or wait. A bad value stops the process at start,
with a message naming the variable."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

from psycopg.conninfo import conninfo_to_dict

from domain.text import TextLimits

DEFAULT_DATA_DIR = ".govledger"
DATABASE_NAME = "govledger"
READ_URL = "GOVLEDGER_READ_DATABASE_URL"
"""A hot-standby replica of DATABASE_URL's server that the API reads from."""
MAX_QUERY_COST = "GOVLEDGER_MAX_QUERY_COST"
WORKER_DATABASE = "GOVLEDGER_WORKER_DATABASE_URL"
SAFE_TIME_FILE = "GOVLEDGER_SAFE_TIME_FILE"
CHECKPOINT_KEY = "GOVLEDGER_CHECKPOINT_KEY"
"""The private key that signs the log's checkpoints (ledger/integrity/checkpoints.py)."""
CHECKPOINT_KEY_FILE = "checkpoint.key"
"""Its file in the data dir when CHECKPOINT_KEY is unset."""
N = TypeVar("N", int, float)


def _number(env: Mapping[str, str], name: str, default: N, minimum: N, what: str) -> N:
    """The variable's value (default when it is unset or blank); ValueError naming it when it
    is not a number of default's kind, at least minimum."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = type(default)(raw)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value) or value < minimum:
        raise ValueError(f"{name} must be {what}, not {raw!r}")
    return value


@dataclass(frozen=True)
class Timeouts:
    """Bounds, in whole seconds, on the sessions that write the log (the ledger's recorder) and
    the read model (the projector), so that the log's lock is released whatever a client, the
    network or a bug does: `GOVLEDGER_LOCK_TIMEOUT` (waiting for a lock),
    `GOVLEDGER_STATEMENT_TIMEOUT` (one statement) and `GOVLEDGER_IDLE_IN_TRANSACTION_TIMEOUT`
    (a transaction left open while its client does nothing: the server ends the session)."""

    lock: int = 5
    statement: int = 30
    idle_in_transaction: int = 10

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Timeouts:
        default = cls()
        return cls(
            lock=_whole_seconds(env, "GOVLEDGER_LOCK_TIMEOUT", default.lock),
            statement=_whole_seconds(env, "GOVLEDGER_STATEMENT_TIMEOUT", default.statement),
            idle_in_transaction=_whole_seconds(
                env, "GOVLEDGER_IDLE_IN_TRANSACTION_TIMEOUT", default.idle_in_transaction
            ),
        )

    def session_options(self) -> str:
        """libpq's `options`: the bounds on a session psycopg opens itself (the projector's)."""
        return (
            f"-c lock_timeout={self.lock}s -c statement_timeout={self.statement}s "
            f"-c idle_in_transaction_session_timeout={self.idle_in_transaction}s"
        )

    def eventsourcing_env(self) -> dict[str, str]:
        """The bounds eventsourcing's recorder sets itself (the statement bound is the
        recorder's own: ledger/recorder.py)."""
        return {
            "POSTGRES_LOCK_TIMEOUT": str(self.lock),
            "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": str(self.idle_in_transaction),
        }


def _whole_seconds(env: Mapping[str, str], name: str, default: int) -> int:
    return _number(env, name, default, 1, "a whole number of seconds, at least 1")


@dataclass(frozen=True)
class PgConfig:
    """Connection parameters; host may be a Unix-socket directory."""

    host: str
    port: int
    user: str
    password: str
    dbname: str
    timeouts: Timeouts = Timeouts()

    @classmethod
    def from_url(cls, url: str) -> PgConfig:
        params = conninfo_to_dict(url)
        return cls(
            host=str(params.get("host") or "localhost"),
            port=int(params.get("port") or 5432),
            user=str(params.get("user") or "postgres"),
            password=str(params.get("password") or ""),
            dbname=str(params.get("dbname") or DATABASE_NAME),
        )

    def url(self) -> str:
        """As a DATABASE_URL (host may be a socket directory)."""
        user = quote(self.user, safe="")
        password = f":{quote(self.password, safe='')}" if self.password else ""
        query = urlencode({"host": self.host, "port": self.port})
        return f"postgresql://{user}{password}@/{quote(self.dbname)}?{query}"

    def with_dbname(self, dbname: str) -> PgConfig:
        return replace(self, dbname=dbname)

    def with_timeouts(self, timeouts: Timeouts) -> PgConfig:
        return replace(self, timeouts=timeouts)

    def psycopg_kwargs(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
            "dbname": self.dbname,
            "options": self.timeouts.session_options(),
        }

    def asyncpg_kwargs(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password or None,
            "database": self.dbname,
        }

    def eventsourcing_env(self) -> dict[str, str]:
        return {
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
            "POSTGRES_DBNAME": self.dbname,
            **self.timeouts.eventsourcing_env(),
            # a pooled connection the server closed (a restart) is replaced, not handed out
            "POSTGRES_PRE_PING": "y",
            # how long a write waits for a pooled connection: eventsourcing tries 10 times, so
            # a write while the server is down fails in about 12 s rather than 5 minutes
            "POSTGRES_CONNECT_TIMEOUT": "1",
        }


@dataclass(frozen=True)
class ApiSettings:
    """What one API process keeps and allows: `GOVLEDGER_ANSWER_CACHE_MB`, the answers it keeps
    in memory (api/http/cache.py; default 64, 0 keeps none); `GOVLEDGER_MAX_QUERY_COST`, the
    cost budget of one document (api/graphql/execution/limits.py; default 100000);
    `GOVLEDGER_READY_MAX_LAG`, the events the read model may lag the log before /readyz answers
    503 (api/http/health.py; default 1000)."""

    answer_cache_mb: float = 64.0
    max_query_cost: int = 100_000
    """Above the largest query of the README, the explorer and the tests (every unit's tasks
    with their milestones and owner: about 58,000), and about a second of work at most: so
    every unit's `changes` in one request is refused (a unit's at a time is not)."""
    ready_max_lag: int = 1000

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ApiSettings:
        default = cls()
        return cls(
            answer_cache_mb=_number(
                env,
                "GOVLEDGER_ANSWER_CACHE_MB",
                default.answer_cache_mb,
                0.0,
                "a number of megabytes, 0 or more",
            ),
            max_query_cost=_number(
                env, MAX_QUERY_COST, default.max_query_cost, 1, "a whole number above 0"
            ),
            ready_max_lag=_number(
                env,
                "GOVLEDGER_READY_MAX_LAG",
                default.ready_max_lag,
                0,
                "a whole number of events, 0 or more",
            ),
        )

    @property
    def answer_cache_bytes(self) -> int:
        return int(self.answer_cache_mb * 2**20)


@dataclass(frozen=True)
class FanoutSettings:
    """The fan-out that feeds every subscription of a process (integrations/fanout.py):
    `GOVLEDGER_SUBSCRIBER_BUFFER`, the events a subscriber may have waiting before it is cut
    off (a few hundred bytes each; default 1000); `GOVLEDGER_FANOUT_WINDOW`, the last events
    the reader keeps, so that a subscriber starting within them joins at once (default 5000)."""

    buffer: int = 1000
    window: int = 5000

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> FanoutSettings:
        default, what = cls(), "a whole number of events above 0"
        return cls(
            buffer=_number(env, "GOVLEDGER_SUBSCRIBER_BUFFER", default.buffer, 1, what),
            window=_number(env, "GOVLEDGER_FANOUT_WINDOW", default.window, 1, what),
        )


@dataclass(frozen=True)
class WebhookSettings:
    """The webhook deliverer's waits, in seconds (integrations/webhooks/delivery.py):
    `GOVLEDGER_WEBHOOK_TIMEOUT_SECONDS`, for a receiver's answer (default 10);
    `GOVLEDGER_WEBHOOK_POLL_SECONDS`, between looks at the log without a notification (1);
    `GOVLEDGER_WEBHOOK_STANDBY_SECONDS`, between a standby's tries for the deliverer's lock (2);
    `GOVLEDGER_WEBHOOK_BACKOFF_SECONDS` and `GOVLEDGER_WEBHOOK_BACKOFF_MAX_SECONDS`, after a
    failed attempt: the first wait, doubling with each failure in a row, up to the longest (1,
    300)."""

    timeout: float = 10.0
    poll: float = 1.0
    standby: float = 2.0
    backoff: float = 1.0
    backoff_max: float = 300.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> WebhookSettings:
        default = cls()

        def seconds(name: str, value: float) -> float:
            return _number(
                env, f"GOVLEDGER_WEBHOOK_{name}", value, 0.0, "a number of seconds, 0 or more"
            )

        return cls(
            timeout=seconds("TIMEOUT_SECONDS", default.timeout),
            poll=seconds("POLL_SECONDS", default.poll),
            standby=seconds("STANDBY_SECONDS", default.standby),
            backoff=seconds("BACKOFF_SECONDS", default.backoff),
            backoff_max=seconds("BACKOFF_MAX_SECONDS", default.backoff_max),
        )


@dataclass(frozen=True)
class WorkerSettings:
    """Set by `govledger serve --workers N` for its worker processes, not by hand (cli/workers.py):
    `GOVLEDGER_WORKER_DATABASE_URL`, the database the serving process opened;
    `GOVLEDGER_SAFE_TIME_FILE`, where the workers share the safe time
    (projections/safe_time.py)."""

    database_url: str | None = None
    safe_time_file: Path | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> WorkerSettings:
        shared = env.get(SAFE_TIME_FILE)
        return cls(env.get(WORKER_DATABASE) or None, Path(shared) if shared else None)

    def environment(self) -> dict[str, str]:
        """The variables that hand these settings to a worker process."""
        found = {WORKER_DATABASE: self.database_url, SAFE_TIME_FILE: self.safe_time_file}
        return {name: str(value) for name, value in found.items() if value is not None}


@dataclass(frozen=True)
class Settings:
    """`DATABASE_URL`, the PostgreSQL to use (unset: an embedded one in `GOVLEDGER_DATA_DIR`,
    default ./.govledger); the rest grouped by what reads them, each group naming its
    variables. `GOVLEDGER_PROJECTOR_BATCH`: the events the projector applies per transaction
    (default 1000)."""

    database_url: str | None
    data_dir: Path
    timeouts: Timeouts = Timeouts()
    read_database_url: str | None = None
    """A hot-standby replica the API reads (READ_URL); writes, the projector and webhook
    delivery stay on the primary."""
    limits: TextLimits = field(default_factory=TextLimits)
    api: ApiSettings = ApiSettings()
    fanout: FanoutSettings = FanoutSettings()
    webhooks: WebhookSettings = WebhookSettings()
    workers: WorkerSettings = WorkerSettings()
    projector_batch: int = 1000
    checkpoint_key: Path | None = None
    """GOVLEDGER_CHECKPOINT_KEY: the file of the Ed25519 key that signs checkpoints, made by
    `govledger checkpoint init` (unset: checkpoint.key in the data dir, if it is there)."""

    @property
    def checkpoint_key_file(self) -> Path:
        return self.checkpoint_key or self.data_dir / CHECKPOINT_KEY_FILE

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings of the process's environment (or of environ)."""
        env = os.environ if environ is None else environ
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            data_dir=Path(env.get("GOVLEDGER_DATA_DIR") or DEFAULT_DATA_DIR),
            timeouts=Timeouts.from_env(env),
            read_database_url=env.get(READ_URL) or None,
            limits=text_limits(env),
            api=ApiSettings.from_env(env),
            fanout=FanoutSettings.from_env(env),
            webhooks=WebhookSettings.from_env(env),
            workers=WorkerSettings.from_env(env),
            projector_batch=_number(
                env, "GOVLEDGER_PROJECTOR_BATCH", 1000, 1, "a whole number of events above 0"
            ),
            checkpoint_key=Path(env[CHECKPOINT_KEY]) if env.get(CHECKPOINT_KEY) else None,
        )


LIMIT_SETTINGS = {
    "name": "GOVLEDGER_MAX_NAME_CHARS",
    "label": "GOVLEDGER_MAX_LABEL_CHARS",
    "reason": "GOVLEDGER_MAX_REASON_CHARS",
    "description": "GOVLEDGER_MAX_DESCRIPTION_CHARS",
    "key": "GOVLEDGER_MAX_KEY_CHARS",
}
"""The environment variable that sets each of domain.text.TextLimits' limits."""


def text_limits(environ: Mapping[str, str] | None = None) -> TextLimits:
    """The text limits, each from its environment variable or TextLimits' default."""
    env = os.environ if environ is None else environ
    given: dict[str, int] = {}
    for limit, variable in LIMIT_SETTINGS.items():
        text = (env.get(variable) or "").strip()
        if not text:
            continue
        if not text.isascii() or not text.isdigit() or int(text) < 1:
            raise ValueError(f"{variable}={text!r}: set a whole number of characters, 1 or more")
        given[limit] = int(text)
    return TextLimits(**given)
