"""Where the ledger's PostgreSQL is: an external server (DATABASE_URL) or an embedded one."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from psycopg.conninfo import conninfo_to_dict

DEFAULT_DATA_DIR = ".govledger"
DATABASE_NAME = "govledger"


@dataclass(frozen=True)
class PgConfig:
    """Connection parameters; host may be a Unix-socket directory."""

    host: str
    port: int
    user: str
    password: str
    dbname: str

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
        return PgConfig(self.host, self.port, self.user, self.password, dbname)

    def psycopg_kwargs(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
            "dbname": self.dbname,
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
        }


@dataclass(frozen=True)
class Settings:
    database_url: str | None
    data_dir: Path

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            data_dir=Path(env.get("GOVLEDGER_DATA_DIR") or DEFAULT_DATA_DIR),
        )
