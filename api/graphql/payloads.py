"""What the mutations answer: the events they recorded and their subject's new version, with the
subject as the read model has it once it holds those events."""

from __future__ import annotations

import strawberry

from api.graphql.types.events import Event
from api.graphql.types.staffing import Staffing
from api.graphql.types.units import BudgetLine, Indicator, OrgUnit, Task


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
