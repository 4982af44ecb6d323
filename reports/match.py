"""The matcher: a reading of a report (reports/reader.py) and what the ledger holds
(reports/holdings.py) in, a draft data document out (reports/draft.py), whose facts name the
ledger's facts they restate by id and the new ones by keys derived from what identifies them.
Pure: no I/O, no database.

Rules, in the order applied:

- units: the report's own unit by unspaced name among the held units (the first in force at the
  report's date where two share it); each department by name, under the report's unit (its
  parent's name decides between two of the same name); a new unit's valid_from is the earliest
  reference date of the report's facts for it and the units under it (a proposal), and the
  report's own unit, when new, is put under the ledger's only root unit (a proposal);
- staffing series (reports/matching/series.py): the same category and grade, else a relabelling
  (the same category, grades whose numbers overlap), else new;
- budget lines (reports/matching/lines.py): the same unit, fiscal year, account and item; a line
  the reader gives to the report's unit where the report names no department is looked for
  under the report's departments (its owner a proposal);
- tasks (reports/matching/tasks.py): per unit and kind (and category), the same date and number,
  else the same title, else the same number and a similar title (a proposal), else new; a held
  task listed at the report's date that the report no longer lists leaves the list;
- indicators (reports/matching/indicators.py): the same name and group, under the unit or one
  above or below it (then a proposal);
- checks (reports/matching/checks.py): every printed total, with a selector that gives the figure
  the reader computed."""

from __future__ import annotations

from typing import Any

from reports.draft import Draft
from reports.holdings import Holdings
from reports.matching.checks import write_checks
from reports.matching.context import Context
from reports.matching.indicators import match_indicators
from reports.matching.lines import match_budget
from reports.matching.series import match_staffing
from reports.matching.tasks import match_tasks
from reports.matching.units import check_registrations, match_units
from reports.model import Reading

KINDS = ("units", "staffing", "budget", "tasks", "indicators")
ORIGIN = ("Read from the report's text by govledger ingest (reports/reader.py) and matched "
          "against the ledger as known then (reports/match.py); the proposals below are cells "
          "the report does not state, for a person to confirm.")


def match(reading: Reading, holdings: Holdings) -> Draft:
    """The draft of a reading against the holdings: ValueError where the reading names no unit
    (read the report with read_report(..., unit=...))."""
    if not reading.unit:
        raise ValueError(f"{reading.file}: the reading names no unit to match its facts under")
    draft = Draft(document={"source": _source(reading)})
    context = Context(reading, holdings, draft)
    match_units(context)
    match_staffing(context)
    lines = match_budget(context)
    match_tasks(context)
    keys = match_indicators(context)
    write_checks(context, lines, keys)
    check_registrations(context)
    notes = draft.document["source"]["notes"]
    notes += [f"Proposal: {p.subject}, {p.field} = {p.value!r}: {p.why}" for p in draft.proposals]
    notes += [f"Left out: {total}" for total in draft.left_out]
    return draft


def _source(reading: Reading) -> dict[str, Any]:
    title = " ".join(part for part in (reading.title, f"({reading.unit})") if part)
    source: dict[str, Any] = {"file": reading.file, "title": title}
    if reading.published:
        source["published"] = reading.published
    source["notes"] = [ORIGIN]
    sections: dict[str, str] = {}
    for table in reading.tables:
        if table.kind in KINDS and table.facts:
            sections.setdefault(table.kind, table.title)
    source["sections"] = sections
    return source
