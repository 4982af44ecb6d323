"""Subscription.events: the events after the cursor, then each new one, as the process's fan-out
hands them (integrations/fanout.py). When the database becomes unreachable, or the subscriber
falls too far behind, the subscription ends with its code (api/errors.py) and the cursor of the
last event it delivered (extensions.cursor): subscribing again from it misses nothing and
repeats nothing."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from api.errors import ApiError, subscription_end
from api.graphql import cursors
from api.graphql.context import ctx
from api.graphql.query import filter_args
from api.graphql.types.events import Event, EventFilter
from projections.read.stream import Filter


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
                position = (await context.services.freshness.refresh())[0]
            async for view in context.services.fanout.follow(Filter.of(**args), position):  # type: ignore[arg-type]
                spent, context.loaders = context.loaders, context.new_loaders()
                spent.close()  # the last event's answer is sent: let go of what it read
                position = view.position
                yield Event(view=view)
        except Exception as error:
            answer = subscription_end(error)
            if answer is None:
                raise
            raise ended(answer, position) from error


def ended(error: ApiError, position: int | None) -> GraphQLError:
    extensions: dict[str, Any] = {"code": error.code}
    extensions["cursor"] = None if position is None else cursors.encode(position)
    message = f"{error.message}; subscribe again with after: extensions.cursor"
    return GraphQLError(message, original_error=error, extensions=extensions)
