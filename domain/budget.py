"""A budget line: one expense item, fund or allocation of a unit in one fiscal year, with its
budgeted and executed amounts at each reference date (execution is cumulative in the year)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import invalid
from domain.events import LedgerEvent
from domain.names import same_name
from domain.provenance import Provenance
from domain.rules import (
    check_count,
    check_date,
    check_fiscal_year,
    check_won,
    optional_text,
    required_text,
)
from domain.timeline import Timeline

ACCOUNTS = ("일반회계", "특별회계", "기금")


def check_account(account: str | None) -> str | None:
    text = optional_text("account", account)
    if text is not None and not any(same_name(text, known) for known in ACCOUNTS):
        raise invalid("account", account, f"is not one of {', '.join(ACCOUNTS)}")
    return next((known for known in ACCOUNTS if text and same_name(text, known)), None)


def budget_record(
    *,
    account: str | None,
    item: str,
    budgeted: int,
    executed: int | None,
    projects: int | None,
    note: str | None,
    as_printed: dict[str, Any] | None,
) -> dict[str, Any]:
    """A record as a line holds it at its reference date (and its event carries it): the
    account as the ledger spells it, the texts cleaned."""
    return {
        "account": check_account(account),
        "item": required_text("item", item),
        "budgeted": budgeted,
        "executed": executed,
        "projects": projects,
        "note": optional_text("note", note),
        "as_printed": as_printed,
    }


class BudgetLine(Aggregate):
    class Event(LedgerEvent["BudgetLine"]):
        """A budget line's event."""

    class Opened(Event, Aggregate.Created):
        owner_id: UUID
        fiscal_year: int

    def __init__(self, owner_id: UUID, fiscal_year: int, **_: Any) -> None:
        self.owner_id = owner_id
        self.fiscal_year = fiscal_year
        self.records: Timeline[dict[str, Any]] = Timeline()

    @classmethod
    def open(
        cls, *, line_id: UUID, owner_id: UUID, fiscal_year: int, provenance: Provenance
    ) -> BudgetLine:
        check_fiscal_year(fiscal_year)
        return cls._create(
            cls.Opened,
            id=line_id,
            owner_id=owner_id,
            fiscal_year=fiscal_year,
            **provenance.fields(),
        )

    def check_identity(self, owner_id: UUID, fiscal_year: int) -> None:
        if owner_id != self.owner_id:
            raise invalid("orgUnitId", str(owner_id), f"does not own line {self.id}")
        if fiscal_year != self.fiscal_year:
            raise invalid(
                "fiscalYear", fiscal_year, f"differs from the line's ({self.fiscal_year})"
            )

    class Recorded(Event):
        reference_date: date
        account: str | None
        item: str
        budgeted: int
        executed: int | None
        projects: int | None
        note: str | None
        as_printed: dict[str, Any] | None

        def apply_to(self, line: BudgetLine) -> None:
            line.records.set(self.reference_date, self.values())

        def values(self) -> dict[str, Any]:
            return {
                "account": self.account,
                "item": self.item,
                "budgeted": self.budgeted,
                "executed": self.executed,
                "projects": self.projects,
                "note": self.note,
                "as_printed": self.as_printed,
            }

    def record(
        self,
        *,
        reference_date: date,
        account: str | None,
        item: str,
        budgeted: int,
        executed: int | None,
        projects: int | None = None,
        note: str | None = None,
        as_printed: dict[str, Any] | None = None,
        provenance: Provenance,
    ) -> None:
        """as_printed keeps the source's figures and money unit (e.g. 천원) as provenance."""
        check_date("referenceDate", reference_date)
        if not self.fiscal_year - 1 <= reference_date.year <= self.fiscal_year + 1:
            raise invalid(
                "referenceDate",
                reference_date.isoformat(),
                f"is too far from fiscal year {self.fiscal_year}",
            )
        check_won("budgeted", budgeted)
        check_won("executed", executed)
        check_count("projects", projects)
        self.trigger_event(
            self.Recorded,
            reference_date=reference_date,
            **budget_record(
                account=account,
                item=item,
                budgeted=budgeted,
                executed=executed,
                projects=projects,
                note=note,
                as_printed=as_printed,
            ),
            **provenance.fields(),
        )

    def record_on(self, reference_date: date) -> dict[str, Any] | None:
        """The record held at exactly this reference date (budget_record's fields)."""
        return self.records.exactly(reference_date)

    def record_in_force(self, on: date) -> dict[str, Any] | None:
        """The record of the latest reference date on or before a date."""
        return self.records.at(on)

    class Retracted(Event):
        reference_date: date

        def apply_to(self, line: BudgetLine) -> None:
            line.records.drop(self.reference_date)

    def retract(self, reference_date: date, provenance: Provenance) -> None:
        if self.records.exactly(reference_date) is None:
            raise invalid("referenceDate", reference_date.isoformat(), "has no figure to retract")
        if not provenance.has_reason:
            raise invalid("reason", provenance.reason, "is required to retract a figure")
        self.trigger_event(self.Retracted, reference_date=reference_date, **provenance.fields())
