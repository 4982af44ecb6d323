"""Indicator tables: tab-separated tables whose header groups columns under a caption, read as
indicators where a group is one of two shapes:

- a cross-section at a printed date (`공무원 현원 ('12.12.31 현재)` over 전체 / 시 / 자치구): each
  column but the total is an indicator per row, its period and reference date the printed date;
  the total column (전체, 계) is a check of each row;
- a series by year (`전·출입 교류 (시↔구)` over 평균 / '10년 / '11년 / '12년): each row is an
  indicator with a point per year; 평균 is a check (the mean, rounded half up).

A 계 row is a check of every column. The unit of measure is 명 for a headcount, else the one
the report prints after the table's figures where it restates them (`평균 975명`). Figures that
are not whole counts, and tables of other shapes inside the task chapters, are skipped."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from domain.names import unspaced
from reports.model import Check, IndicatorPointFact, Reading, Skipped, Source, Table
from reports.reading.grids import (
    Grid,
    caption_above,
    grid_at,
    restated_measure,
    tab_blocks,
    whole_figures,
)
from reports.reading.task_list import read_list
from reports.reading.tasks import task_chapters
from reports.reading.text import find_date
from reports.reading.totals import check_total, mean_half_up

_TOTAL_ROWS = ("계", "합계", "총계")
_TOTAL_COLUMNS = ("전체", "계", "합계")
_AVERAGE = "평균"
_YEAR = re.compile(r"^['’‘`]?(?P<year>\d{2}|\d{4})년?$")
_HEADCOUNTS = ("현원", "정원", "인원")


def read(lines: list[str], reading: Reading) -> None:
    """Append the indicator tables of every tab table; skip the other tables of task chapters."""
    regions = _task_regions(lines)
    for start, end in tab_blocks(lines):
        grid = grid_at(lines, start, end)
        why = _read_grid(lines, grid, reading) if grid is not None else "no two-row header"
        inside = any(first < start <= last for first, last in regions)
        if why and inside:
            reading.skipped.append(Skipped(start, end, caption_above(lines, start), why))


def _task_regions(lines: list[str]) -> list[tuple[int, int]]:
    """The bodies of the task chapters: after each chapter's list (its tasks' own index)."""
    regions: list[tuple[int, int]] = []
    for chapter, end in task_chapters(lines):
        listed = read_list(lines, chapter.line + 1, end)
        regions.append((max(chapter.line, listed.end), end))
    return regions


def _read_grid(lines: list[str], grid: Grid, reading: Reading) -> str:
    """Read the groups of indicator shape; why the table was not read ('' if it was)."""
    why = "no group is a cross-section at a date or a series by year"
    for caption, first, past in grid.groups:
        labels = grid.columns[first:past]
        at = find_date(caption)
        if at is not None and any(unspaced(label) in _TOTAL_COLUMNS for label in labels):
            table = _cross_section(lines, grid, (caption, first, past), at, reading)
        elif any(_YEAR.match(label) for label in labels):
            table = _series(lines, grid, (caption, first, past), reading)
        else:
            continue
        if isinstance(table, str):
            why = table
        else:
            reading.tables.append(table)
            why = ""
    return why


def _measure(lines: list[str], grid: Grid, caption: str) -> str | None:
    """명 for a headcount (현원, 정원, 인원); else the unit printed with the table's figures where
    the report restates them."""
    if any(word in unspaced(caption) for word in _HEADCOUNTS):
        return "명"
    return restated_measure(lines, grid)


def _cross_section(
    lines: list[str], grid: Grid, group: tuple[str, int, int], at: date, reading: Reading
) -> Table | str:
    caption, first, past = group
    figures = whole_figures(grid, first, past)
    if figures is None:
        return "figures that are not whole counts"
    measure = _measure(lines, grid, caption)
    if measure is None:
        return "no unit of measure printed for its figures"
    labels = grid.columns[first:past]
    total = next(label for label in labels if unspaced(label) in _TOTAL_COLUMNS)
    parts = [label for label in labels if label != total]
    base = re.sub(r"\s*\([^()]*\)\s*$", "", caption)
    table = _table(caption, grid)
    for row, cells, source in grid.rows:
        if unspaced(row) in _TOTAL_ROWS:
            continue
        for column in parts:
            index = first + labels.index(column)
            point = _Point(f"{base} ({column}) {row}", caption, measure, at.isoformat(), at, True)
            table.facts.append(point.fact(reading, figures[(row, column)], cells[index], source))
    table.checks.extend(_cross_checks(reading, grid, caption, (total, parts), figures))
    return table


def _cross_checks(
    reading: Reading,
    grid: Grid,
    caption: str,
    columns: tuple[str, list[str]],
    figures: dict[tuple[str, str], int],
) -> list[Check]:
    total, parts = columns
    data = [row for row, _, _ in grid.rows if unspaced(row) not in _TOTAL_ROWS]
    found: list[Check] = []
    for row, _, source in grid.rows:
        summed = data if unspaced(row) in _TOTAL_ROWS else [row]
        for column in [total, *parts] if summed is data else [total]:
            covered = parts if column == total else [column]
            computed = sum(figures[(r, c)] for r in summed for c in covered)
            cells = len(summed) * len(covered)
            where = (caption, row, column)
            found.append(
                check_total(reading, where, figures[(row, column)], computed, source, cells)
            )
    return found


def _series(
    lines: list[str], grid: Grid, group: tuple[str, int, int], reading: Reading
) -> Table | str:
    caption, first, past = group
    figures = whole_figures(grid, first, past)
    if figures is None:
        return "figures that are not whole counts"
    measure = _measure(lines, grid, caption)
    if measure is None:
        return "no unit of measure printed for its figures"
    labels = grid.columns[first:past]
    years = {label: _year(label, reading) for label in labels if _YEAR.match(label)}
    table = _table(caption, grid)
    reported = reading.reference_date
    assert reported is not None
    for row, cells, source in grid.rows:
        if unspaced(row) in _TOTAL_ROWS:
            continue
        for column, year in years.items():
            ended = date(year, 12, 31) < reported
            point = _Point(f"{caption} {row}", caption, measure, str(year), reported, ended)
            cell = cells[first + labels.index(column)]
            table.facts.append(point.fact(reading, figures[(row, column)], cell, source))
    average = next((label for label in labels if unspaced(label) == _AVERAGE), None)
    table.checks.extend(_series_checks(reading, grid, (caption, list(years), average), figures))
    return table


def _series_checks(
    reading: Reading,
    grid: Grid,
    columns: tuple[str, Sequence[str], str | None],
    figures: dict[tuple[str, str], int],
) -> list[Check]:
    caption, years, average = columns
    data = [row for row, _, _ in grid.rows if unspaced(row) not in _TOTAL_ROWS]
    found: list[Check] = []
    for row, _, source in grid.rows:
        summed = data if unspaced(row) in _TOTAL_ROWS else [row]
        checked = [*years, average] if summed is data else [average]
        for column in checked:
            if column is None:
                continue
            covered = [column] if column in years else years
            total = sum(figures[(r, y)] for r in summed for y in covered)
            computed = total if column in years else mean_half_up(total, len(years))
            cells = len(summed) * len(covered)
            where = (caption, row, column)
            found.append(
                check_total(reading, where, figures[(row, column)], computed, source, cells)
            )
    return found


def _year(label: str, reading: Reading) -> int:
    found = _YEAR.match(label)
    assert found is not None and reading.reference_date is not None
    year = int(found["year"])
    return year if year >= 100 else reading.reference_date.year // 100 * 100 + year


def _table(caption: str, grid: Grid) -> Table:
    last = grid.rows[-1][2].line if grid.rows else grid.header + 1
    return Table("indicators", caption, grid.header, last)


@dataclass(frozen=True)
class _Point:
    """What the points of one indicator share: name, group, measure, period, reference date,
    and whether the value is an actual (a count at a printed date, or of a year that has
    ended by the report's date) or a target."""

    name: str
    group: str
    measure: str
    period: str
    reference_date: date
    actual: bool

    def fact(self, reading: Reading, value: int, cell: str, source: Source) -> IndicatorPointFact:
        return IndicatorPointFact(
            unit=reading.unit,
            name=self.name,
            measure=self.measure,
            period=self.period,
            kind="ACTUAL" if self.actual else "TARGET",
            value=value,
            reference_date=self.reference_date,
            source=source,
            group=self.group,
            printed=cell if cell.replace(",", "") != str(value) else None,
        )
