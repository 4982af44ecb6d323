"""Opening the ledger for a command, or saying in one line why it cannot be opened and which
setting to change: a DATABASE_URL that is malformed, refused, unresolvable or rejects its
password (found in seconds, with a connect timeout, rather than after the pool's 30 s), a data
dir that cannot be written, an embedded PostgreSQL that does not start."""

from __future__ import annotations

import re
import subprocess

import psycopg
from eventsourcing.persistence import PersistenceError

from api import heap
from api.runtime import Runtime
from ledger.database import Database, open_database
from ledger.settings import PgConfig, Settings

CONNECT_SECONDS = 3
"""libpq's connect_timeout for the first connection (its minimum is 2)."""
URL_FORM = "postgresql://USER:PASSWORD@HOST:PORT/DBNAME"
ADDRESS = re.compile(r'connection to server (at "[^"]*", port \d+|on socket "[^"]*") failed: ')
"""The address in libpq's messages, which where() gives."""


class CommandError(Exception):
    """A start-up or command-line error: one line on stderr, exit status 1."""


def open_runtime(settings: Settings | None = None) -> Runtime:
    """The ledger's runtime for a command, its process's heap settled as a serving process's
    is (api/heap.py): an import, a projection or a rebuild keeps what start-up left alive
    throughout, and each full pass of the collector would walk it again."""
    settings = settings or read_settings()
    database = open_checked(settings)
    try:
        runtime = Runtime(settings, database=database)
    except ValueError as error:
        raise CommandError(str(error)) from None
    except (psycopg.Error, PersistenceError) as error:
        raise CommandError(
            f"the database at {where(database.config)} refused to set up the ledger: "
            f"{reason(error)}; {setting(settings)}"
        ) from None
    heap.settle()
    return runtime


def read_settings() -> Settings:
    try:
        return Settings.from_env()
    except ValueError as error:  # the message names the variable
        raise CommandError(str(error)) from None


def open_checked(settings: Settings) -> Database:
    """The database of the settings, reachable: CommandError naming the cause otherwise."""
    try:
        database = open_database(settings)
    except (psycopg.Error, ValueError, OSError, subprocess.SubprocessError) as error:
        raise CommandError(not_opened(error, settings)) from None
    if settings.database_url:
        check_reachable(database.config, settings)
    return database


def not_opened(error: Exception, settings: Settings) -> str:
    if settings.database_url:
        return f"DATABASE_URL is not a PostgreSQL URL ({reason(error)}); write it as {URL_FORM}"
    if isinstance(error, OSError):
        return (
            f"the data dir {settings.data_dir} cannot be used: {error.strerror or error}; set "
            "GOVLEDGER_DATA_DIR to a writable folder (or DATABASE_URL to a server of yours)"
        )
    pgdata = settings.data_dir / "pg"
    return (
        f"the embedded PostgreSQL in {pgdata} did not start ({reason(error)}; its log: "
        f"{pgdata / 'log'}); set GOVLEDGER_DATA_DIR to another folder (or DATABASE_URL)"
    )


def check_reachable(config: PgConfig, settings: Settings) -> None:
    try:
        psycopg.connect(**config.psycopg_kwargs(), connect_timeout=CONNECT_SECONDS).close()
    except psycopg.Error as error:
        raise CommandError(
            f"cannot connect to PostgreSQL at {where(config)}: {reason(error)}; {setting(settings)}"
        ) from None


def setting(settings: Settings) -> str:
    if settings.database_url:
        return f"check DATABASE_URL ({URL_FORM})"
    return "check GOVLEDGER_DATA_DIR (or set DATABASE_URL to a server of yours)"


def where(config: PgConfig) -> str:
    place = config.host if config.host.startswith("/") else f"{config.host}:{config.port}"
    return f"{place} (user {config.user}, database {config.dbname})"


def reason(error: BaseException) -> str:
    """libpq's message on one line, without the address it names (where() says it)."""
    text = "; ".join(line.strip() for line in str(error).splitlines() if line.strip())
    text = ADDRESS.sub("", re.sub(r"^connection (failed|is bad): ", "", text))
    return text or type(error).__name__
