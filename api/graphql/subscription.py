"""Subscription.events: catch up from the cursor, then follow the read model as it grows. When
the database becomes unreachable, the subscription ends with SERVICE_UNAVAILABLE and the cursor
of the last event it delivered (extensions.cursor): subscribing again from it misses nothing and
repeats nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from api.errors import Unavailable
from api.graphql import cursors
from api.graphql.context import Context, ctx
from api.graphql.query import filter_args
from api.graphql.types.events import Event, EventFilter
from integrations.fanout import HALTED_SECONDS, TooSlow
from ledger import outages
from projections.read import queries
from projections.read.stream import Filter

FOLLOW_WAIT_SECONDS = 30.0
PAGE = cursors.MAX_PAGE
CHECK_SECONDS = 1.0
"""How often a follower waiting for new events checks that the database is still there."""
T = TypeVar("T")


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Every event recorded after the cursor, in log order, then each new one as it is recorded: no gap and no duplicate across reconnects. No cursor: only new ones."
    )
    async def events(
        self, info: Info, after: str | None = None, filter: EventFilter | None = None
    ) -> AsyncGenerator[Event, None]:
        context = ctx(info)
        args = filter_args(filter)
        position = cursors.decode(after) if after else None
        try:
            if position is None:
                position = (await reachable(context.services.freshness.refresh()))[0]
            fanout = context.services.fanout
            if fanout is not None:
                async for view in fanout.follow(Filter.of(**args), position):  # type: ignore[arg-type]
                    context.loaders = context.new_loaders()
                    position = view.position
                    yield Event(view=view)
                return
            while True:
                async with context.pool.acquire() as conn:
                    page = await queries.events(conn, after=position, first=PAGE, **args)  # type: ignore[arg-type]
                context.loaders = context.new_loaders()
                for view in page.events:
                    position = view.position
                    yield Event(view=view)
                if not page.has_next:
                    await wait_for_more(context, position)
        except (Unavailable, TooSlow) as error:
            raise ended(error, position) from error


async def reachable(work: Awaitable[T]) -> T:
    try:
        return await work
    except Exception as error:
        if outages.unreachable(error):
            raise Unavailable(outages.MESSAGE) from error
        raise


async def wait_for_more(context: Context, position: int) -> None:
    """Wait until the read model holds an event past position (or for a while), checking the
    database every CHECK_SECONDS while the LISTEN connection is lost."""
    freshness, listener = context.services.freshness, context.services.listener
    await reachable(freshness.refresh())
    target = max(position, freshness.position) + 1
    deadline = asyncio.get_running_loop().time() + FOLLOW_WAIT_SECONDS
    while not await freshness.wait_for(target, CHECK_SECONDS):
        if freshness.halted_at is not None:
            await asyncio.sleep(HALTED_SECONDS)  # waits return at once while halted
        if listener is not None and not listener.connected:
            await reachable(freshness.refresh())
        if asyncio.get_running_loop().time() >= deadline:
            return


def ended(error: Unavailable | TooSlow, position: int | None) -> GraphQLError:
    extensions: dict[str, Any] = {"code": error.code}
    extensions["cursor"] = None if position is None else cursors.encode(position)
    message = f"{error.message}; subscribe again with after: extensions.cursor"
    return GraphQLError(message, original_error=error, extensions=extensions)
