"""The bodies webhooks receive: each event as the `events` query shows it, with every field of
Event that takes no argument (docs/webhooks.md: A delivery). The composition root hands
`WebhookBodies(services).read` to the deliverer (integrations/webhooks/delivery.py), which holds
no GraphQL of its own."""

from __future__ import annotations

from typing import Any

import orjson
from graphql import (
    GraphQLObjectType,
    Undefined,
    get_named_type,
    is_leaf_type,
    is_non_null_type,
)

from api.graphql import cursors
from api.graphql.context import Context, Services
from api.graphql.schema import schema
from integrations.webhooks.delivery import DeliveryFailed, Page, Rendered
from integrations.webhooks.store import Webhook


def selection(kind: GraphQLObjectType, path: tuple[str, ...]) -> str:
    """Every field of kind that needs no argument, objects expanded (not back into a type on
    the path, at most three levels down)."""
    parts = []
    for name, field in kind.fields.items():
        if any(
            is_non_null_type(a.type) and a.default_value is Undefined for a in field.args.values()
        ):
            continue
        named = get_named_type(field.type)
        if is_leaf_type(named):
            parts.append(name)
        elif isinstance(named, GraphQLObjectType) and named.name not in path and len(path) < 3:
            inner = selection(named, (*path, named.name))
            if inner:
                parts.append(f"{name} {inner}")
    return "{ " + " ".join(parts) + " }" if parts else ""


def events_document() -> str:
    event = schema._schema.get_type("Event")
    assert isinstance(event, GraphQLObjectType)
    return (
        "query Webhook($after: String, $first: Int, $filter: EventFilter) {"
        " events(after: $after, first: $first, filter: $filter) {"
        f" edges {{ cursor node {selection(event, ('Event',))} }} pageInfo {{ hasNextPage }} }} }}"
    )


class WebhookBodies:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.document = events_document()

    async def read(self, hook: Webhook, first: int) -> Page:
        """The next events matching the webhook after its position, at most first."""
        context = Context(self.services)
        try:
            result = await schema.execute(
                self.document, variable_values=variables(hook, first), context_value=context
            )
        finally:
            context.loaders.close()
        if result.errors or result.data is None:
            problem = result.errors[0].message if result.errors else "no data"
            raise DeliveryFailed(f"reading the events failed: {problem}")
        events = result.data["events"]
        rendered = [
            Rendered(cursors.decode(e["cursor"]), e["cursor"], orjson.dumps(e["node"]))
            for e in events["edges"]
        ]
        return Page(rendered, bool(events["pageInfo"]["hasNextPage"]))


def variables(hook: Webhook, first: int) -> dict[str, Any]:
    units = hook.org_unit_ids
    return {
        "after": cursors.encode(hook.position),
        "first": first,
        "filter": {
            "types": hook.types,
            "orgUnitIds": None if units is None else [str(u) for u in units],
        },
    }
