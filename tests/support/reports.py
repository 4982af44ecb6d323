"""Helpers for the tests of the report reader's tables (tests/unit/test_reports_tables.py): the
seeds and their hand transcriptions (data/seoul/*.toml) as comparable facts, the exceptions the
transcriptions decided by knowledge beyond the text, and the perturbation of a printed figure."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from domain.names import unspaced
from reports.model import BudgetFact, Cell, Reading, StaffingFact, UnitFact
from reports.reader import read_cover
from reports.reading import budget, staffing, units
from reports.reading.text import normalize

ROOT = Path(__file__).resolve().parents[2]
SEEDS = sorted((ROOT / "data" / "seeds").glob("*.txt"))

StaffingKey = tuple[str, str, int | None, str | None, frozenset[tuple[Any, ...]]]
BudgetKey = tuple[Any, ...]


def transcription(seed: Path) -> dict[str, Any]:
    with (ROOT / "data" / "seoul" / f"{seed.stem}.toml").open("rb") as handle:
        return tomllib.load(handle)


def read_tables(text: str, file: str) -> Reading:
    """The cover, staffing, budget and units of a report, without part 2's readers (tasks,
    indicators), so that re-reading a perturbed text is fast and depends on this part alone."""
    lines = [line.rstrip("\r") for line in normalize(text).split("\n")]
    reading = read_cover(lines, file)
    for read in (staffing.read, budget.read, units.read):
        read(lines, reading)
    return reading


@dataclass(frozen=True)
class Exception_:
    """A fact the transcription decided by knowledge beyond the report's text: what the TOML
    says, what the reader says instead, and the TOML note that decided it (quoted in part)."""

    seed: str
    what: str
    """unit (a unit the text does not name), parent, owner (of a budget line) or name."""
    toml: str
    reader: str
    note: str
    item: str = ""


SEEDS_ALL = ("000", "001", "002", "003", "004")
SEOUL = "서울특별시"
SEOUL_NOTE = "Unit seoul (서울특별시), valid_from 1946-08-15: no seed document gives this date"
"""The city as the root unit and as the parent of each report's unit: no report says so."""
COVER_NOTE = "the extracted text has no cover and does not name it"
"""002 prints no unit name: its office is named by the other reports of the same tables."""
FUND_NOTE = ("for 감채기금, 대외협력기금 and 지역개발기금 it names none, "
             "so they are owned by 재정균형발전담당관")
"""Funds no department's 담당업무 names: the reader leaves them to the report's unit."""
FUNDS = ("감채기금", "대외협력기금", "지역개발기금")
EXCEPTIONS = [
    *(Exception_(seed, "unit", SEOUL, "", SEOUL_NOTE) for seed in SEEDS_ALL),
    *(Exception_(seed, "parent", SEOUL, "", SEOUL_NOTE) for seed in SEEDS_ALL),
    Exception_("002", "name", "시장비서실", "", COVER_NOTE),
    *(Exception_("004", "owner", "재정균형발전담당관", "기획조정실", FUND_NOTE, fund)
      for fund in FUNDS),
]


def exceptions(seed: Path) -> list[Exception_]:
    return [e for e in EXCEPTIONS if seed.name.startswith(e.seed)]


def _names(toml: dict[str, Any], seed: Path) -> dict[str, str]:
    """TOML unit keys to the names the reader gives (a name the text does not print as the
    reader has it)."""
    names = {u["key"]: u["name"] for u in toml.get("units", [])}
    renamed = {e.toml: e.reader for e in exceptions(seed) if e.what == "name"}
    return {key: renamed.get(name, name) for key, name in names.items()}


def expected_units(seed: Path) -> set[tuple[str, str | None]]:
    toml = transcription(seed)
    names = _names(toml, seed)
    dropped = {e.toml for e in exceptions(seed) if e.what == "unit"}
    unknown = {e.toml for e in exceptions(seed) if e.what == "parent"}
    found = set()
    for unit in toml.get("units", []):
        name = names[unit["key"]]
        if name in dropped:
            continue
        parent = names.get(unit["parent"]) if unit["parent"] else None
        found.add((name, None if parent in unknown else parent))
    return {(name, parent) for name, parent in found if name}


def found_units(reading: Reading) -> set[tuple[str, str | None]]:
    return {(f.name, f.parent) for f in reading.facts() if isinstance(f, UnitFact)}


def _row(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["category"], row.get("grade"), row.get("authorized"), row["current"],
            row.get("women"))


def expected_staffing(seed: Path) -> set[StaffingKey]:
    toml = transcription(seed)
    names = _names(toml, seed)
    return {
        (names[s["unit"]], s["reference_date"], s.get("women"), s.get("note"),
         frozenset(_row(r) for r in s["rows"]))
        for s in toml.get("staffing", [])
    }


def found_staffing(reading: Reading) -> set[StaffingKey]:
    return {
        (f.unit, f.reference_date.isoformat(), f.women, f.note,
         frozenset((r.category, r.grade, r.authorized, r.current, r.women) for r in f.rows))
        for f in reading.facts() if isinstance(f, StaffingFact)
    }


def expected_budget(seed: Path) -> set[BudgetKey]:
    toml = transcription(seed)
    names = _names(toml, seed)
    owners = {(e.item, e.toml): e.reader for e in exceptions(seed) if e.what == "owner"}
    found = set()
    for b in toml.get("budget", []):
        unit = names[b["unit"]]
        unit = owners.get((b["item"], unit), unit)
        found.add((unit, b["fiscal_year"], b.get("account"), b["item"], b["reference_date"],
                   b["money_unit"], b["budgeted"], b.get("executed"), b.get("projects"),
                   b.get("note")))
    return found


def found_budget(reading: Reading) -> set[BudgetKey]:
    return {
        (f.unit, f.fiscal_year, f.account, f.item, f.reference_date.isoformat(), f.money_unit,
         f.budgeted, f.executed, f.projects, f.note)
        for f in reading.facts() if isinstance(f, BudgetFact)
    }


def _column(column: str) -> str:
    return "집행률" if "%" in column or "집행률" in column else unspaced(column)


def expected_checks(seed: Path) -> list[tuple[str, str, float]]:
    """The transcription's staffing and budget checks: row, column and printed figure."""
    return sorted(
        (unspaced(c["row"]), _column(c["column"]), float(c["printed"]))
        for c in transcription(seed).get("checks", []) if "staffing" in c or "budget" in c
    )


def found_checks(reading: Reading) -> list[tuple[str, str, float]]:
    return sorted(
        (unspaced(c.row).rstrip(":"), _column(c.column), float(c.printed))
        for t in reading.tables if t.kind in ("staffing", "budget") for c in t.checks
    )


def misprints(seed: Path) -> dict[tuple[str, float], float]:
    """The transcription's misprinted figures: (row, printed) -> what the facts give."""
    return {(unspaced(c["row"]), float(c["printed"])): float(c["misprint"]["reads"])
            for c in transcription(seed).get("checks", []) if "misprint" in c}


def figure_cells(reading: Reading) -> list[Cell]:
    """Every printed figure of the staffing and budget tables: the facts' and the totals'."""
    found: dict[tuple[int, int], Cell] = {}
    for table in reading.tables:
        if table.kind not in ("staffing", "budget"):
            continue
        for cell in table.cells:
            found[(cell.line, cell.start)] = cell
        for check in table.checks:
            if check.cell is not None:
                found[(check.cell.line, check.cell.start)] = check.cell
    return [found[key] for key in sorted(found)]


_FIGURE = re.compile(r"^([-－△]?)(\d[\d,]*)(?:\.(\d+))?$")


def bumped(figure: str) -> str:
    """A printed figure changed by one in its last digit (`-` is 0, so it becomes `1`; in
    `1조 6,100억` the 억 figure changes)."""
    if figure.strip() in ("-", "－"):
        return "1"
    if "억" in figure:
        amount = figure.rstrip("억원")
        head, space, last = amount.rpartition(" ")
        return f"{head}{space}{bumped(last)}{figure[len(amount):]}"
    found = _FIGURE.match(figure)
    assert found is not None, figure
    sign, whole, decimals = found.groups()
    digits = int(whole.replace(",", "") + (decimals or ""))
    value = -digits if sign else digits
    value += 1
    text = str(abs(value))
    if decimals:
        text = f"{text[: -len(decimals)] or '0'}.{text[-len(decimals):]}"
    elif "," in whole:
        text = f"{abs(value):,}"
    return ("-" if value < 0 else "") + text


def perturbed(text: str, cell: Cell) -> str:
    lines = normalize(text).split("\n")
    line = lines[cell.line - 1]
    figure = bumped(line[cell.start : cell.end])
    lines[cell.line - 1] = line[: cell.start] + figure + line[cell.end :]
    return "\n".join(lines)


def names_cell(reading: Reading, baseline: set[str], cell: Cell) -> bool:
    """Whether a problem the baseline did not have names the cell (its line and place, its row,
    and its column where the problem knows the column)."""
    return any(
        found.line == cell.line and found.start == cell.start and found.row == cell.row
        and found.column in ("", cell.column)
        for problem in reading.problems if str(problem) not in baseline
        for found in problem.cells
    )
