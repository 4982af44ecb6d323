"""The query root."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import strawberry
from graphql import FieldNode, value_from_ast_untyped
from strawberry.types import Info

from api.graphql import cursors
from api.graphql.context import ctx
from api.graphql.ids import parse_id
from api.graphql.types.audit import AuditQuery
from api.graphql.types.events import EventConnection, EventFilter
from api.graphql.types.indicators import Indicator, find_indicator
from api.graphql.types.units import OrgUnit
from api.graphql.types.webhooks import WebhookQuery
from domain.text import DEFAULT_LIMITS, checked_texts
from projections.read import queries, staffing, units
from projections.views import roll_up_staffing


def filter_args(filter: EventFilter | None) -> dict[str, object]:
    if filter is None:
        return {}
    return {
        "types": checked_texts("types", filter.types, DEFAULT_LIMITS.name),
        "unit_ids": [parse_id(i, "orgUnitIds") for i in filter.org_unit_ids]
        if filter.org_unit_ids is not None
        else None,
        "subject_ids": [parse_id(i, "subjectIds") for i in filter.subject_ids]
        if filter.subject_ids is not None
        else None,
    }


def own_staffing_selected(info: Info) -> bool:
    """Whether the unit's own staffing (includeDescendants: false) is selected right below it."""
    raw = info._raw_info
    for node in raw.field_nodes:
        for child in node.selection_set.selections if node.selection_set else ():
            if isinstance(child, FieldNode) and child.name.value == "staffing":
                variables: dict[str, object] = raw.variable_values  # type: ignore[assignment]
                for argument in child.arguments or ():
                    if argument.name.value == "includeDescendants":
                        return value_from_ast_untyped(argument.value, variables) is False
    return False


async def unit_with_staffing(
    info: Info, unit_id: UUID, as_of: date, known_at: datetime
) -> OrgUnit | None:
    """Read ahead: the unit and its own table in one statement, the table handed to the
    staffing loader, so that the staffing field below costs no query of its own."""
    context = ctx(info)
    async with context.pool.acquire() as conn:
        view, table = await staffing.unit_and_table(
            conn, unit_id, as_of, known_at, context.services.labels
        )
    if view is None:
        return None
    rolled = roll_up_staffing([table] if table else [])
    context.loaders.prime_staffing(as_of, known_at, (unit_id,), rolled)
    return OrgUnit.of(view, as_of, known_at)


@strawberry.type
class Query(AuditQuery, WebhookQuery):
    @strawberry.field(description="Organisational units in force at asOf, as recorded by knownAt.")
    async def org_units(
        self, info: Info, as_of: date | None = None, known_at: datetime | None = None
    ) -> list[OrgUnit]:
        context = ctx(info)
        moment, day = await context.known_at(known_at), context.as_of(as_of)
        async with context.pool.acquire() as conn:
            tree = await units.every_unit(conn, day, moment)
        return [OrgUnit.of(unit, day, moment) for unit in tree.in_order()]

    @strawberry.field
    async def org_unit(
        self,
        info: Info,
        id: strawberry.ID,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> OrgUnit | None:
        context = ctx(info)
        moment, day = await context.known_at(known_at), context.as_of(as_of)
        unit_id = parse_id(id, strict=False)
        if unit_id is None:
            return None
        if own_staffing_selected(info):
            return await unit_with_staffing(info, unit_id, day, moment)
        async with context.pool.acquire() as conn:
            found = await units.units(conn, [unit_id], day, moment)
        return OrgUnit.of(found[unit_id], day, moment) if unit_id in found else None

    @strawberry.field(
        description="An indicator with its points in force at asOf (default today), as recorded by knownAt; null when it has none then."
    )
    async def indicator(
        self,
        info: Info,
        id: strawberry.ID,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> Indicator | None:
        moment = await ctx(info).known_at(known_at)
        return await find_indicator(info, id, ctx(info).as_of(as_of), moment)

    @strawberry.field(
        description="The global event log in recorded order: the auditors' and integrations' view."
    )
    async def events(
        self,
        info: Info,
        after: str | None = None,
        first: int | None = None,
        filter: EventFilter | None = None,
    ) -> EventConnection:
        start, size = cursors.decode(after), cursors.page_size(first)
        args = filter_args(filter)
        ctx(info).current()
        async with ctx(info).pool.acquire() as conn:
            page = await queries.events(conn, after=start, first=size, **args)  # type: ignore[arg-type]
        return EventConnection.of(page, start)
