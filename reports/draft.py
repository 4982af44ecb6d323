"""What the matcher makes of a reading (reports/match.py): a data document in the format of
docs/data-format.md that `govledger import` records as it records any other, and, for the person
who reviews it, what each fact matched in the ledger and why, and the cells the matcher decided
without the report saying so.

Keys of the document: a fact the ledger holds is named by its id, `id:<uuid>` (units in `unit`,
`parent` and `key`; a budget line's `line`, which is then the line of that fiscal year, i.e.
`budget_line_id(f"{line}:{fiscal_year}")` of the key it was imported under; a task's and an
indicator's `key`); a staffing row keeps the ledger's series key. A new fact gets `ingest-` and a
short hash of what identifies it (reports/matching/keys.py), so that reading the same report twice
gives the same keys (docs/data-format.md, "Keys that name a fact by its id")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from reports.model import Source

NEW = "new"
Document = dict[str, Any]


@dataclass(frozen=True)
class Match:
    """One fact of the reading (a unit, series, line, task or indicator), what it matched in the
    ledger (held: its id, or for a series its key; None when new) and why."""

    kind: str
    label: str
    """The fact in the report's words (`시장비서실`, `일반직 2~3급 of 시장비서실`)."""
    key: str
    """Its key in the document."""
    why: str
    held: UUID | str | None = None
    source: Source | None = None

    @property
    def new(self) -> bool:
        return self.held is None


@dataclass(frozen=True)
class Proposal:
    """A cell of the document that the matcher decided without the report saying so, for a
    person to confirm: a new unit's parent or valid_from, the owner of a line the report gives no
    department, a task matched by a similar title."""

    subject: str
    field: str
    value: str
    why: str
    source: Source | None = None


@dataclass
class Draft:
    document: Document
    matches: list[Match] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    """Printed totals the reader checked that the format has no selector for (counts of units),
    or that no selector over the document's facts gives: checked by the reader, not written."""

    def matched(self, kind: str | None = None) -> list[Match]:
        return [m for m in self.matches if not m.new and kind in (None, m.kind)]

    def new(self, kind: str | None = None) -> list[Match]:
        return [m for m in self.matches if m.new and kind in (None, m.kind)]
