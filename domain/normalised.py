"""What a record command would have its aggregate hold, normalised as the aggregate normalises
it (texts cleaned, an account as the ledger spells it, a row with its series key). Equal to
what the aggregate holds at the command's date (OrgUnit.staffing_on, BudgetLine.record_on,
Task.state_on, Indicator.point), the command would record nothing new: the importer records
only what differs."""

from __future__ import annotations

from typing import Any

from domain import budget, indicator, orgunit, task
from domain import commands as c
from domain.staffing import StaffingRow, make_row


def staffing_rows(command: c.RecordStaffing) -> list[StaffingRow]:
    """The command's rows, checked, each with its series key."""
    return [make_row(**row.fields(), index=index) for index, row in enumerate(command.rows)]


def staffing_table(command: c.RecordStaffing) -> dict[str, Any]:
    return orgunit.staffing_table(staffing_rows(command), command.women, command.note)


def budget_record(command: c.RecordBudgetLine) -> dict[str, Any]:
    return budget.budget_record(
        account=command.account,
        item=command.item,
        budgeted=command.budgeted,
        executed=command.executed,
        projects=command.projects,
        note=command.note,
        as_printed=command.as_printed,
    )


def task_state(command: c.RecordTask) -> dict[str, Any]:
    return task.task_state(
        title=command.title,
        description=command.description,
        status=command.status,
        status_since=command.status_since,
        number=command.number,
        category=command.category,
        responsible=command.responsible,
        listed=command.listed,
        milestones=list(command.milestones),
    )


def point_value(command: c.RecordIndicatorValue) -> dict[str, Any]:
    return indicator.point_value(command.value, command.printed)
