"""Subscription.events: catch up from the cursor, then follow the read model as it grows."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from strawberry.types import Info

from api import cursors
from api.context import ctx
from api.events import Event, EventFilter
from api.query import filter_args
from projections import queries

FOLLOW_WAIT_SECONDS = 30.0


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Every event recorded after the cursor, in log order, then each new one as it is recorded: no gap and no duplicate across reconnects. No cursor: only new ones."
    )
    async def events(
        self, info: Info, after: str | None = None, filter: EventFilter | None = None
    ) -> AsyncGenerator[Event, None]:
        context = ctx(info)
        freshness = context.services.freshness
        position = cursors.decode(after) if after else (await freshness.refresh())[0]
        args = filter_args(filter)
        while True:
            async with context.pool.acquire() as conn:
                page = await queries.events(conn, after=position, first=cursors.MAX_PAGE, **args)  # type: ignore[arg-type]
            context.loaders = context.new_loaders()
            for view in page.events:
                position = view.position
                yield Event(view=view)
            if not page.has_next:
                await freshness.refresh()
                await freshness.wait_for(max(position, freshness.position) + 1, FOLLOW_WAIT_SECONDS)
