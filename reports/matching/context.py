"""What the parts of the matcher share while they make one draft: the reading, the holdings, the
draft so far, the units of the report by name (with their keys), and the keys taken."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from domain.names import unspaced
from reports.draft import Draft, Match, Proposal
from reports.holdings import HeldUnit, Holdings
from reports.model import Fact, Reading, TaskFact, UnitFact


@dataclass(frozen=True)
class UnitRef:
    """A unit of the report: its name as printed, its key in the document and its id (the held
    unit's, or the one the new key derives), and the held unit it matched."""

    name: str
    key: str
    id: UUID
    held: HeldUnit | None = None


@dataclass
class Context:
    reading: Reading
    holdings: Holdings
    draft: Draft
    units: dict[str, UnitRef] = field(default_factory=dict)
    """The report's units by unspaced name."""
    taken: dict[str, set[str]] = field(default_factory=dict)
    """The keys given so far, per kind of fact."""

    @property
    def document(self) -> dict[str, Any]:
        return self.draft.document

    def unit(self, name: str) -> UnitRef:
        return self.units[unspaced(name)]

    @property
    def own(self) -> UnitRef:
        """The report's own unit."""
        return self.unit(self.reading.unit)

    def departments(self) -> list[str]:
        """The names of the units the report lists under its own (and of any other unit a fact
        names), in print order, once each."""
        own = unspaced(self.reading.unit)
        found: dict[str, str] = {}
        for fact in self.reading.facts():
            name = fact.name if isinstance(fact, UnitFact) else fact.unit
            if unspaced(name) != own:
                found.setdefault(unspaced(name), name)
        return list(found.values())

    def earliest(self, names: set[str]) -> date | None:
        """The earliest reference date of the report's facts for units of those (unspaced)
        names."""
        dates = [day for fact in self.reading.facts() if _owner(fact) in names
                 for day in [_date_of(fact)] if day is not None]
        return min(dates, default=self.reading.reference_date)

    def entries(self, kind: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.document.setdefault(kind, [])
        return found

    def matched(self, match: Match) -> None:
        self.draft.matches.append(match)

    def propose(self, proposal: Proposal) -> None:
        self.draft.proposals.append(proposal)

    def keys(self, kind: str) -> set[str]:
        return self.taken.setdefault(kind, set())

    def section(self, kind: str, title: str | None) -> dict[str, str]:
        """{"section": title} where it is not the document's default for that kind."""
        sections: dict[str, str] = self.document["source"].get("sections", {})
        return {"section": title} if title and sections.get(kind) != title else {}


def _owner(fact: Fact) -> str | None:
    if isinstance(fact, UnitFact):
        return None
    return unspaced(fact.unit)


def _date_of(fact: Fact) -> date | None:
    if isinstance(fact, UnitFact):
        return None
    return fact.valid_from if isinstance(fact, TaskFact) else fact.reference_date
