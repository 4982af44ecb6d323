"""Start-up and command-line errors as an operator meets them: each is one line on stderr
naming the cause and the setting to change, with a non-zero exit, within 5 s. Tokens: names
unique among live tokens, listed without their secret, and a revoked token refused at once by a
running server."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest

from ledger.database import Database, start_embedded
from ledger.settings import PgConfig
from tests.conftest import run_cli
from tests.support.live import Live
from tests.support.ports import free_port
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
BOUND_SECONDS = 9
"""What a refusal may take, start-up included: `govledger --help` alone takes 2.1 s on this
machine, twice that beside the suite's other worker; a refusal that retried a write's
connection would take about 12 s (ledger/settings.py)."""
READ = "{ orgUnits { name } }"
NO_SUCH_UNIT = """[source]
file = "x.txt"
title = "a staffing table of a unit the ledger does not hold"

[[staffing]]
unit = "no-such-unit"
reference_date = "2020-03-31"
rows = [{ series = "general-5", category = "일반직", grade = "5급", authorized = 2, current = 2 }]
"""


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def govledger(*args: str, env: dict[str, str | None]) -> Ran:
    started = time.monotonic()
    done = run_cli(*args, env={"COLUMNS": "200", **env}, timeout=30)
    return Ran(done.returncode, done.stdout, done.stderr, time.monotonic() - started)


def refused(done: Ran, *words: str) -> str:
    """The one line of a refusal, which names every word; within the time bound."""
    assert done.returncode != 0, done.stderr
    assert done.seconds < BOUND_SECONDS, (done.seconds, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for word in words:
        assert word.lower() in lines[0].lower(), (word, lines[0])
    return lines[0]


def at(database: Database) -> dict[str, str | None]:
    return {"DATABASE_URL": database.config.url()}


@pytest.fixture(scope="module")
def password_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgConfig]:
    """An embedded server of its own where user kim logs in with a password (scram)."""
    data_dir = tmp_path_factory.mktemp("pw")
    database = start_embedded(data_dir)
    with psycopg.connect(**database.config.psycopg_kwargs(), autocommit=True) as conn:
        conn.execute("CREATE ROLE kim LOGIN PASSWORD 'right'")
        hba = Path(conn.execute("SHOW hba_file").fetchone()[0])  # type: ignore[index]
        hba.write_text("local all kim scram-sha-256\n" + hba.read_text())
        conn.execute("SELECT pg_reload_conf()")
    config = database.config
    yield PgConfig(config.host, config.port, "kim", "right", config.dbname)


@pytest.mark.parametrize(
    ("url", "cause"),
    [
        ("postgresql://govledger@127.0.0.1:{port}/govledger", "connection refused"),
        ("postgresql://govledger@no-such-host.invalid/govledger", "no-such-host.invalid"),
        ("postgresql://govledger@localhost:port/govledger", "not a PostgreSQL URL"),
    ],
)
def test_a_wrong_database_url_is_one_line_at_once(url: str, cause: str) -> None:
    done = govledger("serve", env={"DATABASE_URL": url.format(port=free_port())})
    refused(done, cause, "DATABASE_URL")


def test_a_wrong_password_is_one_line_at_once(password_server: PgConfig) -> None:
    wrong = PgConfig(
        password_server.host, password_server.port, "kim", "wrong", password_server.dbname
    )
    done = govledger("import", str(ROOT / "data" / "seoul"), env={"DATABASE_URL": wrong.url()})
    refused(done, 'password authentication failed for user "kim"', "DATABASE_URL")


def test_an_unwritable_data_dir_is_one_line_at_once(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    data_dir = tmp_path / "a-file" / "ledger"
    done = govledger("serve", env={"DATABASE_URL": None, "GOVLEDGER_DATA_DIR": str(data_dir)})
    refused(done, str(data_dir), "not a directory", "GOVLEDGER_DATA_DIR")


def test_a_token_without_a_name_is_refused(database: Database) -> None:
    done = govledger("token", "create", "--name", " ", "--role", "editor", env=at(database))
    refused(done, "--name must not be empty")


def test_a_broken_toml_file_is_named_with_its_line(database: Database, tmp_path: Path) -> None:
    shutil.copy(ROOT / "data" / "seoul" / "001_8609ec9c98224de6.toml", tmp_path)
    (tmp_path / "002_broken.toml").write_text('[source]\nfile = "x.txt"\ntitle = \n')
    done = govledger("import", str(tmp_path), env=at(database))
    refused(done, "002_broken.toml", "line 3", "nothing recorded")


def test_importing_a_missing_folder_names_it(database: Database, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder"
    refused(govledger("import", str(missing), env=at(database)), str(missing), "does not exist")
    empty = tmp_path / "empty"
    empty.mkdir()
    refused(govledger("import", str(empty), env=at(database)), str(empty), ".toml")


def test_a_dry_run_refuses_what_the_import_refuses(database: Database, tmp_path: Path) -> None:
    shutil.copy(ROOT / "data" / "seoul" / "001_8609ec9c98224de6.toml", tmp_path)
    (tmp_path / "002_no_such_unit.toml").write_text(NO_SUCH_UNIT, encoding="utf-8")
    dry = govledger("import", "--dry-run", str(tmp_path), env=at(database))
    line = refused(dry, "import stopped", "002_no_such_unit.toml", "no-such-unit", "not found")
    with psycopg.connect(**database.config.psycopg_kwargs()) as conn:
        assert conn.execute("SELECT count(*) FROM ledger_events").fetchone() == (0,)
    done = govledger("import", str(tmp_path), env=at(database))
    assert done.returncode == dry.returncode == 1
    refusal = line.split(". The ")[0]
    assert refusal in done.stderr, (line, done.stderr)


def test_token_names_are_unique_and_listed_without_their_secret(database: Database) -> None:
    first = govledger("token", "create", "--name", "kim", "--role", "editor", env=at(database))
    assert first.returncode == 0, first.stderr
    secret = first.stdout.split()[-1]
    again = govledger("token", "create", "--name", "kim", "--role", "admin", env=at(database))
    refused(again, "'kim'", "already", "token revoke")
    listed = govledger("token", "list", env=at(database))
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split()[4:6] == ["kim", "editor"], listed.stdout
    assert secret not in listed.stdout and "glt_" not in listed.stdout
    assert govledger("token", "revoke", "kim", env=at(database)).returncode == 0
    refused(govledger("token", "revoke", "kim", env=at(database)), "no live token", "kim")
    listed = govledger("token", "list", env=at(database)).stdout.splitlines()
    assert len(listed) == 2 and listed[1].split()[:2] == ["kim", "editor"], listed
    assert len(listed[1].split()) == 6, "no revocation time listed"
    renewed = govledger("token", "create", "--name", "kim", "--role", "editor", env=at(database))
    assert renewed.returncode == 0, "a revoked token's name cannot be given again"


def test_a_revoked_token_is_refused_at_once_by_a_running_server(live: Live) -> None:
    env = at(live.runtime.database)
    created = govledger("token", "create", "--name", "lee", "--role", "reader", env=env)
    token = created.stdout.split()[-1]
    headers = {"Authorization": f"Bearer {token}"}
    answer = httpx.post(f"{live.url}/graphql", json={"query": READ}, headers=headers)
    assert answer.status_code == 200 and "errors" not in answer.json(), answer.text
    assert govledger("token", "revoke", "lee", env=env).returncode == 0
    revoked = time.monotonic()

    def refused() -> httpx.Response | None:
        answer = httpx.post(f"{live.url}/graphql", json={"query": READ}, headers=headers)
        return answer if answer.status_code == 401 else None

    answer = wait_until(refused, "the server to refuse the revoked token", 1, interval=0.01)
    print(f"\nrevoked token refused {time.monotonic() - revoked:.3f} s after the command ended")
    assert answer.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
