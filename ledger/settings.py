"""Where the ledger's PostgreSQL is: an external server (DATABASE_URL) or an embedded one."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from psycopg.conninfo import conninfo_to_dict

from domain.text import TextLimits

DEFAULT_DATA_DIR = ".govledger"
DATABASE_NAME = "govledger"
READ_URL = "GOVLEDGER_READ_DATABASE_URL"
"""A hot-standby replica of DATABASE_URL's server that the API reads from."""


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
            lock=_seconds(env, "GOVLEDGER_LOCK_TIMEOUT", default.lock),
            statement=_seconds(env, "GOVLEDGER_STATEMENT_TIMEOUT", default.statement),
            idle_in_transaction=_seconds(
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


def _seconds(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name) or str(default)
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{name}={raw!r}: expected a whole number of seconds, at least 1")
    return value


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
class Settings:
    database_url: str | None
    data_dir: Path
    timeouts: Timeouts = Timeouts()
    read_database_url: str | None = None
    """A hot-standby replica the API reads (READ_URL); writes, the projector and webhook
    delivery stay on the primary."""

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            data_dir=Path(env.get("GOVLEDGER_DATA_DIR") or DEFAULT_DATA_DIR),
            timeouts=Timeouts.from_env(env),
            read_database_url=env.get(READ_URL) or None,
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
