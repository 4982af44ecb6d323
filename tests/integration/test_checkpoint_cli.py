"""`govledger checkpoint init`, `checkpoint publish`, `checkpoint check` and `verify-proof` as an
operator and a mirror run them: a key of mode 0600 that is never overwritten; a folder of
checkpoints that grows with the log, each with its consistency proof; a fork and a rollback made
by hand in a mirror and found; a publication refused when the ledger was rolled back or
rewritten; proofs checked with no database."""

from __future__ import annotations

import json
import shutil
import stat
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from api.runtime import Runtime
from domain import commands as c
from domain.proofs.checkpoint import Checkpoint, format_checkpoint, parse_signer_key, sign_note
from domain.proofs.claims import b64, inclusion_claim
from ledger.database import Database
from ledger.settings import PgConfig
from tests.conftest import EDITOR, fresh_database, register, run_cli, staffing_rows

ORIGIN = "govledger.test/seoul"
NO_DATABASE = "postgresql://nobody@127.0.0.1:1/none"
"""A DATABASE_URL nothing answers: the commands that need no database must not notice it."""


def cli(env: Mapping[str, str | None], *args: str) -> tuple[int, str]:
    done = run_cli(*args, env={"COLUMNS": "200", **env}, timeout=120)
    return done.returncode, done.stdout + done.stderr


def init(key: Path) -> str:
    code, said = cli(
        {"GOVLEDGER_CHECKPOINT_KEY": str(key)}, "checkpoint", "init", "--origin", ORIGIN
    )
    assert code == 0, said
    return said.split("verifier key (publish it): ")[1].strip()


def record(runtime: Runtime, count: int) -> None:
    unit = register(runtime, f"부서 {count}")
    for month in range(1, count):
        day = date(2020, 1 + month % 12, 28)
        runtime.ledger.execute(c.RecordStaffing(unit, day, staffing_rows(month)), EDITOR)


def test_init_makes_a_private_key_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"GOVLEDGER_DATA_DIR": str(data), "GOVLEDGER_CHECKPOINT_KEY": None}
    code, said = cli(env, "checkpoint", "init")
    assert code == 0, said
    key = data / "checkpoint.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.read_text().startswith("PRIVATE+KEY+govledger.local/seoul+")
    assert "verifier key (publish it): govledger.local/seoul+" in said
    before = key.read_bytes()
    code, said = cli(env, "checkpoint", "init")
    assert code == 1 and "exists already" in said and key.read_bytes() == before

    key.chmod(0o644)
    code, said = cli({**env, "DATABASE_URL": NO_DATABASE}, "checkpoint", "publish", str(tmp_path))
    assert code == 1 and "chmod 600" in said, said
    missing = {"GOVLEDGER_CHECKPOINT_KEY": str(tmp_path / "nowhere.key")}
    code, said = cli({**missing, "DATABASE_URL": NO_DATABASE}, "checkpoint", "publish", "x")
    assert code == 1 and "GOVLEDGER_CHECKPOINT_KEY: there is no key at" in said, said


def test_publish_then_check_finds_a_fork_and_a_rollback_made_by_hand(
    runtime: Runtime, database: Database, server: PgConfig, tmp_path: Path
) -> None:
    key = tmp_path / "checkpoint.key"
    verifier = init(key)
    env = {"DATABASE_URL": database.config.url(), "GOVLEDGER_CHECKPOINT_KEY": str(key)}
    mirror = tmp_path / "mirror"
    record(runtime, 5)
    code, said = cli(env, "checkpoint", "publish", str(mirror))
    assert code == 0 and "published the checkpoint of size 5" in said, said
    code, said = cli(env, "checkpoint", "publish", str(mirror))
    assert code == 0 and "size 5 is published already" in said, said
    for count in (7, 30):
        record(runtime, count)
        code, said = cli(env, "checkpoint", "publish", str(mirror))
        assert code == 0, said
    assert "published the checkpoint of size 42" in said
    assert "with the consistency proof from size 12" in said
    assert sorted(p.name for p in (mirror / "checkpoints").iterdir()) == [
        "12.note", "42.note", "5.note",
    ]  # fmt: skip
    assert sorted(p.name for p in (mirror / "proofs").iterdir()) == ["12-42.json", "5-12.json"]
    assert (mirror / "verifier-key").read_text().strip() == verifier

    offline = {"DATABASE_URL": NO_DATABASE}
    code, said = cli(offline, "checkpoint", "check", str(mirror), "--key", verifier)
    assert code == 0 and "3 checkpoints, sizes 5 to 42" in said and "no fork" in said, said
    files = [
        mirror / "checkpoints" / "42.note",
        mirror / "verifier-key",
        mirror / "proofs" / "12-42.json",
    ]
    code, said = cli(offline, "verify-proof", *map(str, files))
    assert code == 0 and said.splitlines()[-1].endswith("is a prefix of size 42: ok"), said

    _, private_key = parse_signer_key(key.read_text().strip())

    def forged(size: int) -> str:
        return sign_note(
            format_checkpoint(Checkpoint(ORIGIN, size, bytes(32))), ORIGIN, private_key
        )

    forked = tmp_path / "forked"
    shutil.copytree(mirror, forked)
    (forked / "checkpoints" / "12-from-elsewhere.note").write_text(forged(12))
    code, said = cli(offline, "checkpoint", "check", str(forked))
    assert (
        code == 1 and "fork: checkpoints/12-from-elsewhere.note against checkpoints/12.note" in said
    )
    assert "two roots for size 12" in said

    rolled = tmp_path / "rolled-back"
    shutil.copytree(mirror, rolled)
    (rolled / "checkpoints" / "42.note").unlink()  # the log rewritten after size 12, signed again
    (rolled / "checkpoints" / "42.note").write_text(forged(42))
    code, said = cli(offline, "checkpoint", "check", str(rolled))
    assert code == 1 and "rollback: checkpoints/42.note against checkpoints/12.note" in said, said

    unsigned = tmp_path / "unsigned"
    shutil.copytree(mirror, unsigned)
    note = unsigned / "checkpoints" / "5.note"
    note.write_text(note.read_text().replace("\n5\n", "\n6\n"))
    code, said = cli(offline, "checkpoint", "check", str(unsigned))
    assert code == 1 and "checkpoints/5.note: the signature by" in said, said

    with fresh_database(server) as other:
        smaller = Runtime(database=other)
        try:
            record(smaller, 3)  # a ledger restored from an older backup, say
            again = {**env, "DATABASE_URL": other.config.url()}
            code, said = cli(again, "checkpoint", "publish", str(mirror))
            assert code == 1 and "the ledger was rolled back" in said, said
            record(smaller, 50)  # rewritten: another history, larger than what was published
            code, said = cli(again, "checkpoint", "publish", str(mirror))
            assert code == 1 and "the log was rewritten; nothing published" in said, said
        finally:
            smaller.close()
    assert len(list((mirror / "checkpoints").iterdir())) == 3


def test_verify_proof_needs_no_database(
    runtime: Runtime, database: Database, tmp_path: Path
) -> None:
    key = tmp_path / "checkpoint.key"
    verifier = init(key)
    record(runtime, 9)
    env = {"DATABASE_URL": database.config.url(), "GOVLEDGER_CHECKPOINT_KEY": str(key)}
    code, said = cli(env, "checkpoint", "publish", str(tmp_path / "mirror"))
    assert code == 0, said
    chain = f"{runtime.ledger.events_table}_chain"
    with runtime.connect() as conn:
        row = conn.execute(f'SELECT digest FROM "{chain}" WHERE leaf_index = 6').fetchone()
    assert row is not None
    proof = runtime.ledger.tree.inclusion_proof(6, 9)
    claim = inclusion_claim(6, 9, bytes(row[0]), proof.hashes)
    (tmp_path / "proof.json").write_text(json.dumps(claim))
    note = str(tmp_path / "mirror" / "checkpoints" / "9.note")
    offline = {"DATABASE_URL": NO_DATABASE}

    code, said = cli(offline, "verify-proof", note, verifier, str(tmp_path / "proof.json"))
    assert code == 0, said
    root = b64(runtime.ledger.tree.root(9))
    assert said.splitlines() == [
        f"checkpoint: {ORIGIN}, size 9, root {root}: signed by {'+'.join(verifier.split('+')[:2])}",
        f"inclusion: leaf 6 (digest {bytes(row[0]).hex()}) in the tree of size 9: ok",
    ]
    claim["leafIndex"] = 5
    (tmp_path / "proof.json").write_text(json.dumps(claim))
    code, said = cli(offline, "verify-proof", note, verifier, str(tmp_path / "proof.json"))
    assert code == 1 and "REFUSED: inclusion: leaf 5" in said and "does not hold" in said, said
    other = init(tmp_path / "other.key")
    code, said = cli(offline, "verify-proof", note, other, str(tmp_path / "proof.json"))
    assert code == 1 and "REFUSED: the note has no signature by" in said, said
