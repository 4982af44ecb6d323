"""A staffing table by department and job category, each cell a pair 정원 / 현원: columns 합계
and the categories, a row per department (women in parentheses after its 합계, where a legend
says so) and a 계 row. One StaffingFact per department.

Extraction loses empty cells and sometimes half a pair (`1 /`, `/ 1`, a lone `1`), so a row's
pairs are read every way the slashes allow, placed in order into the categories, and kept only
where they meet the row's 합계; the 계 row's column totals then choose among the rows, and the
table is read only where exactly one assignment of figures meets every total."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from reports.model import Cell, Reading, StaffingFact, StaffingRowFact, Table
from reports.reading.placement import Option, Placed, distinct, ordered_slots, solve
from reports.reading.staffing_grades import categories
from reports.reading.tables import (
    TOTALS,
    Region,
    caption_title,
    cell_at,
    finish,
    record_check,
    record_resolutions,
    report,
    row_label,
    source,
)
from reports.reading.text import Token, first_figure, label, tokens

FIELDS = ("정원", "현원")
_HEADLINE = re.compile(r"(\d[\d,]*)\s*/\s*(\d[\d,]*)\s*명?\s*\(\s*정\s*원\s*/\s*현\s*원\s*\)")


@dataclass(frozen=True)
class Pair:
    """A pair as one reading of the slashes takes it: its figures, and the tokens they came
    from with the half (0 정원, 1 현원) each gives."""

    values: tuple[int, int]
    numbers: tuple[tuple[Token, int], ...]
    start: int
    end: int


@dataclass
class Row:
    name: str
    index: int
    total: Pair
    women: Token | None
    options: list[Option]
    pairs: dict[Option, tuple[Pair, ...]] = field(default_factory=dict)
    """The pairs each option reads."""


@dataclass
class Grid:
    """The table as read: its categories, unit rows and 계 row."""

    table: Table
    names: list[str]
    units: list[Row]
    total: Row | None

    @property
    def columns(self) -> list[str]:
        return [f"{name} {half}" for name in self.names for half in FIELDS]


def has_pairs(lines: Sequence[str], region: Region) -> bool:
    return any(t.kind == "slash" for row in region.rows for t in tokens(lines[row[0]]))


def read_table(lines: Sequence[str], region: Region, reading: Reading, day: date) -> bool:
    """Read the table; False where its header or rows are not of this shape."""
    header = label(lines[region.header[0]]).removeprefix("구분")
    names = categories(header.removeprefix("합계").removeprefix("총계")) or []
    rows = [_row(lines, line[0], len(names)) for line in region.rows]
    legend = " ".join(label(lines[i]) for i in region.notes)
    parens = any(row is not None and row.women for row in rows)
    if not names or None in rows or (parens and "여성" not in legend):
        return False
    read = [row for row in rows if row is not None]
    table = Table("staffing", caption_title(lines, region), region.first + 1, region.last + 1)
    reading.tables.append(table)
    totals = [row for row in read if row.name in TOTALS]
    grid = Grid(table, names, [row for row in read if row.name not in TOTALS],
                totals[0] if len(totals) == 1 else None)
    chosen = _choose(lines, reading, grid)
    if chosen is not None:
        _facts(lines, grid, chosen, day)
        _checks(lines, region, reading, grid, chosen)
    finish(table)
    return True


def _pair(toks: Sequence[Token], at: int) -> list[tuple[Pair, int]]:
    """The ways a pair can start at toks[at]: `a / b`, `a /`, `/ b`, `/`, and a number with no
    slash beside it as either half. Returns each pair with where the next one starts."""
    token = toks[at]
    after = toks[at + 1] if at + 1 < len(toks) else None
    third = toks[at + 2] if at + 2 < len(toks) else None
    found: list[tuple[Pair, int]] = []
    if token.kind == "num" and after is not None and after.kind == "slash":
        if third is not None and third.kind == "num":
            both = ((token, 0), (third, 1))
            found.append((Pair((token.value, third.value), both, token.start, third.end), at + 3))
        found.append((Pair((token.value, 0), ((token, 0),), token.start, after.end), at + 2))
    elif token.kind == "num" and not (at and toks[at - 1].kind == "slash"):
        found.append((Pair((token.value, 0), ((token, 0),), token.start, token.end), at + 1))
        if token.value:
            found.append((Pair((0, token.value), ((token, 1),), token.start, token.end), at + 1))
    elif token.kind == "slash":
        if after is not None and after.kind == "num":
            found.append((Pair((0, after.value), ((after, 1),), token.start, after.end), at + 2))
        found.append((Pair((0, 0), (), token.start, token.end), at + 1))
    return found


def readings(toks: Sequence[Token], at: int = 0) -> list[tuple[Pair, ...]]:
    """Every way to read toks as a sequence of pairs."""
    if at == len(toks):
        return [()]
    return [(pair, *rest) for pair, following in _pair(toks, at)
            for rest in readings(toks, following)]


def _row(lines: Sequence[str], index: int, width: int) -> Row | None:
    """A row: its 합계 pair (printed whole), women, and every option for its other pairs."""
    text = lines[index]
    toks = tokens(text, first_figure(text))
    heads = [pair for pair, _ in _pair(toks, 0) if len(pair.numbers) == 2] if toks else []
    women = toks[3] if len(toks) > 3 and toks[3].kind == "paren" else None
    rest = toks[3 + (women is not None) :]
    if not heads or not width or any(t.kind == "paren" for t in rest):
        return None
    row = Row(row_label(text), index, heads[0], women, [])
    for pairs in readings(rest):
        for slots in ordered_slots(len(pairs), width):
            values = [0] * (2 * width)
            placed = []
            for pair, slot in zip(pairs, slots, strict=True):
                values[2 * slot], values[2 * slot + 1] = pair.values
                reading = f"{pair.values[0]}/{pair.values[1]}"
                printed = text[pair.start : pair.end]
                placed.append(Placed(pair.start, pair.end, printed, slot, reading))
            option = Option(tuple(values), tuple(placed))
            row.options.append(option)
            row.pairs[option] = pairs
    return row


def _meets_total(row: Row, option: Option) -> bool:
    return (sum(option.values[0::2]), sum(option.values[1::2])) == row.total.values


def _choose(lines: Sequence[str], reading: Reading, grid: Grid) -> list[Option] | None:
    """The option of each unit row that the totals choose; None (and a Problem) where they do
    not choose exactly one assignment of figures."""
    title = grid.table.title
    candidates: list[list[Option]] = []
    for row in grid.units:
        options = row.options if len(row.options) == 1 else [
            o for o in row.options if _meets_total(row, o)]
        if not options:
            report(reading, title, row.index + 1, row.name, "", "no reading of the row's pairs "
                   "meets its 합계", _printed(row))
            return None
        candidates.append(options)
    if all(len(distinct(options)) == 1 for options in candidates):
        return [options[0] for options in candidates]
    total = grid.total
    if total is None or len(total.options) != 1:
        report(reading, title, grid.units[0].index + 1, "", "", "cells vanished and no complete "
               "계 row gives the column totals to place them")
        return None
    outcome = solve(candidates, dict(enumerate(total.options[0].values)))
    if outcome.choice is None:
        found = "no assignment" if outcome.solutions == 0 else "more than one assignment"
        cells = [c for row, options in zip(grid.units, candidates, strict=True)
                 for c in (_printed(row) if len(options) > 1 else _cells(row, options[0], grid))]
        cells += _cells(total, total.options[0], grid)
        report(reading, title, total.index + 1, total.name, ", ".join(grid.columns),
               f"{found} of the rows' pairs to the categories meets the column totals", cells)
        return None
    chosen = [distinct(options)[i] for options, i in zip(candidates, outcome.choice, strict=True)]
    _resolve(lines, grid, candidates, chosen)
    return chosen


def _printed(row: Row) -> list[Cell]:
    """Every figure a row prints, its column unknown."""
    found = {(t.start, t.end) for pairs in row.pairs.values() for p in pairs for t, _ in p.numbers}
    found |= {(t.start, t.end) for t, _ in row.total.numbers}
    return [cell_at(row.index, start, end, row.name, "") for start, end in sorted(found)]


def _resolve(
    lines: Sequence[str], grid: Grid, candidates: list[list[Option]], chosen: list[Option]
) -> None:
    assert grid.total is not None
    sums = grid.total.options[0].values
    totals = ", ".join(f"{name} {sums[2 * i]}/{sums[2 * i + 1]}"
                       for i, name in enumerate(grid.names))
    for row, options, option in zip(grid.units, candidates, chosen, strict=True):
        if len(options) == 1:
            continue
        cells = option.cells
        printed = lines[row.index][cells[0].start : cells[-1].end] if cells else ""
        why = (f"printed '{printed}' after the 합계 {row.total.values[0]}/{row.total.values[1]}; "
               f"of the {len(distinct(options))} readings in print order that meet that 합계, "
               f"only this one lets every row meet the column totals ({totals})")
        record_resolutions(grid.table, source(lines, row.index), row.name, grid.names, options,
                           option, why)


def _facts(lines: Sequence[str], grid: Grid, chosen: list[Option], day: date) -> None:
    table = grid.table
    for row, option in zip(grid.units, chosen, strict=True):
        why = {r.column: r.why for r in table.resolutions if r.source.line == row.index + 1}
        facts = tuple(
            StaffingRowFact(name, None, option.values[2 * i], option.values[2 * i + 1],
                            resolution=why.get(name))
            for i, name in enumerate(grid.names))
        women = row.women.value if row.women else None
        table.facts.append(StaffingFact(row.name, day, facts, table.title,
                                        source(lines, row.index), women=women))
        table.cells.extend(_cells(row, option, grid))
        if row.women:
            table.cells.append(cell_at(row.index, row.women.start, row.women.end, row.name, "여성"))


def _cells(row: Row, option: Option, grid: Grid) -> list[Cell]:
    """The figures of a row's pairs, each in the column the option puts it."""
    found = []
    for placed, pair in zip(option.cells, row.pairs[option], strict=True):
        for token, half in pair.numbers:
            column = f"{grid.names[placed.slot]} {FIELDS[half]}"
            found.append(cell_at(row.index, token.start, token.end, row.name, column))
    return found


def _checks(
    lines: Sequence[str], region: Region, reading: Reading, grid: Grid, chosen: list[Option]
) -> None:
    """Each row's 합계, the 계 row (every column, 합계 and women), and a headline 정원/현원."""
    by_field = {half: [c for c in grid.table.cells if c.column.endswith(half)] for half in FIELDS}
    for row, option in zip(grid.units, chosen, strict=True):
        for half, name in enumerate(FIELDS):
            token = row.total.numbers[half][0]
            cell = cell_at(row.index, token.start, token.end, row.name, f"합계 {name}")
            covers = [c for c in by_field[name] if c.line == row.index + 1]
            record_check(reading, grid.table, lines, cell, token.value,
                         sum(option.values[half::2]), covers)
    if grid.total is not None:
        _total_checks(lines, reading, grid, chosen, by_field)
    for index in region.caption:
        found = _HEADLINE.search(lines[index])
        if found is None:
            continue
        heading = label(lines[index][: found.start()]) or "인력"
        for half, name in enumerate(FIELDS):
            cell = cell_at(index, found.start(half + 1), found.end(half + 1), heading, name)
            computed = sum(sum(o.values[half::2]) for o in chosen)
            printed = int(found.group(half + 1).replace(",", ""))
            record_check(reading, grid.table, lines, cell, printed, computed, by_field[name])


def _total_checks(
    lines: Sequence[str], reading: Reading, grid: Grid, chosen: list[Option],
    by_field: dict[str, list[Cell]],
) -> None:
    total = grid.total
    assert total is not None
    for cell in _cells(total, total.options[0], grid):
        column = grid.columns.index(cell.column)
        covers = [c for c in grid.table.cells if c.column == cell.column]
        printed = total.options[0].values[column]
        record_check(reading, grid.table, lines, cell, printed,
                     sum(o.values[column] for o in chosen), covers)
    for half, name in enumerate(FIELDS):
        token = total.total.numbers[half][0]
        cell = cell_at(total.index, token.start, token.end, total.name, f"합계 {name}")
        record_check(reading, grid.table, lines, cell, token.value,
                     sum(sum(o.values[half::2]) for o in chosen), by_field[name])
    if total.women is not None:
        women = [row.women.value for row in grid.units if row.women is not None]
        cell = cell_at(total.index, total.women.start, total.women.end, total.name, "합계 (여성)")
        covers = [c for c in grid.table.cells if c.column == "여성"]
        record_check(reading, grid.table, lines, cell, total.women.value, sum(women), covers)
