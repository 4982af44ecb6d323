"""What a reading of one report holds: facts in the report's own words (units by name, series by
category and grade, lines by account and item), each with the line it was printed on; the printed
totals it checked; the cells that only the totals could place; the text it skipped; and the
problems that stop it. Keys and ids are not the reader's: the ledger's matcher assigns them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Source:
    """Where something is printed: a 1-based line number of the report's text, and that line."""

    line: int
    text: str


@dataclass(frozen=True)
class Cell:
    """One printed figure of a table: its line, where on the line it is printed (character
    offsets into that line, end exclusive) and the row and column it was read as."""

    line: int
    start: int
    end: int
    row: str
    column: str


@dataclass(frozen=True)
class UnitFact:
    """A unit the report names: itself, or a department it lists. parent is the name of the unit
    the report places it under (None for the report's own unit, whose parent the reader cannot
    know from the text)."""

    name: str
    parent: str | None
    source: Source


@dataclass(frozen=True)
class StaffingRowFact:
    category: str
    grade: str | None
    authorized: int | None
    current: int
    women: int | None = None
    resolution: str | None = None
    """How the totals placed a cell the text left ambiguous (docs/data-format.md)."""


@dataclass(frozen=True)
class StaffingFact:
    unit: str
    reference_date: date
    rows: tuple[StaffingRowFact, ...]
    table: str
    source: Source
    women: int | None = None
    note: str | None = None


@dataclass(frozen=True)
class BudgetFact:
    """One budget line at one reference date; money as printed, in money_unit."""

    unit: str
    fiscal_year: int
    account: str | None
    item: str
    reference_date: date
    money_unit: str
    budgeted: int
    table: str
    source: Source
    executed: int | None = None
    projects: int | None = None
    note: str | None = None


@dataclass(frozen=True)
class Milestone:
    when: str
    what: str


@dataclass(frozen=True)
class TaskFact:
    unit: str
    kind: str
    """MAJOR_TASK or AUDIT_FOLLOW_UP."""
    title: str
    valid_from: date
    source: Source
    section: str | None = None
    number: int | None = None
    description: str | None = None
    status: str | None = None
    status_since: date | None = None
    category: str | None = None
    responsible: str | None = None
    milestones: tuple[Milestone, ...] = ()


@dataclass(frozen=True)
class IndicatorPointFact:
    unit: str
    name: str
    measure: str
    period: str
    kind: str
    """ACTUAL or TARGET."""
    value: int
    reference_date: date
    source: Source
    group: str | None = None
    printed: str | None = None


Fact = UnitFact | StaffingFact | BudgetFact | TaskFact | IndicatorPointFact


@dataclass(frozen=True)
class Check:
    """A total the report prints, and what the facts read give for it."""

    table: str
    row: str
    column: str
    printed: int | float
    computed: int | float
    source: Source
    cells: int = 0
    """How many cells (figures of facts) the total covers."""
    cell: Cell | None = None
    """Where the total itself is printed."""
    covers: tuple[Cell, ...] = ()
    """The printed figures of facts the total sums (len(covers) <= cells: a cell that vanished
    from the text counts in cells but has no place to name)."""
    misprint: str | None = None
    """Why printed differs from computed although every other total agrees with the facts (the
    figure is then a misprint, not a problem: docs/data-format.md, misprint)."""

    @property
    def agrees(self) -> bool:
        return self.printed == self.computed


@dataclass(frozen=True)
class Resolution:
    """A cell that only the printed totals placed: the text as printed, the places it could take,
    the one chosen and why."""

    table: str
    row: str
    column: str
    printed: str
    candidates: tuple[str, ...]
    chosen: str
    why: str
    source: Source


@dataclass(frozen=True)
class Problem:
    """Why a report cannot be read fully: nothing of it may be recorded."""

    file: str
    line: int
    table: str
    row: str
    column: str
    message: str
    printed: str | None = None
    computed: str | None = None
    cells: tuple[Cell, ...] = ()
    """The printed figures the problem concerns: a total and the cells it sums, or the cells
    that could not be placed."""

    def __str__(self) -> str:
        figures = ""
        if self.printed is not None or self.computed is not None:
            figures = f": printed {self.printed}, computed {self.computed}"
        return (
            f"{self.file}:{self.line}: {self.table}, row {self.row}, column {self.column}: "
            f"{self.message}{figures}"
        )


@dataclass(frozen=True)
class Skipped:
    """Text the reader passed over, and why (a table it does not know, prose)."""

    first_line: int
    last_line: int
    heading: str
    why: str


@dataclass
class Table:
    """One table (or list) of the report as read."""

    kind: str
    """units, staffing, budget, tasks or indicators."""
    title: str
    first_line: int
    last_line: int
    facts: list[Fact] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    resolutions: list[Resolution] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)
    """The printed figures of the table's facts."""
    unchecked: list[Cell] = field(default_factory=list)
    """Those of cells that no printed total covers."""


@dataclass
class Reading:
    """A whole report as read. ok when no problem stops it."""

    file: str
    title: str
    unit: str
    """The name of the unit whose report it is (기획조정실, 시장비서실)."""
    reference_date: date | None
    """The report's own date (its cover or its first dated table), where a table gives none."""
    published: str | None = None
    tables: list[Table] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def facts(self) -> list[Fact]:
        return [fact for table in self.tables for fact in table.facts]

    def checks(self) -> list[Check]:
        return [check for table in self.tables for check in table.checks]
