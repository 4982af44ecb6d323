"""Budgets by account and fiscal year: columns per fiscal year (`2019년 최종(사업수)`,
`2020년(사업수)`, `2020년 계획(사업수)`: the amount and, in parentheses, the number of projects)
and 증감; one table per account (일반회계 by department, 특별회계, 기금 by fund) and a 총괄표
whose rows are the accounts. One BudgetFact per row and fiscal year.

A 최종 (final) budget is stated as of the last day of its fiscal year; another column as of
the table's own date, else the report's. A row of a department is that department's line
(item `<account> 예산`); a fund's row is owned by the one department whose 담당업무 names the
fund, else by the report's unit. A 총괄표 row of an account that has its own table is a total
(checked against that table's lines), otherwise a line of the report's unit."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from reports.model import BudgetFact, Cell, Reading, Table
from reports.reading import units
from reports.reading.placement import Option, Placed, distinct, ordered_slots
from reports.reading.tables import (
    TOTALS,
    Region,
    caption_title,
    cell_at,
    record_check,
    record_resolutions,
    report,
    row_label,
    source,
)
from reports.reading.text import (
    MONEY_FACTORS,
    Token,
    find_date,
    first_figure,
    join_spaced,
    korean_amount,
    label,
    money_unit,
    round_to,
    tokens,
)

ACCOUNTS = ("일반회계", "특별회계", "기금")
SUMMARY = "총괄"
_YEAR = re.compile(r"(\d{4})\s*년\s*([가-힣]*)\s*(\(\s*사업수\s*\))?")
_HEADLINE = re.compile(r"예\s*산")


@dataclass(frozen=True)
class Slot:
    kind: str
    """amount, projects or change."""
    year: int
    title: str


@dataclass
class Line:
    """A row of a table: its label, where it is printed, and its figures by slot."""

    name: str
    index: int
    values: tuple[int, ...]
    cells: dict[int, Cell]


@dataclass
class Parsed:
    region: Region
    table: Table
    account: str | None
    summary: bool
    slots: list[Slot]
    unit: str
    days: dict[int, date]
    rows: list[Line]


def knows(header: str) -> bool:
    return _slots(header) is not None


def _slots(header: str) -> list[Slot] | None:
    text = join_spaced(header).removeprefix("구분").strip()
    found: list[Slot] = []
    for match in _YEAR.finditer(text):
        year, kind, projects = int(match.group(1)), match.group(2), match.group(3)
        title = f"{year}년" + (f" {kind}" if kind else "")
        found.append(Slot("amount", year, title))
        if projects:
            found.append(Slot("projects", year, f"{title} (사업수)"))
    rest = label(_YEAR.sub("", text))
    if not found or rest not in ("", "증감"):
        return None
    if rest:
        found.append(Slot("change", found[-1].year, "증감"))
    return found


def read_tables(lines: Sequence[str], regions: Sequence[Region], reading: Reading) -> None:
    parsed = [p for p in (_parse(lines, region, reading) for region in regions) if p is not None]
    owners = units.functions(lines)
    detailed = {p.account for p in parsed if not p.summary}
    facts: list[tuple[BudgetFact, list[Cell]]] = []
    for table in parsed:
        facts += _facts(lines, reading, table, owners, detailed)
    for table in parsed:
        _checks(lines, reading, table, facts)
    if parsed:
        _headline(lines, reading, parsed[0], facts)


def _parse(lines: Sequence[str], region: Region, reading: Reading) -> Parsed | None:
    slots = _slots(label(" ".join(lines[i] for i in region.header)))
    caption = " ".join(lines[i] for i in region.caption)
    unit = money_unit(caption)
    assert slots is not None and unit is not None
    table = Table("budget", caption_title(lines, region), region.first + 1, region.last + 1)
    reading.tables.append(table)
    account = next((a for a in ACCOUNTS if a in label(caption)), None)
    day = find_date(caption) or reading.reference_date
    if day is None:
        report(reading, table.title, region.first + 1, "", "", "no reference date")
        return None
    days = {s.year: date(s.year, 12, 31) if "최종" in s.title else day for s in slots}
    parsed = Parsed(region, table, account, SUMMARY in label(caption), slots, unit, days, [])
    for row in region.rows:
        line = _line(lines, row[0], slots, reading, table)
        if line is None:
            return None
        parsed.rows.append(line)
    return parsed


def _line(
    lines: Sequence[str], index: int, slots: list[Slot], reading: Reading, table: Table
) -> Line | None:
    """A row's figures by slot: its printed amounts, parenthesised project counts and change
    placed in order by kind, and where cells vanished, by its 증감; None (and a Problem) where
    they fit the slots in more than one way or in none."""
    text = lines[index]
    name = row_label(text)
    found = [t for t in tokens(text, first_figure(text)) if t.kind in ("num", "paren")]

    def fits(cell: int, slot: int) -> bool:
        return (slots[slot].kind == "projects") == (found[cell].kind == "paren")

    options = [_option(found, chosen, len(slots))
               for chosen in ordered_slots(len(found), len(slots), fits)]
    balanced = [o for o in options if _balanced(o, slots)] if len(options) > 1 else options
    if len(distinct(balanced)) != 1:
        printed = [cell_at(index, t.start, t.end, name, "") for t in found]
        report(reading, table.title, index + 1, name, "", "the printed figures do not fit the "
               "columns in exactly one way", printed)
        return None
    option = balanced[0]
    titles = [slot.title for slot in slots]
    if len(options) > 1:
        why = f"of {len(options)} placements in print order, only this one meets the row's 증감"
        record_resolutions(table, source(lines, index), name, titles, options, option, why)
    cells = {p.slot: cell_at(index, p.start, p.end, name, titles[p.slot]) for p in option.cells}
    return Line(name, index, option.values, cells)


def _option(found: Sequence[Token], chosen: Sequence[int], width: int) -> Option:
    values = [0] * width
    for token, slot in zip(found, chosen, strict=True):
        values[slot] = token.value
    placed = tuple(Placed(t.start, t.end, t.text, slot, t.text)
                   for t, slot in zip(found, chosen, strict=True))
    return Option(tuple(values), placed)


def _balanced(option: Option, slots: list[Slot]) -> bool:
    amounts = [i for i, s in enumerate(slots) if s.kind == "amount"]
    changes = [i for i, s in enumerate(slots) if s.kind == "change"]
    return all(option.values[c] == option.values[amounts[-1]] - option.values[amounts[0]]
               for c in changes)


def _facts(
    lines: Sequence[str], reading: Reading, parsed: Parsed, owners: dict[str, str],
    detailed: set[str | None],
) -> list[tuple[BudgetFact, list[Cell]]]:
    found: list[tuple[BudgetFact, list[Cell]]] = []
    for row in parsed.rows:
        if row.name in TOTALS or (parsed.summary and row.name in detailed):
            continue
        account = row.name if parsed.summary and row.name in ACCOUNTS else parsed.account
        unit, item = _owner(row.name, account, reading.unit, owners)
        for i, slot in enumerate(parsed.slots):
            if slot.kind != "amount":
                continue
            projects = _projects(parsed.slots, i)
            fact = BudgetFact(
                unit, slot.year, account, item, parsed.days[slot.year], parsed.unit, row.values[i],
                parsed.table.title, source(lines, row.index),
                projects=row.values[projects] if projects is not None else None)
            cells = [row.cells[j] for j in (i, projects) if j is not None and j in row.cells]
            parsed.table.facts.append(fact)
            parsed.table.cells.extend(cells)
            found.append((fact, cells))
    return found


def _projects(slots: list[Slot], amount: int) -> int | None:
    following = amount + 1
    if following < len(slots) and slots[following].kind == "projects":
        return following
    return None


def _owner(name: str, account: str | None, own: str, owners: dict[str, str]) -> tuple[str, str]:
    """The unit and item of a row: a department's line of its account, or an item (a fund) of
    the department whose 담당업무 names it (else of the report's unit)."""
    if units.is_unit_name(name):
        return name, f"{account or ''} 예산".strip()
    if account in ACCOUNTS and name == account:
        return own, f"{account} 예산"
    managing = [unit for unit, work in owners.items() if name in work]
    return (managing[0] if len(managing) == 1 else own), name


def _checks(
    lines: Sequence[str], reading: Reading, parsed: Parsed,
    facts: list[tuple[BudgetFact, list[Cell]]],
) -> None:
    """Every printed total of a table: each row's 증감, the 합계 row, the 총괄표's account
    rows, and an amount in 억 in the caption."""
    own = [(f, c) for f, c in facts if f.table == parsed.table.title]
    for row in parsed.rows:
        if row.name in TOTALS:
            scope = facts if parsed.summary else own
        elif parsed.summary and row.name in ACCOUNTS:
            scope = [(f, c) for f, c in facts if f.account == row.name]
        else:
            scope = [(f, c) for f, c in own if f.source.line == row.index + 1]
        totals = row.name in TOTALS or (parsed.summary and row.name in ACCOUNTS)
        _row_checks(lines, reading, parsed, row, scope, totals)
    _caption(lines, reading, parsed, own)


def _row_checks(
    lines: Sequence[str], reading: Reading, parsed: Parsed, row: Line,
    scope: list[tuple[BudgetFact, list[Cell]]], totals: bool,
) -> None:
    years = sorted({s.year for s in parsed.slots})
    for i, slot in enumerate(parsed.slots):
        cell = row.cells.get(i)
        if cell is None or (slot.kind != "change" and not totals):
            continue
        computed, covers = _computed(slot, scope, years)
        record_check(reading, parsed.table, lines, cell, row.values[i], computed, covers)


def _computed(
    slot: Slot, scope: list[tuple[BudgetFact, list[Cell]]], years: list[int]
) -> tuple[int, list[Cell]]:
    def of(year: int, kind: str) -> tuple[int, list[Cell]]:
        chosen = [(f, c) for f, c in scope if f.fiscal_year == year]
        if kind == "projects":
            cells = [c for _, cs in chosen for c in cs if "사업수" in c.column]
            return sum(f.projects or 0 for f, _ in chosen), cells
        cells = [c for _, cs in chosen for c in cs if "사업수" not in c.column]
        return sum(f.budgeted for f, _ in chosen), cells

    if slot.kind != "change":
        return of(slot.year, slot.kind)
    last, first = of(years[-1], "amount"), of(years[0], "amount")
    return last[0] - first[0], last[1] + first[1]


def _caption(
    lines: Sequence[str], reading: Reading, parsed: Parsed,
    scope: list[tuple[BudgetFact, list[Cell]]],
) -> None:
    for index in parsed.region.caption:
        _rounded(lines, reading, parsed, index, scope)


def _rounded(
    lines: Sequence[str], reading: Reading, parsed: Parsed, index: int,
    scope: list[tuple[BudgetFact, list[Cell]]],
) -> None:
    """An amount in 조 and 억 (`총 6,023억`): the latest year's lines, rounded to 억원."""
    found = korean_amount(lines[index])
    if found is None:
        return
    printed, unit, (start, end) = found
    year = max(f.fiscal_year for f, _ in scope) if scope else 0
    chosen = [(f, c) for f, c in scope if f.fiscal_year == year]
    whole = sum(f.budgeted * MONEY_FACTORS[f.money_unit] for f, _ in chosen)
    computed = round_to(whole, MONEY_FACTORS[unit])
    heading = label(lines[index][:start]).lstrip("○●").rstrip(":：") or unit
    cell = cell_at(index, start, end, heading, unit)
    covers = [c for _, cs in chosen for c in cs if "사업수" not in c.column]
    record_check(reading, parsed.table, lines, cell, printed, computed, covers)


def _headline(
    lines: Sequence[str], reading: Reading, first: Parsed,
    facts: list[tuple[BudgetFact, list[Cell]]],
) -> None:
    """The budget's total size printed above its first table (`예 산 총규모 : 1조 6,100억원`)."""
    for index in range(first.region.first - 1, max(first.region.first - 4, -1), -1):
        if _HEADLINE.search(lines[index]) and korean_amount(lines[index]):
            _rounded(lines, reading, first, index, facts)
            first.table.first_line = index + 1
            return
