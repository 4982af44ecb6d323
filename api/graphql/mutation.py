"""Mutations: authorise, carry out the command off the event loop, wait until the read model
has the new events, and answer from it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

import strawberry
from prometheus_client import Counter
from strawberry.types import Info

from api.auth import require_writer
from api.errors import BadInput, Unavailable
from api.graphql import inputs
from api.graphql.context import ctx
from api.graphql.payloads import (
    OrgUnitPayload,
    RecordBudgetLinePayload,
    RecordIndicatorValuePayload,
    RecordStaffingPayload,
    RecordTaskPayload,
    RegisterOrgUnitPayload,
    RetractFactPayload,
)
from api.graphql.types.events import Event
from api.graphql.types.ingest import IngestReportPayload
from api.graphql.types.staffing import Staffing
from api.graphql.types.units import BudgetLine, Indicator, OrgUnit, Task
from api.graphql.types.webhooks import WebhookMutation
from api.ingest import review_report
from domain.commands import Command
from domain.errors import NotFound
from domain.provenance import Provenance
from ledger.application import Outcome
from ledger.importing.checks import CheckError
from projections.read import queries
from projections.read.holdings import holdings
from projections.views import EventView
from reports.holdings import Holdings

COMMANDS = Counter("govledger_commands", "Commands carried out", ["command", "outcome"])


class MutationInput(Protocol):
    """What every mutation's input carries besides its command's fields."""

    @property
    def reason(self) -> str | None: ...
    @property
    def source(self) -> str | None: ...
    @property
    def idempotency_key(self) -> str | None: ...

    def command(self) -> Command: ...


@dataclass(frozen=True)
class Done:
    command: Any
    outcome: Outcome
    events: list[Event]
    known_at: datetime


async def carry_out(info: Info, input: MutationInput) -> Done:
    """Authorise, record off the event loop, and wait until the read model holds the events."""
    context = ctx(info)
    principal = require_writer(context.principal)
    provenance = Provenance(principal.name, input.reason, input.source)
    command, key = input.command(), input.idempotency_key
    name = type(command).__name__
    try:
        outcome = await context.services.write(command, provenance, key)
    except Exception as error:
        COMMANDS.labels(name, "unavailable" if isinstance(error, Unavailable) else "refused").inc()
        raise
    COMMANDS.labels(name, "replayed" if outcome.replayed else "recorded").inc()
    views = await wait_for_read_model(info, list(outcome.notification_ids))
    return Done(command, outcome, [Event(view=v) for v in views], await context.after_write())


async def wait_for_read_model(info: Info, positions: list[int]) -> list[EventView]:
    """Wait until the read model holds the events at these log positions and its safe time has
    reached their recording; the events as it holds them."""
    context = ctx(info)
    freshness = context.services.freshness
    if positions and not await freshness.wait_for(max(positions)):
        raise Unavailable(
            f"recorded at log position {max(positions)}, but the read model has not caught up; "
            "query again shortly"
        )
    views = await context.reads.run(lambda conn: queries.events_at(conn, positions))
    if views and not await freshness.wait_for_time(max(v.recorded_at for v in views)):
        raise Unavailable("recorded, but the read model's safe time lags; query again shortly")
    return views


async def unit_changed(info: Info, input: MutationInput, on: date) -> OrgUnitPayload:
    done = await carry_out(info, input)
    unit = await OrgUnit.load(info, done.outcome.subject_id, on, done.known_at)
    return OrgUnitPayload(org_unit=unit, events=done.events, version=done.outcome.version)


async def indicator_changed(
    info: Info, input: MutationInput, on: date
) -> RecordIndicatorValuePayload:
    done = await carry_out(info, input)
    found = await Indicator.find(info, done.outcome.subject_id, on, done.known_at)
    return RecordIndicatorValuePayload(
        indicator=found, events=done.events, version=done.outcome.version
    )


async def ingested(info: Info, input: inputs.IngestReportInput) -> IngestReportPayload:
    """A report reviewed (api/ingest.py) as the principal, against what the read model holds at
    S; after an apply that recorded events, answered once the read model holds them."""
    context = ctx(info)
    principal = require_writer(context.principal)
    input.check(context.services.ledger.limits)
    known_at = await context.known_at(None)

    async def read_holdings(dates: list[date], names: list[str]) -> Holdings:
        return await context.reads.run(lambda conn: holdings(conn, dates, known_at, names))

    try:
        review = await review_report(
            input.text,
            input.file,
            ledger=context.services.ledger,
            read_holdings=read_holdings,
            unit=input.unit,
            apply=input.apply,
            actor=principal.name,
        )
    except CheckError as error:
        raise BadInput(f"the report was read, but its draft cannot be recorded: {error}") from None
    if review.position is None:
        return IngestReportPayload.of(review)
    await wait_for_read_model(info, [review.position])
    return IngestReportPayload.of(review, await context.after_write())


@strawberry.type
class Mutation(WebhookMutation):
    @strawberry.mutation
    async def register_org_unit(
        self, info: Info, input: inputs.RegisterOrgUnitInput
    ) -> RegisterOrgUnitPayload:
        done = await carry_out(info, input)
        unit = await OrgUnit.load(info, done.outcome.subject_id, input.valid_from, done.known_at)
        return RegisterOrgUnitPayload(
            org_unit=unit, events=done.events, version=done.outcome.version
        )

    @strawberry.mutation(
        description="Figures of one unit for one reference date; again for the same date is a correction."
    )
    async def record_staffing(
        self, info: Info, input: inputs.RecordStaffingInput
    ) -> RecordStaffingPayload:
        done = await carry_out(info, input)
        command = done.command
        view = await ctx(info).loaders.staffing(
            command.reference_date, done.known_at, (command.org_unit_id,)
        )
        if view is None:
            raise NotFound(
                f"orgUnitId: no staffing of {command.org_unit_id} on {command.reference_date}"
            )
        unit = await OrgUnit.load(info, command.org_unit_id, command.reference_date, done.known_at)
        return RecordStaffingPayload(
            staffing=Staffing.of(view),
            org_unit=unit,
            events=done.events,
            version=done.outcome.version,
        )

    @strawberry.mutation(
        description="Budget and execution of one line at one reference date; again for the same date is a correction."
    )
    async def record_budget_line(
        self, info: Info, input: inputs.RecordBudgetLineInput
    ) -> RecordBudgetLinePayload:
        done = await carry_out(info, input)
        line_id, day, known_at = done.outcome.subject_id, done.command.reference_date, done.known_at
        view = await ctx(info).reads.run(
            lambda conn: queries.budget_line(conn, line_id, day, known_at)
        )
        if view is None:
            raise NotFound(f"lineId: {line_id} has no figure on {day}")
        line = BudgetLine(view=view, as_of=day, known_at=known_at)
        return RecordBudgetLinePayload(
            budget_line=line, events=done.events, version=done.outcome.version
        )

    @strawberry.mutation(
        description="The task's whole state from validFrom on (title, status, number, category, responsible, listed): a field given as null is null from then on. Creates the task when taskId is null."
    )
    async def record_task(self, info: Info, input: inputs.RecordTaskInput) -> RecordTaskPayload:
        done = await carry_out(info, input)
        task_id, day, known_at = done.outcome.subject_id, done.command.valid_from, done.known_at
        found = await ctx(info).reads.run(
            lambda conn: queries.tasks(conn, as_of=day, known_at=known_at, task_id=task_id)
        )
        if not found:
            raise NotFound(f"taskId: {task_id} has no state on {day}")
        task = Task(view=found[0], as_of=day, known_at=known_at)
        return RecordTaskPayload(task=task, events=done.events, version=done.outcome.version)

    @strawberry.mutation(
        description="Rename a unit from validFrom on; again for the same date is a correction."
    )
    async def rename_org_unit(self, info: Info, input: inputs.RenameOrgUnitInput) -> OrgUnitPayload:
        return await unit_changed(info, input, input.valid_from)

    @strawberry.mutation(description="Move a unit under another parent from validFrom on.")
    async def move_org_unit(self, info: Info, input: inputs.MoveOrgUnitInput) -> OrgUnitPayload:
        return await unit_changed(info, input, input.valid_from)

    @strawberry.mutation(description="Close a unit: from validFrom on it is no longer in force.")
    async def close_org_unit(self, info: Info, input: inputs.CloseOrgUnitInput) -> OrgUnitPayload:
        return await unit_changed(info, input, input.valid_from)

    @strawberry.mutation(
        description="Take back a figure or task record made under the wrong subject or date (with a reason)."
    )
    async def retract_fact(self, info: Info, input: inputs.RetractFactInput) -> RetractFactPayload:
        done = await carry_out(info, input)
        subject = strawberry.ID(str(done.outcome.subject_id))
        return RetractFactPayload(
            subject_id=subject, events=done.events, version=done.outcome.version
        )

    @strawberry.mutation(
        description="One value of an indicator (period, kind) at one reference date; again for the same date is a correction. Creates the indicator when indicatorId is null."
    )
    async def record_indicator_value(
        self, info: Info, input: inputs.RecordIndicatorValueInput
    ) -> RecordIndicatorValuePayload:
        return await indicator_changed(info, input, input.reference_date)

    @strawberry.mutation(
        description="Take back one value of an indicator recorded under the wrong period, kind or date (with a reason)."
    )
    async def retract_indicator_value(
        self, info: Info, input: inputs.RetractIndicatorValueInput
    ) -> RecordIndicatorValuePayload:
        return await indicator_changed(info, input, input.reference_date)

    @strawberry.mutation(
        description="Review a work report's text against the ledger as it is now: the tables read, every printed total checked, and each fact new, a correction (old -> new, per cell) or unchanged; with apply, record its change set (all or nothing) and answer once the read model holds it. A report that cannot be read whole answers ok: false with its problems and records nothing. Editors and admins."
    )
    async def ingest_report(
        self, info: Info, input: inputs.IngestReportInput
    ) -> IngestReportPayload:
        return await ingested(info, input)
