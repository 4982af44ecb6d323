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

from api.auth import ROLES, TOKENS_DDL, create_token
from api.runtime import Runtime
from ledger.checks import CheckError
from ledger.importer import Importer, ImportReport, ImportStopped
from ledger.settings import Settings

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
    if not dry_run:
        with progress_bar() as bar:
            task = bar.add_task(f"recording {folder}", total=report.recorded)
            importer.on_fact = lambda: bar.advance(task)
            importer.record()
    if dry_run:
        for file, plan in report.plans:
            console.print(f"would record  {file}  {plan.what}{' (correction)' * plan.correction}")
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

    runtime = Runtime(Settings.from_env())
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

    # uvicorn re-raises a SIGTERM after its graceful shutdown; raised as SystemExit here, it
    # lets the embedded PostgreSQL stop before the process ends.
    signal.signal(signal.SIGTERM, stop_on_signal)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="info",
        access_log=args.access_log,
        **options,
    )


def stop_on_signal(signum: int, _frame: Any) -> None:
    raise SystemExit(0)


def import_command(args: argparse.Namespace) -> None:
    runtime = Runtime(Settings.from_env())
    try:
        import_folder(runtime, Path(args.path), dry_run=args.dry_run)
        if not args.dry_run:
            catch_up(runtime)
    except CheckError as error:
        console.print(f"[red]nothing recorded:[/red] {error}", markup=True, highlight=False)
        sys.exit(1)
    except ImportStopped as error:
        console.print(f"[red]import stopped:[/red] {error}", markup=True, highlight=False)
        sys.exit(1)
    finally:
        runtime.close()


def project(_: argparse.Namespace) -> None:
    """Run only the projector (beside API processes that do not), until interrupted."""
    runtime = Runtime(Settings.from_env())
    stop = threading.Event()
    try:
        console.print("projecting; Ctrl-C stops")
        runtime.projector.run(stop)
    except KeyboardInterrupt:
        stop.set()
    finally:
        runtime.close()


def token(args: argparse.Namespace) -> None:
    runtime = Runtime(Settings.from_env())

    async def create() -> str:
        conn = await asyncpg.connect(**runtime.config.asyncpg_kwargs())
        try:
            await conn.execute(TOKENS_DDL)
            return await create_token(conn, args.name, args.role)
        finally:
            await conn.close()

    try:
        secret = asyncio.run(create())
    finally:
        runtime.close()
    print(f"token for {args.name} ({args.role}): {secret}")


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
    commands.add_parser("schema", help="print the GraphQL SDL").set_defaults(run=schema)
    return root


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = parser().parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
