"""The log's signed checkpoints (domain/proofs/checkpoint.py): the Ed25519 key that signs them, kept
in a file of its own (GOVLEDGER_CHECKPOINT_KEY, or checkpoint.key in the data dir; mode 0600), never
in the database nor in an export; and the notes it signed, one per tree size, in
`{events}_checkpoints`, so that one size always gives the same note, and a root that differs from
the one signed for its size (a tree rewritten under a published checkpoint) is refused rather than
signed: the log never signs a fork itself.

The key's name is the log's origin (e.g. govledger.local/seoul): the first line of every
checkpoint, and the name in its verifier key. The key file holds one line, the signer key as
golang.org/x/mod/sumdb/note writes it (`PRIVATE+KEY+<name>+<key id>+<base64>`)."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from psycopg.rows import tuple_row

from domain.proofs.checkpoint import (
    Checkpoint,
    CheckpointError,
    format_checkpoint,
    parse_signer_key,
    sign_note,
    signer_key,
    verifier_key,
)
from ledger.settings import CHECKPOINT_KEY, Settings

log = logging.getLogger(__name__)
DEFAULT_ORIGIN = "govledger.local/seoul"
KEPT = 1024
"""Notes a process keeps in memory (the table has them all)."""
Connect = Callable[[], AbstractContextManager[psycopg.Connection[Any]]]


class KeyFileError(ValueError):
    """A key file that is missing where a setting names it, malformed, or readable by others."""


class ForkRefused(Exception):
    """The tree's root at a size differs from the root signed for that size before."""


@dataclass(frozen=True)
class SigningKey:
    name: str
    """The log's origin."""
    private_key: Ed25519PrivateKey

    @property
    def verifier(self) -> str:
        """The public key as c2sp.org/signed-note writes it: `<name>+<key id>+<base64>`."""
        return verifier_key(self.name, self.private_key.public_key())

    def sign(self, size: int, root: bytes) -> str:
        body = format_checkpoint(Checkpoint(self.name, size, root))
        return sign_note(body, self.name, self.private_key)


def make_key(path: Path, origin: str = DEFAULT_ORIGIN) -> SigningKey:
    """A new key named `origin`, written to `path` (mode 0600, never over an existing file)."""
    key = SigningKey(origin, Ed25519PrivateKey.generate())
    text = signer_key(origin, key.private_key) + "\n"  # checks the name
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyFileError(f"{path} exists already: a log keeps its key") from None
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)
    return key


def read_key(path: Path) -> SigningKey:
    """The key in `path`; KeyFileError when it is not a signer key or others may read it."""
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(
            f"the checkpoint key {path} may be read by others (mode {stat.S_IMODE(mode):04o}); "
            f"chmod 600 {path}"
        )
    try:
        name, private_key = parse_signer_key(path.read_text(encoding="utf-8").strip())
    except (CheckpointError, ValueError, UnicodeDecodeError) as error:
        raise KeyFileError(f"{path} is not a checkpoint key ({error})") from None
    return SigningKey(name, private_key)


def configured_key(settings: Settings) -> SigningKey | None:
    """The key the settings name; None when none is set and the data dir has none."""
    path = settings.checkpoint_key_file
    if not path.exists():
        if settings.checkpoint_key is not None:
            raise KeyFileError(
                f"{CHECKPOINT_KEY}: there is no key at {path}; make one with "
                "`govledger checkpoint init`, or unset the variable"
            )
        return None
    return read_key(path)


class CheckpointNotes:
    """The notes the key signed, one per (verifier key, tree size)."""

    def __init__(self, connect: Connect, events_table: str, key: SigningKey | None) -> None:
        self.connect = connect
        self.key = key
        table = f'"{events_table}_checkpoints"'
        self.create_sql = (
            f"CREATE TABLE IF NOT EXISTS {table} (verifier text NOT NULL, "
            "tree_size bigint NOT NULL, root bytea NOT NULL, note text NOT NULL, "
            "signed_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (verifier, tree_size))"
        )
        self.insert_sql = (
            f"INSERT INTO {table} (verifier, tree_size, root, note) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (verifier, tree_size) DO NOTHING"
        )
        self.select_sql = f"SELECT root, note FROM {table} WHERE verifier = %s AND tree_size = %s"
        self._made = False
        self._kept: dict[int, tuple[bytes, str]] = {}

    def signed(self, size: int, root: bytes) -> str | None:
        """The note of the checkpoint (size, root): the one signed for this size before, or
        signed now and kept. None without a key; ForkRefused when another root was signed for
        this size."""
        key = self.key
        if key is None:
            return None
        kept = self._kept.get(size)
        if kept is None:
            kept = self._stored(key, size, root)
            if len(self._kept) >= KEPT:
                self._kept.clear()
            self._kept[size] = kept
        if kept[0] != root:
            raise ForkRefused(
                f"the tree's root at size {size} is {root.hex()}, but {kept[0].hex()} was signed "
                "for that size: the log was rewritten after a checkpoint; nothing is signed"
            )
        return kept[1]

    def _stored(self, key: SigningKey, size: int, root: bytes) -> tuple[bytes, str]:
        try:
            return self._write(key, size, root)
        except Exception:
            if self._made:
                raise
            self._made = True  # another process was making the table at the same moment
            return self._write(key, size, root)

    def _write(self, key: SigningKey, size: int, root: bytes) -> tuple[bytes, str]:
        with self.connect() as conn, conn.cursor(row_factory=tuple_row) as curs:
            if not self._made:
                curs.execute(self.create_sql)
            curs.execute(self.insert_sql, (key.verifier, size, root, key.sign(size, root)))
            row = curs.execute(self.select_sql, (key.verifier, size)).fetchone()
        self._made = True
        assert row is not None
        return bytes(row[0]), str(row[1])
