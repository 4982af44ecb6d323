"""GraphQL types of what a task record states besides its place: its kind and status (the
domain's enums, exposed as they are: one list of kinds and statuses for both layers) and its
planned milestones."""

from __future__ import annotations

import strawberry

from domain.task import TaskKind, TaskStatus

__all__ = ["Milestone", "TaskKind", "TaskStatus"]

strawberry.enum(TaskKind, name="TaskKind")
strawberry.enum(TaskStatus, name="TaskStatus")


@strawberry.type
class Milestone:
    when: str = strawberry.field(description="As printed, e.g. '20. 4월 or 연중 계속.")
    what: str
