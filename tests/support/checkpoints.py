"""A runtime whose API signs checkpoints: a key made as `govledger checkpoint init` makes it, in
a file of the test's own (never the data dir of the machine running the tests)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from api.runtime import Runtime
from ledger.database import Database
from ledger.integrity.checkpoints import SigningKey, make_key
from ledger.settings import Settings

ORIGIN = "govledger.test/seoul"


def signing_runtime(database: Database, key_file: Path) -> tuple[Runtime, SigningKey]:
    key = make_key(key_file, ORIGIN)
    settings = replace(Settings.from_env(), checkpoint_key=key_file)
    return Runtime(settings, database=database), key


def keyless_runtime(database: Database, data_dir: Path) -> Runtime:
    """A runtime with no checkpoint key: none set, none in its (empty) data dir."""
    settings = replace(Settings.from_env(), checkpoint_key=None, data_dir=data_dir)
    return Runtime(settings, database=database)
