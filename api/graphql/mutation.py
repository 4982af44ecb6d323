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
from api.errors import Unavailable
from api.graphql import inputs
from api.graphql.context import ctx
from api.graphql.types.events import Event
from api.graphql.types.indicators import (
    Indicator,
    RecordIndicatorValueInput,
    RetractIndicatorValueInput,
    find_indicator,
)
from api.graphql.types.records import BudgetLine, Staffing, Task
from api.graphql.types.units import OrgUnit
from api.graphql.types.webhooks import WebhookMutation
from domain.commands import Command
from domain.errors import NotFound
from domain.provenance import Provenance
from ledger.application import Outcome
from projections.read import queries

COMMANDS = Counter("govledger_commands", "Commands carried out", ["command", "outcome"])


@strawberry.interface(description="What every mutation answers besides its subject.")
class MutationPayload:
    events: list[Event] = strawberry.field(
        description="The events this mutation recorded, in log order; empty when an idempotency key replayed an earlier result."
    )
    version: int = strawberry.field(
        description="The subject's version after the mutation, for expectedVersion."
    )


@strawberry.type
class RegisterOrgUnitPayload(MutationPayload):
    org_unit: OrgUnit


@strawberry.type
class OrgUnitPayload(MutationPayload):
    org_unit: OrgUnit


@strawberry.type
class RecordStaffingPayload(MutationPayload):
    staffing: Staffing = strawberry.field(
        description="The unit's own figures (without descendants) as of the recorded reference date."
    )
    org_unit: OrgUnit


@strawberry.type
class RecordBudgetLinePayload(MutationPayload):
    budget_line: BudgetLine


@strawberry.type
class RecordTaskPayload(MutationPayload):
    task: Task


@strawberry.type
class RecordIndicatorValuePayload(MutationPayload):
    indicator: Indicator | None = strawberry.field(
        description="The indicator as of the value's reference date; null when, after a retraction, it has no value in force then."
    )


@strawberry.type
class RetractFactPayload(MutationPayload):
    subject_id: strawberry.ID


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
    freshness = context.services.freshness
    name = type(command).__name__
    try:
        outcome = await context.services.write(command, provenance, key)
    except Exception as error:
        COMMANDS.labels(name, "unavailable" if isinstance(error, Unavailable) else "refused").inc()
        raise
    COMMANDS.labels(name, "replayed" if outcome.replayed else "recorded").inc()
    positions = list(outcome.notification_ids)
    if positions and not await freshness.wait_for(max(positions)):
        raise Unavailable(
            f"recorded at log position {max(positions)}, but the read model has not caught up; "
            "query again shortly"
        )
    async with context.pool.acquire() as conn:
        views = await queries.events_at(conn, positions)
    if views and not await freshness.wait_for_time(max(v.recorded_at for v in views)):
        raise Unavailable("recorded, but the read model's safe time lags; query again shortly")
    return Done(command, outcome, [Event(view=v) for v in views], await context.after_write())


async def unit_changed(info: Info, input: MutationInput, on: date) -> OrgUnitPayload:
    done = await carry_out(info, input)
    unit = await OrgUnit.load(info, done.outcome.subject_id, on, done.known_at)
    return OrgUnitPayload(org_unit=unit, events=done.events, version=done.outcome.version)


async def indicator_changed(
    info: Info, input: MutationInput, on: date
) -> RecordIndicatorValuePayload:
    done = await carry_out(info, input)
    found = await find_indicator(info, done.outcome.subject_id, on, done.known_at)
    return RecordIndicatorValuePayload(
        indicator=found, events=done.events, version=done.outcome.version
    )


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
        command = done.command
        async with ctx(info).pool.acquire() as conn:
            view = await queries.budget_line(
                conn, done.outcome.subject_id, command.reference_date, done.known_at
            )
        if view is None:
            raise NotFound(
                f"lineId: {done.outcome.subject_id} has no figure on {command.reference_date}"
            )
        line = BudgetLine(view=view, as_of=command.reference_date, known_at=done.known_at)
        return RecordBudgetLinePayload(
            budget_line=line, events=done.events, version=done.outcome.version
        )

    @strawberry.mutation(
        description="The task's whole state from validFrom on (title, status, number, category, responsible, listed): a field given as null is null from then on. Creates the task when taskId is null."
    )
    async def record_task(self, info: Info, input: inputs.RecordTaskInput) -> RecordTaskPayload:
        done = await carry_out(info, input)
        command = done.command
        async with ctx(info).pool.acquire() as conn:
            found = await queries.tasks(
                conn,
                as_of=command.valid_from,
                known_at=done.known_at,
                task_id=done.outcome.subject_id,
            )
        if not found:
            raise NotFound(
                f"taskId: {done.outcome.subject_id} has no state on {command.valid_from}"
            )
        task = Task(view=found[0], as_of=command.valid_from, known_at=done.known_at)
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
        self, info: Info, input: RecordIndicatorValueInput
    ) -> RecordIndicatorValuePayload:
        return await indicator_changed(info, input, input.reference_date)

    @strawberry.mutation(
        description="Take back one value of an indicator recorded under the wrong period, kind or date (with a reason)."
    )
    async def retract_indicator_value(
        self, info: Info, input: RetractIndicatorValueInput
    ) -> RecordIndicatorValuePayload:
        return await indicator_changed(info, input, input.reference_date)
