"""Webhooks in GraphQL, for admins: add (the secret is shown once), remove, replay from a
cursor, and each webhook's position, lag and last error (docs/webhooks.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.auth import require_admin
from api.graphql import cursors
from api.graphql.context import ctx
from api.graphql.ids import parse_id
from domain.text import DEFAULT_LIMITS, checked_texts
from integrations.webhooks import store as webhooks


@strawberry.type(description="A receiver of the log's events over HTTP POST (docs/webhooks.md).")
class Webhook:
    name: str
    url: str
    types: list[str] | None = strawberry.field(
        description="Only events of these types, in the order given when the webhook was added; null for every type."
    )
    org_unit_ids: list[strawberry.ID] | None = strawberry.field(
        description="Only events of these units and of everything they own, in the order given when the webhook was added; null for every unit."
    )
    position: int = strawberry.field(
        description="The log position delivered up to: every matching event at or before it was delivered."
    )
    cursor: str = strawberry.field(
        description="The cursor of position: the events after it are still to deliver."
    )
    lag: int = strawberry.field(
        description="Log positions between position and the read model's head (0 when caught up)."
    )
    attempts: int = strawberry.field(
        description="Failed attempts in a row at the oldest undelivered event."
    )
    next_attempt_at: datetime | None = strawberry.field(
        description="When the failed event is tried again; null while delivery is not failing."
    )
    last_error: str | None = strawberry.field(
        description="Why the last attempt failed; null once an event is delivered."
    )
    last_delivered_at: datetime | None
    deliveries: int = strawberry.field(description="Events delivered so far.")
    failures: int = strawberry.field(description="Failed attempts so far.")
    created_at: datetime

    @classmethod
    def of(cls, hook: webhooks.Webhook) -> Webhook:
        units = hook.org_unit_ids
        return cls(
            name=hook.name,
            url=hook.url,
            types=hook.types,
            org_unit_ids=None if units is None else [strawberry.ID(str(u)) for u in units],
            position=hook.position,
            cursor=cursors.encode(hook.position),
            lag=hook.lag,
            attempts=hook.attempts,
            next_attempt_at=hook.next_attempt_at,
            last_error=hook.last_error,
            last_delivered_at=hook.last_delivered_at,
            deliveries=hook.deliveries,
            failures=hook.failures,
            created_at=hook.created_at,
        )


@strawberry.input
class AddWebhookInput:
    name: str
    url: str = strawberry.field(description="Where each event is POSTed (http or https).")
    types: list[str] | None = strawberry.field(
        default=None, description="Only events of these types (default: every type)."
    )
    org_unit_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Only events of these units and of everything they own, as the events filter has it (default: every unit).",
    )


@strawberry.type
class AddWebhookPayload:
    webhook: Webhook
    secret: str = strawberry.field(
        description="The key of the signatures (X-Govledger-Signature): shown this once only."
    )


def admin(info: Info) -> webhooks.WebhookStore:
    """The webhook store, for an admin; an answer never cached. Its refusals are coded by
    api/errors.py (NOT_FOUND, CONFLICT, BAD_USER_INPUT)."""
    context = ctx(info)
    context.cacheable = False
    require_admin(context.principal)
    return context.services.webhook_store


@strawberry.type
class WebhookQuery:
    @strawberry.field(
        description="Every webhook, oldest first (by createdAt, then name), never its secret. Admin only."
    )
    async def webhooks(self, info: Info) -> list[Webhook]:
        return [Webhook.of(hook) for hook in await admin(info).listed()]


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(
        description="Deliver every event recorded from now on that matches the filters to url, signed with the secret returned (once). Admin only."
    )
    async def add_webhook(self, info: Info, input: AddWebhookInput) -> AddWebhookPayload:
        types = checked_texts("types", input.types, DEFAULT_LIMITS.name)
        units = (
            None
            if input.org_unit_ids is None
            else [parse_id(i, "orgUnitIds") for i in input.org_unit_ids]
        )
        hook, secret = await admin(info).add(
            name=input.name, url=input.url, types=types, org_unit_ids=units
        )
        return AddWebhookPayload(webhook=Webhook.of(hook), secret=secret)

    @strawberry.mutation(description="Stop delivering to a webhook. Admin only.")
    async def remove_webhook(self, info: Info, name: str) -> bool:
        await admin(info).remove(name)
        return True

    @strawberry.mutation(
        description="Deliver a webhook's events again, from the event at this cursor on (that event included). Admin only."
    )
    async def replay_webhook(
        self,
        info: Info,
        name: str,
        from_: Annotated[str, strawberry.argument(name="from")],
    ) -> Webhook:
        position = cursors.decode(from_, "from")
        return Webhook.of(await admin(info).replay(name, position))
