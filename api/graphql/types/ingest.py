"""GraphQL types of a work report's review (api/ingest.py): what the reader found in the text
(tables with the printed totals it checked and the cells only the totals placed, the text it
skipped, the problems that stop it), what the matcher made of it (matches, proposals), what
the importer would record (facts new, corrected or unchanged, cell by cell) and what an apply
recorded. Every list is in an order its description states."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from enum import Enum
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON

from api.ingest import CORRECTED, NEW, UNCHANGED, FactReview, Review
from ledger.importing.cells import Cell
from projections.facts import PUBLIC_TYPES
from reports.draft import Match, Proposal
from reports.model import Check, Problem, Resolution, Skipped, Source, Table

PUBLIC = {cls.__qualname__: name for cls, name in PUBLIC_TYPES.items()}
"""An event class's qualified name (OrgUnit.StaffingRecorded) and its type in the log."""
LAST = 1 << 62
"""Where an item without a line of its own sorts: after every line."""


def line_of(source: Source | None) -> int | None:
    return None if source is None else source.line


def by_line(line: int | None) -> int:
    return LAST if line is None else line


@strawberry.enum(description="What the ledger would make of a fact of the report.")
class ReviewStatus(Enum):
    NEW = NEW
    CORRECTED = CORRECTED
    UNCHANGED = UNCHANGED


@strawberry.type(
    description="Why a report cannot be read whole: while it has one, nothing of it is recorded."
)
class ReportProblem:
    file: str = strawberry.field(description="The report's file name, as given.")
    line: int = strawberry.field(description="The line of the report's text (1-based).")
    table: str = strawberry.field(description="The table's title, as printed.")
    row: str = strawberry.field(description="The row's label, as printed (spaces closed up).")
    column: str = strawberry.field(description="The column's label, as printed.")
    message: str = strawberry.field(description="What is wrong, in English.")
    printed: str | None = strawberry.field(description="The figure the report prints.")
    computed: str | None = strawberry.field(
        description="The figure its cells give, where the problem is a total that disagrees."
    )

    @classmethod
    def of(cls, problem: Problem) -> ReportProblem:
        return cls(
            file=problem.file,
            line=problem.line,
            table=problem.table,
            row=problem.row,
            column=problem.column,
            message=problem.message,
            printed=problem.printed,
            computed=problem.computed,
        )


@strawberry.type(description="A total the report prints, checked against the cells it totals.")
class ReportCheck:
    row: str = strawberry.field(description="The total's row, as printed.")
    column: str = strawberry.field(description="The total's column, as printed.")
    printed: float = strawberry.field(
        description="The total as printed (money in the table's own unit, 천원 or 백만원)."
    )
    computed: float = strawberry.field(description="What the cells it totals sum to.")
    agrees: bool = strawberry.field(description="Whether printed equals computed.")
    misprint: str | None = strawberry.field(
        description="Why a total that disagrees is taken as a misprint, not a problem: every "
        "other total agrees with the cells."
    )
    line: int = strawberry.field(description="The line the total is printed on.")

    @classmethod
    def of(cls, check: Check) -> ReportCheck:
        return cls(
            row=check.row,
            column=check.column,
            printed=float(check.printed),
            computed=float(check.computed),
            agrees=check.agrees,
            misprint=check.misprint,
            line=check.source.line,
        )


@strawberry.type(
    description="A cell the text left ambiguous (a cell lost in extraction), placed by the "
    "printed totals alone."
)
class ReportResolution:
    row: str = strawberry.field(description="The row, as printed.")
    column: str = strawberry.field(description="The column it was placed in.")
    printed: str = strawberry.field(description="The text as printed.")
    candidates: list[str] = strawberry.field(
        description="The places the cells could take, in the reader's order of trying them."
    )
    chosen: str = strawberry.field(description="The one place every total agrees with.")
    why: str = strawberry.field(description="Why it was chosen.")
    line: int = strawberry.field(description="The line the cells are printed on.")

    @classmethod
    def of(cls, resolution: Resolution) -> ReportResolution:
        return cls(
            row=resolution.row,
            column=resolution.column,
            printed=resolution.printed,
            candidates=list(resolution.candidates),
            chosen=resolution.chosen,
            why=resolution.why,
            line=resolution.source.line,
        )


@strawberry.type(description="One table or list of the report, as read.")
class ReportTable:
    kind: str = strawberry.field(
        description="What it holds: units, staffing, budget, tasks or indicators."
    )
    title: str = strawberry.field(description="Its title (heading and caption), as printed.")
    first_line: int = strawberry.field(description="Its first line in the report's text.")
    last_line: int = strawberry.field(description="Its last line.")
    cells: int = strawberry.field(description="The figures of facts it prints.")
    unchecked: int = strawberry.field(description="Those of its figures no printed total covers.")
    checks: list[ReportCheck] = strawberry.field(
        description="The totals it prints, by line, then row, then column."
    )
    resolutions: list[ReportResolution] = strawberry.field(
        description="Its cells placed by the totals alone, by line, then row, then column."
    )

    @classmethod
    def of(cls, table: Table) -> ReportTable:
        checks = sorted(table.checks, key=lambda c: (c.source.line, c.row, c.column))
        placed = sorted(table.resolutions, key=lambda r: (r.source.line, r.row, r.column))
        return cls(
            kind=table.kind,
            title=table.title,
            first_line=table.first_line,
            last_line=table.last_line,
            cells=len(table.cells),
            unchecked=len(table.unchecked),
            checks=[ReportCheck.of(check) for check in checks],
            resolutions=[ReportResolution.of(resolution) for resolution in placed],
        )


@strawberry.type(description="Text the reader passed over: a table it does not know, or prose.")
class ReportSkipped:
    first_line: int = strawberry.field(description="Its first line.")
    last_line: int = strawberry.field(description="Its last line.")
    heading: str = strawberry.field(description="The heading it stands under, as printed.")
    why: str = strawberry.field(description="Why it was passed over.")

    @classmethod
    def of(cls, skipped: Skipped) -> ReportSkipped:
        return cls(
            first_line=skipped.first_line,
            last_line=skipped.last_line,
            heading=skipped.heading,
            why=skipped.why,
        )


@strawberry.type(
    description="One field of a fact, as the ledger holds it and as the report has it."
)
class ReviewedCell:
    field: str = strawberry.field(
        description="The field: a staffing figure by series (별정직 4급상당 current), or a "
        "field of the fact (budgeted, title)."
    )
    old: JSON | None = strawberry.field(
        description="As the ledger holds it: for a correction the value it corrects; for a "
        "new fact the value in force the day before, which it follows (null where none is)."
    )
    new: JSON | None = strawberry.field(description="As the report has it.")
    changed: bool = strawberry.field(description="Whether old and new differ.")

    @classmethod
    def of(cls, cell: Cell) -> ReviewedCell:
        return cls(
            field=cell.field,
            old=cast(JSON, cell.old),
            new=cast(JSON, cell.new),
            changed=cell.changed,
        )


@strawberry.type(description="One fact of the report, as the ledger would take it.")
class ReviewedFact:
    kind: str = strawberry.field(
        description="units, staffing, budget, tasks or indicators (docs/data-format.md)."
    )
    what: str = strawberry.field(
        description="The fact in words: staffing of 시장비서실 at 2020-03-31."
    )
    status: ReviewStatus = strawberry.field(
        description="NEW, CORRECTED (a correction of what the ledger holds) or UNCHANGED."
    )
    line: int | None = strawberry.field(
        description="The line of the report it is printed on (a table's first row); null for "
        "what the report implies without printing it (a task no longer listed)."
    )
    source: str = strawberry.field(
        description="The source it is recorded with: file:line § heading."
    )
    cells: list[ReviewedCell] = strawberry.field(
        description="A correction's changed cells; a new fact's every cell; none when "
        "unchanged. In the fact's own order (its fields as the data format orders them, a "
        "staffing table's series in the report's order)."
    )

    @classmethod
    def of(cls, fact: FactReview) -> ReviewedFact:
        return cls(
            kind=fact.kind,
            what=fact.what,
            status=ReviewStatus(fact.status),
            line=fact.line,
            source=fact.source,
            cells=[ReviewedCell.of(cell) for cell in fact.cells],
        )


@strawberry.type(description="One thing the report names, and what it matched in the ledger.")
class ReportMatch:
    kind: str = strawberry.field(description="unit, series, line, task or indicator.")
    label: str = strawberry.field(
        description="The thing in the report's words: 일반직 2~3급 of 시장비서실."
    )
    key: str = strawberry.field(
        description="Its key in the draft: id:<uuid> for what the ledger holds, a series key, "
        "or ingest-<hash> for something new."
    )
    why: str = strawberry.field(description="Why it matched (or why it is new).")
    is_new: bool = strawberry.field(description="True when the ledger holds no such thing yet.")
    line: int | None = strawberry.field(
        description="The line it is printed on; null for what the report implies."
    )

    @classmethod
    def of(cls, match: Match) -> ReportMatch:
        return cls(
            kind=match.kind,
            label=match.label,
            key=match.key,
            why=match.why,
            is_new=match.new,
            line=line_of(match.source),
        )


@strawberry.type(
    description="A value the matcher decided without the report saying so, for a person to "
    "confirm before applying (a new unit's parent or start, the owner of a fund)."
)
class ReportProposal:
    subject: str = strawberry.field(description="What it is about, in the report's words.")
    field: str = strawberry.field(description="The field it decides.")
    value: str = strawberry.field(description="The value proposed.")
    why: str = strawberry.field(description="Why this value.")
    line: int | None = strawberry.field(description="The line it concerns, where there is one.")

    @classmethod
    def of(cls, proposal: Proposal) -> ReportProposal:
        return cls(
            subject=proposal.subject,
            field=proposal.field,
            value=proposal.value,
            why=proposal.why,
            line=line_of(proposal.source),
        )


@strawberry.type(description="How many facts of each status, and printed totals checked.")
class ReviewCounts:
    new: int = strawberry.field(description="Facts the ledger does not hold.")
    corrected: int = strawberry.field(description="Facts that correct what the ledger holds.")
    unchanged: int = strawberry.field(description="Facts the ledger holds with the same values.")
    checks: int = strawberry.field(
        description="Printed totals the importer checked again on the draft."
    )


@strawberry.type(description="Events of one type an apply recorded.")
class RecordedEvents:
    type: str = strawberry.field(description="The event type, as the log names it.")
    count: int = strawberry.field(description="How many were recorded.")


@strawberry.type(
    description="The review of a report: what was read, what the ledger would make of it, "
    "and with apply what was recorded."
)
class IngestReportPayload:
    ok: bool = strawberry.field(
        description="Whether the report was read whole: every printed total agrees and every "
        "cell is placed in exactly one way. False: problems says why; nothing is recorded."
    )
    applied: bool = strawberry.field(
        description="Whether the change set was recorded (apply asked and ok). events says "
        "what it recorded: none when the ledger held everything already."
    )
    file: str = strawberry.field(description="The report's file name, as given.")
    title: str = strawberry.field(description="The report's title, as printed (주요업무보고).")
    unit: str = strawberry.field(description="The report's unit, as printed or as given.")
    reference_date: date | None = strawberry.field(
        description="The report's own date, where its tables give none."
    )
    problems: list[ReportProblem] = strawberry.field(
        description="Why the report cannot be read whole (empty when ok), by line, then "
        "table, row, column and message."
    )
    tables: list[ReportTable] = strawberry.field(
        description="The tables and lists read, by first line, then last line, kind and title."
    )
    skipped: list[ReportSkipped] = strawberry.field(
        description="The text passed over, by first line, then last line and heading."
    )
    facts: list[ReviewedFact] = strawberry.field(
        description="Every fact of the report against the ledger (empty unless ok), by line "
        "(facts without one last); on one line in the importer's order: kinds units, "
        "staffing, budget, tasks, indicators, each in the draft's order (the report's)."
    )
    matches: list[ReportMatch] = strawberry.field(
        description="What each thing the report names matched (empty unless ok), by line "
        "(those without one last), then kind, label and key."
    )
    proposals: list[ReportProposal] = strawberry.field(
        description="Values for a person to confirm (empty unless ok), by line (those "
        "without one last), then subject, field and value."
    )
    counts: ReviewCounts = strawberry.field(description="The facts by status, and the checks.")
    events: list[RecordedEvents] = strawberry.field(
        description="What the apply recorded, by event type (empty unless applied)."
    )
    known_at: datetime | None = strawberry.field(
        description="Once an apply recorded events: the moment from which a read knows them "
        "(the read model had caught up when this answer was given). Null otherwise."
    )

    @classmethod
    def of(cls, review: Review, known_at: datetime | None = None) -> IngestReportPayload:
        reading, draft = review.reading, review.draft
        problems = sorted(reading.problems, key=problem_order)
        tables = sorted(reading.tables, key=lambda t: (t.first_line, t.last_line, t.kind, t.title))
        skipped = sorted(reading.skipped, key=lambda s: (s.first_line, s.last_line, s.heading))
        matches = sorted(draft.matches if draft else [], key=match_order)
        proposals = sorted(draft.proposals if draft else [], key=proposal_order)
        return cls(
            ok=review.ok,
            applied=review.applied and review.ok,
            file=reading.file,
            title=reading.title,
            unit=reading.unit,
            reference_date=reading.reference_date,
            problems=[ReportProblem.of(problem) for problem in problems],
            tables=[ReportTable.of(table) for table in tables],
            skipped=[ReportSkipped.of(part) for part in skipped],
            facts=[ReviewedFact.of(fact) for fact in sorted(review.facts, key=fact_order)],
            matches=[ReportMatch.of(match) for match in matches],
            proposals=[ReportProposal.of(proposal) for proposal in proposals],
            counts=ReviewCounts(
                new=review.count(NEW),
                corrected=review.count(CORRECTED),
                unchanged=review.count(UNCHANGED),
                checks=review.checks,
            ),
            events=recorded(review.events),
            known_at=known_at,
        )


def problem_order(problem: Problem) -> tuple[Any, ...]:
    return (problem.line, problem.table, problem.row, problem.column, problem.message)


def fact_order(fact: FactReview) -> int:
    """By line; the sort is stable, so facts of one line keep the importer's order."""
    return by_line(fact.line)


def match_order(match: Match) -> tuple[Any, ...]:
    return (by_line(line_of(match.source)), match.kind, match.label, match.key)


def proposal_order(proposal: Proposal) -> tuple[Any, ...]:
    line = by_line(line_of(proposal.source))
    return (line, proposal.subject, proposal.field, proposal.value)


def recorded(events: Counter[str]) -> list[RecordedEvents]:
    counts: Counter[str] = Counter()
    for name, count in events.items():
        counts[PUBLIC.get(name, name.replace(".", ""))] += count
    return [
        RecordedEvents(type=name, count=counts[name]) for name in sorted(counts) if counts[name]
    ]
