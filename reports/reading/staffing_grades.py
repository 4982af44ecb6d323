"""A staffing table by job category and grade: columns 총계, then per category its 소계 and
grades; rows 정원 (authorized) and 현원 (current). One StaffingFact for the report's unit.

Tab-separated text keeps every cell in its column. Space-separated text keeps the cells in
order but loses the empty ones; a row with fewer cells than columns is placed by its own totals
(총계 and 소계), and only where exactly one placement meets them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from reports.model import Cell, Reading, StaffingFact, StaffingRowFact, Table
from reports.reading.placement import Option, Placed, distinct, ordered_slots
from reports.reading.tables import (
    TOTALS,
    Region,
    caption_title,
    cell_at,
    finish,
    is_tabbed,
    record_check,
    record_resolutions,
    report,
    row_label,
    source,
)
from reports.reading.text import first_figure, label, parse_int, tab_cells, tokens

CATEGORIES = ("관리운영직", "일반직", "별정직", "임기제", "기능직", "계약직", "연구직", "지도직",
              "정무직", "전문경력관", "시간선택제")
_CATEGORY = re.compile("|".join(CATEGORIES) + r"|[가-힣]+?(?:직|제)")
FIELDS = ("정원", "현원")


@dataclass(frozen=True)
class Column:
    name: str
    """As printed: 총계, 소계, 5급, 2급상당."""
    category: str | None
    total: bool

    @property
    def title(self) -> str:
        return f"{self.category} {self.name}" if self.total and self.category else self.name

    def sums(self, other: Column) -> bool:
        """Whether this total sums the other column."""
        return not other.total and self.category in (None, other.category)


@dataclass(frozen=True)
class Placement:
    """A row as placed: its figures by column and the cells printed in them."""

    values: tuple[int, ...]
    cells: dict[int, Cell]


def categories(text: str) -> list[str] | None:
    """Job categories printed one after another (`일반직별정직`, spaces removed); None where
    something else is left."""
    found: list[str] = _CATEGORY.findall(text)
    return found if found and "".join(found) == text else None


def read_table(lines: Sequence[str], region: Region, reading: Reading, day: date) -> bool:
    """Read the table; False where its header is not one of categories and grades, or its
    rows are not 정원 and 현원."""
    columns = _columns(lines, region.header)
    rows = {row_label(lines[row[0]]): row[0] for row in region.rows}
    known = "현원" in rows and not set(rows) - set(FIELDS) and len(rows) == len(region.rows)
    if columns is None or not known:
        return False
    table = Table("staffing", caption_title(lines, region), region.first + 1, region.last + 1)
    reading.tables.append(table)
    placed = {name: _place(lines, index, name, columns, reading, table)
              for name, index in rows.items()}
    if all(placed.values()):
        rows_placed = {name: p for name, p in placed.items() if p is not None}
        _facts(lines, region, reading, table, columns, rows_placed, day)
        _checks(lines, reading, table, columns, rows_placed)
    finish(table)
    return True


def _columns(lines: Sequence[str], header: Sequence[int]) -> list[Column] | None:
    if is_tabbed(lines[header[0]]):
        return _tab_columns([[cell for cell, _, _ in tab_cells(lines[i])] for i in header])
    grades = [i for i in header if re.search(r"소계|\d급", lines[i])]
    if len(grades) != 1:
        return None
    top = "".join(label(lines[i]) for i in header if i != grades[0]).removeprefix("구분")
    leading: list[str] = []
    for word in TOTALS:
        while top.startswith(word):
            leading.append(word)
            top = top.removeprefix(word)
    found = categories(top)
    names = lines[grades[0]].split()
    if found is None or len(found) != max(1, names.count("소계")):
        return None
    columns = [Column(word, None, True) for word in leading]
    following = iter(found)
    category = found[0] if "소계" not in names else None
    for name in names:
        if name == "소계":
            category = next(following)
        columns.append(Column(name, category, name == "소계"))
    return columns


def _tab_columns(header: list[list[str]]) -> list[Column] | None:
    """Columns of a tabbed header: a category cell spans the columns up to the next one."""
    columns: list[Column] = []
    category: str | None = None
    for index in range(1, max(len(cells) for cells in header)):
        printed = [label(cells[index]) for cells in header if index < len(cells) and cells[index]]
        if not printed:
            continue
        if categories(printed[0]) == [printed[0]]:
            category = printed[0]
        name = printed[-1]
        columns.append(Column(name, None if name == "총계" else category, name in TOTALS))
    return columns if all(c.category or c.total for c in columns) else None


def _options(lines: Sequence[str], index: int, count: int) -> list[Option]:
    """Every order-keeping placement of the row's printed cells (one for a tabbed row, whose
    cells keep their columns)."""
    text = lines[index]
    if is_tabbed(text):
        printed = tab_cells(text)[1 : count + 1]
        values = [parse_int(cell) or 0 for cell, _, _ in printed]
        cells = tuple(Placed(b, e, c, slot, c) for slot, (c, b, e) in enumerate(printed) if c)
        return [Option(tuple(values + [0] * (count - len(values))), cells)]
    found = [t for t in tokens(text, first_figure(text)) if t.kind == "num"]
    options = []
    for slots in ordered_slots(len(found), count):
        figures = [0] * count
        for token, slot in zip(found, slots, strict=True):
            figures[slot] = token.value
        placed = tuple(Placed(t.start, t.end, t.text, s, t.text)
                       for t, s in zip(found, slots, strict=True))
        options.append(Option(tuple(figures), placed))
    return options


def _meets_totals(values: Sequence[int], columns: Sequence[Column]) -> bool:
    return all(values[i] == _sum(values, columns, c) for i, c in enumerate(columns) if c.total)


def _sum(values: Sequence[int], columns: Sequence[Column], total: Column) -> int:
    return sum(v for v, c in zip(values, columns, strict=True) if total.sums(c))


def _place(
    lines: Sequence[str], index: int, name: str, columns: list[Column], reading: Reading,
    table: Table,
) -> Placement | None:
    """The row's figures by column and its printed cells; None (and a Problem) where the
    totals do not place its cells in exactly one way."""
    options = _options(lines, index, len(columns))
    titles = [c.title for c in columns]
    chosen = options[0] if len(options) == 1 else None
    if chosen is None:
        meeting = [o for o in options if _meets_totals(o.values, columns)]
        if len(distinct(meeting)) != 1:
            found = "no placement" if not meeting else "more than one placement"
            printed = [cell_at(index, t.start, t.end, name, "")
                       for t in tokens(lines[index], first_figure(lines[index]))]
            report(reading, table.title, index + 1, name, "",
                   f"{found} of the row's {len(printed)} printed cells into its "
                   f"{len(columns)} columns meets its totals", printed)
            return None
        chosen = meeting[0]
        why = (f"the row prints {len(chosen.cells)} of {len(columns)} cells; of the "
               f"{len(options)} placements that keep their order, only this one meets its "
               "printed totals (" + ", ".join(c.title for c in columns if c.total) + ")")
        record_resolutions(table, source(lines, index), name, titles, options, chosen, why)
    cells = {c.slot: cell_at(index, c.start, c.end, name, titles[c.slot]) for c in chosen.cells}
    return Placement(chosen.values, cells)


def _facts(
    lines: Sequence[str], region: Region, reading: Reading, table: Table, columns: list[Column],
    rows: dict[str, Placement], day: date,
) -> None:
    facts = []
    for i, column in enumerate(columns):
        if column.total or column.category is None:
            continue
        resolved = [r.why for r in table.resolutions if r.column == column.title]
        authorized = rows["정원"].values[i] if "정원" in rows else None
        current = rows["현원"].values[i]
        facts.append(StaffingRowFact(column.category, column.name, authorized, current,
                                     resolution="; ".join(resolved) or None))
    for row in rows.values():
        table.cells += [cell for i, cell in sorted(row.cells.items()) if not columns[i].total]
    note = " ".join(lines[i].strip().lstrip("※*").strip() for i in region.notes) or None
    table.facts.append(StaffingFact(reading.unit, day, tuple(facts), table.title,
                                    source(lines, region.rows[0][0]), note=note))


def _checks(
    lines: Sequence[str], reading: Reading, table: Table, columns: list[Column],
    rows: dict[str, Placement],
) -> None:
    """Each row's printed 총계 and 소계, against the grades they sum."""
    for row in rows.values():
        for i, column in enumerate(columns):
            cell = row.cells.get(i)
            if not column.total or cell is None:
                continue
            covers = [row.cells[j] for j, c in enumerate(columns)
                      if j in row.cells and column.sums(c)]
            record_check(reading, table, lines, cell, row.values[i],
                         _sum(row.values, columns, column), covers)
