"""Budget execution by expense item: columns 예산액, 집행액, 잔액 (and 비고), a row per item
and a 계 row; the execution rate printed in the 집행액 cell (`56,732 (15.9%)`) or under it
(`(집행률 24.4%)`). One BudgetFact per item for the fiscal year of the reference date.

In space-separated text a row may run over several lines (the 잔액 and the 비고 below the
rest); a row that prints fewer amounts than columns is placed by 잔액 = 예산액 − 집행액 and the
계 row's totals, and only where exactly one placement meets them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from reports.model import BudgetFact, Cell, Reading, Table
from reports.reading.placement import Option, Placed, distinct, ordered_slots, solve
from reports.reading.tables import (
    TOTALS,
    Region,
    caption_title,
    cell_at,
    is_tabbed,
    record_check,
    record_resolutions,
    report,
    row_label,
    source,
)
from reports.reading.text import (
    amount_and_rate,
    find_date,
    first_figure,
    label,
    money_unit,
    parse_int,
    percent,
    rate_span,
    tab_cells,
    tokens,
)

MONEY = ("예산액", "집행액", "잔액")
WORDS = ("예산액", "집행액", "잔액", "집행률", "비고")
_WORD = re.compile("|".join(WORDS))
RATE = "집행률"


@dataclass
class Row:
    name: str
    index: int
    printed: list[Placed] = field(default_factory=list)
    """The amounts as printed (slot: the column where the text fixes it, else -1)."""
    rate: Cell | None = None
    rate_value: float | None = None
    note: str | None = None
    options: list[Option] = field(default_factory=list)


def columns(header: str) -> list[str] | None:
    """The columns of a header (spaces removed), or None where it has other words."""
    rest = header.removeprefix("구분")
    found = _WORD.findall(rest)
    return found if "".join(found) == rest and "예산액" in found else None


def knows(header: str) -> bool:
    return columns(header) is not None


def read_table(lines: Sequence[str], region: Region, reading: Reading) -> None:
    names = columns(label(" ".join(lines[i] for i in region.header)))
    caption = " ".join(lines[i] for i in region.caption)
    day = find_date(caption) or reading.reference_date
    unit = money_unit(caption)
    assert names is not None and unit is not None
    table = Table("budget", caption_title(lines, region), region.first + 1, region.last + 1)
    reading.tables.append(table)
    if day is None:
        report(reading, table.title, region.first + 1, "", "", "no reference date")
        return
    money = [n for n in names if n in MONEY]
    rows = [_row(lines, row, names, money) for row in region.rows]
    if _place(lines, reading, table, rows, money):
        _facts(lines, reading, table, rows, money, day, unit)


def _row(lines: Sequence[str], indexes: Sequence[int], names: list[str], money: list[str]) -> Row:
    first = lines[indexes[0]]
    row = Row(row_label(first), indexes[0])
    notes: list[str] = []
    for index in indexes:
        text = lines[index]
        if is_tabbed(text):
            _tab_cells(row, index, text, names, money, notes)
            continue
        found = tokens(text, first_figure(text) if index == indexes[0] else 0)
        row.printed += [Placed(t.start, t.end, t.text, -1, t.text, index) for t in found
                        if t.kind == "num"]
        _rate(row, index, text)
        if index != indexes[0] and not found and not text.strip().startswith("("):
            notes.append(text.strip())
    row.note = " ".join(notes) or None
    row.options = _options(row, len(money))
    return row


def _tab_cells(
    row: Row, index: int, text: str, names: list[str], money: list[str], notes: list[str]
) -> None:
    for name, (cell, begin, _) in zip(names, tab_cells(text)[1:], strict=False):
        if name in MONEY:
            amount, _ = amount_and_rate(cell)
            if amount:
                row.printed.append(Placed(begin, begin + len(amount), amount, money.index(name),
                                          amount, index))
            _rate(row, index, text, begin)
        elif name == "비고" and cell:
            notes.append(cell)


def _rate(row: Row, index: int, text: str, start: int = 0) -> None:
    span = rate_span(text[start:])
    if span is not None and row.rate is None:
        begin, end = span[0] + start, span[1] + start
        row.rate = cell_at(index, begin, end, row.name, RATE)
        row.rate_value = float(text[begin:end])


def _options(row: Row, width: int) -> list[Option]:
    if all(p.slot >= 0 for p in row.printed) and any(p.slot >= 0 for p in row.printed):
        slots = [tuple(p.slot for p in row.printed)]
    else:
        slots = list(ordered_slots(len(row.printed), width))
    options = []
    for chosen in slots:
        values = [0] * width
        placed = []
        for cell, slot in zip(row.printed, chosen, strict=True):
            values[slot] = parse_int(cell.text) or 0
            placed.append(Placed(cell.start, cell.end, cell.text, slot, cell.text, cell.line))
        options.append(Option(tuple(values), tuple(placed)))
    return options


def _balanced(option: Option, money: list[str]) -> bool:
    if len(money) < 3:
        return True
    budgeted, executed, remaining = (option.values[money.index(n)] for n in MONEY)
    return remaining == budgeted - executed


def _place(
    lines: Sequence[str], reading: Reading, table: Table, rows: list[Row], money: list[str]
) -> bool:
    """Choose each row's placement; False (and a Problem) where the totals do not choose one."""
    totals = [r for r in rows if r.name in TOTALS]
    items = [r for r in rows if r.name not in TOTALS]
    for row in rows:
        if len(row.options) > 1:
            row.options = [o for o in row.options if _balanced(o, money)]
        if not row.options or (row.name in TOTALS and len(distinct(row.options)) > 1):
            cells = [cell_at(p.line, p.start, p.end, row.name, "") for p in row.printed]
            report(reading, table.title, row.index + 1, row.name, "", "the printed amounts do "
                   "not fit the columns in exactly one way", cells)
            return False
    if all(len(distinct(r.options)) == 1 for r in items):
        return True
    if len(totals) != 1:
        report(reading, table.title, items[0].index + 1, "", "", "cells vanished and no 계 row "
               "gives the totals to place them")
        return False
    outcome = solve([r.options for r in items], dict(enumerate(totals[0].options[0].values)))
    if outcome.choice is None:
        cells = [cell_at(p.line, p.start, p.end, r.name, "") for r in rows for p in r.printed]
        report(reading, table.title, totals[0].index + 1, totals[0].name, ", ".join(money),
               "the 계 row's totals do not place the rows' amounts in exactly one way", cells)
        return False
    for row, index in zip(items, outcome.choice, strict=True):
        chosen = distinct(row.options)[index]
        if len(distinct(row.options)) > 1:
            why = "only this placement meets 잔액 = 예산액 − 집행액 and the 계 row's totals"
            record_resolutions(table, source(lines, row.index), row.name, money, row.options,
                               chosen, why)
        row.options = [chosen]
    return True


def _facts(
    lines: Sequence[str], reading: Reading, table: Table, rows: list[Row], money: list[str],
    day: date, unit: str,
) -> None:
    items = [r for r in rows if r.name not in TOTALS]
    for row in items:
        values = dict(zip(money, row.options[0].values, strict=True))
        executed = values.get("집행액") if "집행액" in money else None
        table.facts.append(BudgetFact(
            reading.unit, day.year, None, row.name, day, unit, values["예산액"], table.title,
            source(lines, row.index), executed=executed, note=row.note))
        table.cells += [c for c in _cells(row, money) if c.column in ("예산액", "집행액")]
    for row in rows:
        _checks(lines, reading, table, row, items if row.name in TOTALS else [row], money)


def _cells(row: Row, money: list[str]) -> list[Cell]:
    return [cell_at(p.line, p.start, p.end, row.name, money[p.slot]) for p in row.options[0].cells]


def _checks(
    lines: Sequence[str], reading: Reading, table: Table, row: Row, over: list[Row],
    money: list[str],
) -> None:
    """The totals a row prints: its 잔액 and rate, and for the 계 row every column."""
    sums = {n: sum(r.options[0].values[money.index(n)] for r in over) for n in money}
    if "잔액" in sums:
        sums["잔액"] = sums["예산액"] - sums.get("집행액", 0)
    covers = {n: [c for r in over for c in _cells(r, money) if c.column == n] for n in money}
    spent = covers.get("예산액", []) + covers.get("집행액", [])
    for cell in _cells(row, money):
        if cell.column == "잔액" or row.name in TOTALS:
            printed = row.options[0].values[money.index(cell.column)]
            cover = spent if cell.column == "잔액" else covers[cell.column]
            record_check(reading, table, lines, cell, printed, sums[cell.column], cover)
    if row.rate is not None and row.rate_value is not None:
        computed = percent(sums.get("집행액", 0), sums["예산액"])
        misprint = _misprint(row.rate_value, sums.get("집행액", 0), sums["예산액"], table)
        record_check(reading, table, lines, row.rate, row.rate_value, computed, spent,
                     misprint if computed != row.rate_value else None)


def _misprint(printed: float, executed: int, budgeted: int, table: Table) -> str | None:
    """Why a printed rate that is the exact rate rounded twice (to 0.01, then to 0.1) is a
    misprint rather than a problem, where every other total of the table agrees."""
    if not budgeted or any(not c.agrees for c in table.checks if c.column != RATE):
        return None
    exact = Decimal(executed * 100) / Decimal(budgeted)
    twice = exact.quantize(Decimal("0.01"), ROUND_HALF_UP).quantize(Decimal("0.1"), ROUND_HALF_UP)
    if float(twice) != printed:
        return None
    rounded = percent(executed, budgeted)
    return (f"{executed:,} / {budgeted:,} = {exact:.3f}%, which rounds to {rounded}%; the "
            f"printed {printed}% is it rounded twice ({exact:.2f} -> {twice}), and the amounts "
            "agree with every other total")
