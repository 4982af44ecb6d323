"""The webhook commands: `webhook add|list|remove|replay`, and `webhooks`, the deliverer alone
(docs/webhooks.md)."""

from __future__ import annotations

import argparse
import asyncio
import signal
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import asyncpg
from rich.console import Console
from rich.table import Table

from api.errors import BadInput
from api.graphql import cursors
from api.runtime import Runtime
from cli.startup import CommandError, open_runtime
from integrations.webhooks import store as webhooks

console = Console(stderr=True)
Action = Callable[[webhooks.WebhookStore, argparse.Namespace], Awaitable[None]]


def run_action(action: Action, args: argparse.Namespace) -> None:
    runtime = open_runtime()
    try:
        asyncio.run(with_store(action, runtime, args))
    except webhooks.WebhookError as error:
        raise CommandError(f"webhook {args.action}: {error}") from None
    finally:
        runtime.close()


async def with_store(action: Action, runtime: Runtime, args: argparse.Namespace) -> None:
    """The action on a store of one connection, the table made first if it is not there."""
    pool = await asyncpg.create_pool(**runtime.config.asyncpg_kwargs(), min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            await webhooks.ensure_table(conn)
        await action(webhooks.WebhookStore(pool, runtime.ledger.events_table), args)
    finally:
        await pool.close()


def unit_ids(values: list[str] | None) -> list[UUID] | None:
    if not values:
        return None
    try:
        return [UUID(value) for value in values]
    except ValueError:
        raise webhooks.WebhookError(
            "--org-unit: an org unit's id is a UUID", "orgUnitIds"
        ) from None


async def add(store: webhooks.WebhookStore, args: argparse.Namespace) -> None:
    hook, secret = await store.add(
        name=args.name,
        url=args.url,
        types=args.types or None,
        org_unit_ids=unit_ids(args.org_units),
    )
    console.print(
        f"webhook {hook.name} delivers the events recorded after position {hook.position}"
    )
    print(f"secret (shown once; it signs every delivery): {secret}")


async def list_all(store: webhooks.WebhookStore, _args: argparse.Namespace) -> None:
    rows = [row_summary(hook) for hook in await store.listed()]
    table = Table("name", "url", "types", "org units", "position", "lag", "last error", box=None)
    for row in rows:
        table.add_row(*row.values())
    Console(width=240).print(table)


def row_summary(webhook: webhooks.Webhook) -> dict[str, str]:
    """What `webhook list` prints: never the secret."""
    return {
        "name": webhook.name,
        "url": webhook.url,
        "types": ",".join(webhook.types or []) or "*",
        "org units": ",".join(str(u) for u in webhook.org_unit_ids or []) or "*",
        "position": str(webhook.position),
        "lag": str(webhook.lag),
        "last error": webhook.last_error or "",
    }


async def remove(store: webhooks.WebhookStore, args: argparse.Namespace) -> None:
    await store.remove(args.name)
    print(f"removed the webhook {args.name.strip()}")


async def replay(store: webhooks.WebhookStore, args: argparse.Namespace) -> None:
    try:
        position = cursors.decode(args.from_cursor, "--from")
    except BadInput as error:
        raise webhooks.WebhookError(error.message, "from") from None
    await store.replay(args.name, position)
    print(f"webhook {args.name.strip()} delivers again from position {position}")


def deliver(_args: argparse.Namespace) -> None:
    """Run only the webhook deliverer (beside API processes), until SIGTERM or SIGINT."""
    runtime = open_runtime()
    try:
        asyncio.run(deliver_until_stopped(runtime))
    finally:
        runtime.close()


async def deliver_until_stopped(runtime: Runtime) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await runtime.open_services()  # starts the deliverer, which waits for the lock
    console.print("delivering webhooks (one process at a time); Ctrl-C stops")
    try:
        await stop.wait()
    finally:
        await runtime.close_services()


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    webhook_cmd = commands.add_parser("webhook", help="manage webhooks (docs/webhooks.md)")
    actions = webhook_cmd.add_subparsers(dest="action", required=True)
    add_cmd = actions.add_parser(
        "add", help="POST every event recorded from now on that matches to URL; prints the secret"
    )
    add_cmd.add_argument("--name", required=True)
    add_cmd.add_argument("--url", required=True)
    add_cmd.add_argument("--types", nargs="+", metavar="TYPE", help="only these event types")
    add_cmd.add_argument(
        "--org-unit",
        dest="org_units",
        action="append",
        metavar="ID",
        help="only events of this unit and what it owns (repeatable)",
    )
    add_cmd.set_defaults(run=bind(add))
    actions.add_parser(
        "list", help="every webhook's url, filters, position, lag and last error (not the secret)"
    ).set_defaults(run=bind(list_all))
    remove_cmd = actions.add_parser("remove", help="stop delivering to a webhook")
    remove_cmd.add_argument("name")
    remove_cmd.set_defaults(run=bind(remove))
    replay_cmd = actions.add_parser(
        "replay", help="deliver again from the event at a cursor (that event included)"
    )
    replay_cmd.add_argument("name")
    replay_cmd.add_argument("--from", dest="from_cursor", required=True, metavar="CURSOR")
    replay_cmd.set_defaults(run=bind(replay))
    commands.add_parser(
        "webhooks", help="run the webhook deliverer alone (one process delivers at a time)"
    ).set_defaults(run=deliver)


def bind(action: Action) -> Callable[[argparse.Namespace], Any]:
    def run(args: argparse.Namespace) -> None:
        run_action(action, args)

    return run
