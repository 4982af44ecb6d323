"""Tab-separated tables with a two-row header, as the extraction prints them: a first row of
group captions (each spanning the columns up to the next caption), a second row of column
labels, then rows of a label and figures."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from domain.names import clean, unspaced
from reports.model import Source
from reports.reading.outline import plain
from reports.reading.text import join_spaced, parse_int

_PERCENT = re.compile(r"\(\s*\d+(?:\.\d+)?\s*%\s*\)")
_MEASURES = ("개소", "명", "건", "개", "종", "회")


@dataclass(frozen=True)
class Grid:
    """A two-row-header tab table as printed: group captions, column labels and data rows."""

    header: int
    groups: list[tuple[str, int, int]]
    """Each caption with the first and the past-last column it spans."""
    columns: list[str]
    rows: list[tuple[str, list[str], Source]]


def tab_blocks(lines: list[str]) -> list[tuple[int, int]]:
    """The first and last line of each run of tab-separated lines."""
    blocks: list[tuple[int, int]] = []
    for number, line in enumerate(lines, start=1):
        if "\t" not in line:
            continue
        if blocks and blocks[-1][1] == number - 1:
            blocks[-1] = (blocks[-1][0], number)
        else:
            blocks.append((number, number))
    return blocks


def caption_above(lines: list[str], start: int) -> str:
    """The nearest non-blank line above a table: what the report calls it."""
    for number in range(start - 1, 0, -1):
        if text := plain(lines[number - 1]):
            return text
    return ""


def grid_at(lines: list[str], start: int, end: int) -> Grid | None:
    """The table printed on lines start to end, if its header is two rows under a 구분."""
    if end - start < 2:
        return None
    top = [clean(c) for c in lines[start - 1].split("\t")]
    columns = [label(c) for c in lines[start].split("\t")]
    if unspaced(top[0]) != "구분" or columns[0]:
        return None
    starts = [i for i, caption in enumerate(top) if i > 0 and caption]
    bounds = [*starts[1:], len(columns)]
    groups = [(label(top[s]), s, e) for s, e in zip(starts, bounds, strict=True)]
    rows = []
    for number in range(start + 2, end + 1):
        cells = [clean(c) for c in lines[number - 1].split("\t")]
        rows.append((label(cells[0]), cells, Source(number, lines[number - 1])))
    return Grid(start, groups, columns, rows)


def label(text: str) -> str:
    """A label as printed, spaced-out words closed up and no space at a `·`."""
    return re.sub(r"\s*·\s*", "·", join_spaced(text))


def whole_figures(grid: Grid, first: int, past: int) -> dict[tuple[str, str], int] | None:
    """Every cell of the group as a whole number, by (row, column); None if one is not."""
    found: dict[tuple[str, str], int] = {}
    for row, cells, _ in grid.rows:
        for index in range(first, past):
            cell = _PERCENT.sub("", cells[index] if index < len(cells) else "").strip()
            value = parse_int(cell)
            if value is None:
                return None
            found[(row, grid.columns[index])] = value
    return found


def restated_measure(lines: list[str], grid: Grid) -> str | None:
    """The unit the report prints after one of the table's figures where it restates them
    elsewhere (`평균 975명`): the most frequent one."""
    printed = {
        figure
        for _, cells, _ in grid.rows
        for cell in cells[1:]
        if len(figure := _PERCENT.sub("", cell).strip()) >= 3 and parse_int(figure) is not None
    }
    if not printed:
        return None
    pattern = re.compile(
        rf"(?<![\d,])(?:{'|'.join(map(re.escape, printed))})\s*(?P<unit>{'|'.join(_MEASURES)})"
    )
    last = grid.rows[-1][2].line if grid.rows else grid.header
    counted = Counter(
        found["unit"]
        for number, line in enumerate(lines, start=1)
        if not grid.header <= number <= last
        for found in pattern.finditer(line)
    )
    return counted.most_common(1)[0][0] if counted else None
