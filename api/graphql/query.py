"""The query root."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import strawberry
from graphql import FieldNode, value_from_ast_untyped
from strawberry.types import Info

from api.graphql import cursors
from api.graphql.context import ctx
from api.graphql.ids import parse_id
from api.graphql.types import proofs
from api.graphql.types.audit import AuditQuery
from api.graphql.types.events import EventConnection, EventFilter
from api.graphql.types.learned import LEARNED, Asked, RecordingConnection, checked, recordings
from api.graphql.types.rollup import GovernmentTotals
from api.graphql.types.units import Indicator, OrgUnit
from api.graphql.types.webhooks import WebhookQuery
from domain.text import DEFAULT_LIMITS, checked_texts
from projections.read import queries, rollup, units
from projections.read.read_ahead import tables_of_tree, unit_with_own_staffing
from projections.read.units import Conn
from projections.staffing_views import StaffingTable
from projections.views import Tree


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
        **filter.window(),
    }


def staffing_selected(info: Info) -> set[bool]:
    """The includeDescendants of each staffing field selected right below this field (True
    where it is not given); a field inside a fragment is not looked for (its staffing is then
    read by the loader, as without reading ahead)."""
    raw = info._raw_info
    variables: dict[str, object] = raw.variable_values  # type: ignore[assignment]
    found: set[bool] = set()
    for node in raw.field_nodes:
        for child in node.selection_set.selections if node.selection_set else ():
            if isinstance(child, FieldNode) and child.name.value == "staffing":
                descendants = True
                for argument in child.arguments or ():
                    if argument.name.value == "includeDescendants":
                        value = value_from_ast_untyped(argument.value, variables)
                        descendants = value is not False
                found.add(descendants)
    return found


async def unit_with_staffing(
    info: Info, unit_id: UUID, as_of: date, known_at: datetime
) -> OrgUnit | None:
    """Read ahead: the unit and its own table in one statement, the table handed to the
    staffing loader, so that the staffing field below costs no query of its own."""
    context = ctx(info)
    labels = context.services.labels
    found = await context.reads.run(
        lambda conn: unit_with_own_staffing(conn, unit_id, as_of, known_at, labels)
    )
    if found is None:
        return None
    view, own = found
    context.loaders.prime_staffing(as_of, known_at, (unit_id,), own)
    return OrgUnit.of(view, as_of, known_at)


@strawberry.type
class Query(AuditQuery, WebhookQuery):
    @strawberry.field(
        description="Organisational units in force at asOf, as recorded by knownAt: each root, then its descendants depth-first; roots and siblings by name, then id. With root, that unit's tree alone (one government's), the unit first; empty when it is not in force."
    )
    async def org_units(
        self,
        info: Info,
        as_of: date | None = None,
        known_at: datetime | None = None,
        root_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(name="root", description="A unit: list its tree alone."),
        ] = None,
    ) -> list[OrgUnit]:
        context = ctx(info)
        moment, day = await context.known_at(known_at), context.as_of(as_of)
        root = None if root_id is None else parse_id(root_id, "root")
        sums, labels = staffing_selected(info), context.services.labels

        async def read(conn: Conn) -> tuple[Tree, dict[UUID, StaffingTable] | None]:
            if root is None:
                tree = await units.every_unit(conn, day, moment)
            else:
                tree = (await units.subtrees(conn, [root], day, moment))[root]
            if not sums or not tree.units:
                return tree, None
            return tree, await tables_of_tree(conn, tree, day, moment, labels)

        tree, tables = await context.reads.run(read)
        context.loaders.prime_tree(day, moment, tree, tables, sums)
        if root is None:
            return [OrgUnit.of(unit, day, moment) for unit in tree.in_order()]
        return [
            OrgUnit.of(tree.units[i], day, moment) for i in tree.subtree(root) if i in tree.units
        ]

    @strawberry.field(
        description="The governments in force at asOf, as recorded by knownAt: the roots of the organisation tree (a city, a province, a district), by name, then id. orgUnits(root:) lists one government's tree."
    )
    async def governments(
        self, info: Info, as_of: date | None = None, known_at: datetime | None = None
    ) -> list[OrgUnit]:
        context = ctx(info)
        moment, day = await context.known_at(known_at), context.as_of(as_of)
        found = await context.reads.run(lambda conn: units.roots(conn, day, moment))
        return [OrgUnit.of(unit, day, moment) for unit in found]

    @strawberry.field(
        description="Every government in force at asOf (default today), as recorded by knownAt, with its staffing totals then: the governments and figures of governments { staffing }, read from the totals the projector keeps (one row a government, not a scan of the trees). Ordered by government name, then id."
    )
    async def rollup(
        self, info: Info, as_of: date | None = None, known_at: datetime | None = None
    ) -> list[GovernmentTotals]:
        context = ctx(info)
        moment, day = await context.known_at(known_at), context.as_of(as_of)
        found = await context.reads.run(lambda conn: rollup.rollup(conn, day, moment))
        return [GovernmentTotals.of(totals, day, moment) for totals in found]

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
        if False in staffing_selected(info):
            return await unit_with_staffing(info, unit_id, day, moment)
        found = await context.reads.run(lambda conn: units.units(conn, [unit_id], day, moment))
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
        return await Indicator.find(info, id, ctx(info).as_of(as_of), moment)

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
        page = await ctx(info).reads.run(
            lambda conn: queries.events(conn, after=start, first=size, **args)  # type: ignore[arg-type]
        )
        return EventConnection.of(page, start)

    @strawberry.field(
        description="The log's Merkle tree now (RFC 9162) and its checkpoint signed by the log's key (docs/proofs.md). Keep the note: inclusionProof and consistencyProof are checked against it."
    )
    async def ledger_checkpoint(self, info: Info) -> proofs.LedgerCheckpoint | None:
        return await proofs.ledger_checkpoint(info)

    @strawberry.field(
        description="The inclusion proof of leaf leafIndex (Event.leafIndex) in the tree of treeSize leaves (default: the tree now, ledgerCheckpoint's size; give the size of the checkpoint you hold). Read from stored nodes in O(log n). BAD_USER_INPUT, with extensions.field, for a leaf not below treeSize or a size past the tree."
    )
    async def inclusion_proof(
        self, info: Info, leaf_index: int, tree_size: int | None = None
    ) -> proofs.InclusionProof | None:
        return await proofs.inclusion_proof(info, leaf_index, tree_size)

    @strawberry.field(
        description="The consistency proof from the tree of fromSize leaves to the tree of toSize leaves (default: the tree now): that the older is a prefix of the newer. Read from stored nodes in O(log n). BAD_USER_INPUT, with extensions.field, for a fromSize above toSize or a size past the tree."
    )
    async def consistency_proof(
        self, info: Info, from_size: int, to_size: int | None = None
    ) -> proofs.ConsistencyProof | None:
        return await proofs.consistency_proof(info, from_size, to_size)

    @strawberry.field(description=LEARNED)
    async def learned(
        self,
        info: Info,
        after: datetime,
        until: datetime | None = None,
        valid_from: date | None = None,
        valid_to: date | None = None,
        filter: EventFilter | None = None,
        first: int | None = None,
        cursor: str | None = None,
    ) -> RecordingConnection:
        asked = Asked(after, until, valid_from, valid_to, first, cursor)
        checked(asked)
        moment = await ctx(info).known_at(until)
        return await recordings(info, asked, moment, filter_args(filter))
