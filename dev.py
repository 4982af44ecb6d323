#!/usr/bin/env python3
"""The two commands of the README, for a machine with only Python 3.11+:

    python3 dev.py serve [--host H] [--port P]   serve GraphQL on the embedded PostgreSQL
    python3 dev.py test [pytest args]            run the whole test suite, a worker per core

Each makes .venv and installs what it needs when missing or out of date (standard library only).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def ensure_env(extras: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 (run by any python3)
        sys.exit(f"govledger needs Python 3.11 or newer, not {sys.version.split()[0]}")
    stamp = VENV / f".installed-{extras or 'base'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    if not (BIN / "python").exists():
        print("creating .venv", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    target = f".[{extras}]" if extras else "."
    print(f"installing govledger{f'[{extras}]' if extras else ''} into .venv", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True, cwd=ROOT)
    subprocess.run([*pip, "-e", target], check=True, cwd=ROOT)
    stamp.write_text(digest)


def parallel(args: list[str]) -> list[str]:
    """One pytest-xdist worker per core, each with its own embedded PostgreSQL, and a test
    file's tests kept on one worker; unless the arguments choose (-n, or -p no:xdist)."""
    if any(a.startswith(("-n", "--numprocesses")) or "xdist" in a for a in args):
        return []
    return ["-n", "auto", "--dist", "loadfile"]


def main() -> None:
    command, *rest = sys.argv[1:] or ["help"]
    if command == "serve":
        ensure_env("")
        os.execv(BIN / "govledger", [str(BIN / "govledger"), "serve", *rest])
    if command == "test":
        ensure_env("dev")
        os.chdir(ROOT)
        os.execv(BIN / "python", [str(BIN / "python"), "-m", "pytest", *parallel(rest), *rest])
    sys.exit(__doc__)


if __name__ == "__main__":
    main()
