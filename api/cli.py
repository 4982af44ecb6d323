"""govledger's command line: serve, import, project, token, schema."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import threading
from pathlib import Path

import asyncpg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from api.auth import ROLES, TOKENS_DDL, create_token
from api.runtime import Runtime
from ledger.importer import Importer, count_facts
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


def import_folder(runtime: Runtime, folder: Path) -> None:
    with progress_bar() as bar:
        task = bar.add_task(f"importing {folder}", total=count_facts(folder))
        report = Importer(runtime.ledger, on_fact=lambda: bar.advance(task)).import_folder(folder)
    console.print(
        f"{report.files} files, {report.facts} facts, {report.recorded} recorded "
        f"({report.facts - report.recorded} already in the ledger)"
    )


def serve(args: argparse.Namespace) -> None:
    import uvicorn

    from api.app import create_app

    runtime = Runtime(Settings.from_env())
    try:
        catch_up(runtime)
        if runtime.log_is_empty():
            import_folder(runtime, BUNDLED_DATA)
            catch_up(runtime)
        runtime.start_projector()
        console.print(f"GraphQL on http://{args.host}:{args.port}/graphql")
        uvicorn.run(create_app(runtime), host=args.host, port=args.port, log_level="info")
    finally:
        runtime.close()


def import_command(args: argparse.Namespace) -> None:
    runtime = Runtime(Settings.from_env())
    try:
        import_folder(runtime, Path(args.path))
        catch_up(runtime)
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
    serve_cmd.set_defaults(run=serve)
    import_cmd = commands.add_parser("import", help="record a data folder, idempotently")
    import_cmd.add_argument("path")
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
