"""The auditor's commands: export the log, verify an export or the live chain, restore an
export into an empty ledger (docs/hash-chain.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from api.runtime import Runtime
from cli.progress import bar, console
from cli.startup import CommandError, open_runtime
from ledger.integrity.export import ExportError, Verified, export, restore, verify_export


def export_command(args: argparse.Namespace) -> None:
    runtime = open_runtime()
    try:
        with runtime.connect() as conn, bar(f"exporting to {args.directory}") as advance:
            manifest = export(conn, runtime.ledger.chain_store, Path(args.directory), advance)
    except ExportError as error:
        raise CommandError(f"export: {error}") from None
    finally:
        runtime.close()
    head = manifest["head"]
    print(f"exported {manifest['events']} events to {args.directory}")
    print(f"head: position {head['position']} recorded {head['recordedAt']}")
    print(f"digest: {head['digest']}")


def verify_command(args: argparse.Namespace) -> None:
    if args.directory:
        try:
            with bar(f"verifying {args.directory}") as advance:
                verified = verify_export(Path(args.directory), args.digest, advance)
        except ExportError as error:
            raise CommandError(f"verify: {error}") from None
        report(verified, args.digest)
    else:
        verify_live_ledger(args.digest)


def verify_live_ledger(expected: str | None) -> None:
    runtime = open_runtime()
    try:
        ledger = runtime.ledger
        upto = ledger.position_of(expected) if expected else None
        if expected and upto is None:
            raise CommandError(f"verify: no event of the live log has digest {expected}")
        with bar("verifying the live log") as advance:
            checked = ledger.verify_chain(upto, advance)
    finally:
        runtime.close()
    if checked.broken:
        raise CommandError(
            f"verify: the chain breaks at position {checked.broken.position}: "
            f"{checked.broken.problem}"
        )
    print(f"the chain holds up to position {checked.position}; digest {checked.digest}")


def report(verified: Verified, expected: str | None) -> None:
    for problem in verified.file_problems:
        console.print(f"[red]{problem}[/red]")
    if verified.broken:
        raise CommandError(
            f"verify: the export breaks at position {verified.broken.position}: "
            f"{verified.broken.problem}"
        )
    if not verified.ok:
        raise CommandError("verify: the export does not verify (see above)")
    passes = f"; passes through {expected}" if expected else ""
    print(f"the export holds: {verified.events} events, head digest {verified.head}{passes}")


def restore_command(args: argparse.Namespace) -> None:
    runtime = open_runtime()
    try:
        with runtime.connect() as conn, bar(f"restoring {args.directory}") as advance:
            count = restore(conn, runtime.ledger.chain_store, Path(args.directory), advance)
        rebuild(runtime)
    except ExportError as error:
        raise CommandError(f"restore: {error}") from None
    finally:
        runtime.close()
    print(f"restored {count} events; the read model is built from them")


def rebuild(runtime: Runtime) -> None:
    with bar("projecting the restored log") as advance:
        runtime.catch_up(advance)


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export_cmd = commands.add_parser(
        "export",
        help="write the whole log as JSON Lines with a manifest (counts, SHA-256s, head digest)",
    )
    export_cmd.add_argument("directory", help="a new or empty directory")
    export_cmd.set_defaults(run=export_command)
    verify_cmd = commands.add_parser(
        "verify",
        help="check the hash chain of an export (files alone, no database) or, without "
        "DIRECTORY, of the live ledger",
    )
    verify_cmd.add_argument("directory", nargs="?", help="an export (default: the live ledger)")
    verify_cmd.add_argument(
        "--digest", help="a digest recorded earlier: check that the chain still passes through it"
    )
    verify_cmd.set_defaults(run=verify_command)
    restore_cmd = commands.add_parser(
        "restore",
        help="load a verified export into an empty ledger (positions, times and digests kept)",
    )
    restore_cmd.add_argument("directory", help="an export written by govledger export")
    restore_cmd.set_defaults(run=restore_command)
