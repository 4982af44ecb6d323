"""What the table readers share: finding a table's caption, header and rows in the text,
recording a printed total as a Check (and a Problem where it disagrees), recording the cells
that only the totals placed, and finishing a table (which cells no total covers)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reports.model import Cell, Check, Problem, Reading, Resolution, Source, Table
from reports.reading.placement import Option, filled_candidates, slot_candidates
from reports.reading.text import (
    first_figure,
    is_heading,
    join_spaced,
    label,
    parse_int,
    tab_cells,
    tokens,
)

TOTALS = ("총계", "합계", "소계", "계")
"""Row and column labels of printed totals."""
BULLETS = ("○", "●", "□", "■", "◦", "▪", "<", "【", "◆", "▷")
_NUMBERING = re.compile(
    r"^\s*(?:#+\s*)?(?:[ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ]+\s*[.．]?|(?:I{1,3}|IV|VI{0,3})(?:\s*[.．]|\s*$)"
    r"|\d{1,2}(?:\.|\s)|[①-⑳])?\s*"
)
_BULLET = re.compile(r"^[○●□■◦▪◆▷#\s]+")
_DOUBLED = re.compile(r"^(\S.*?)\1(?=\s|\(|$)")


@dataclass(frozen=True)
class Region:
    """Where a table is printed: 0-based line indexes of its caption, header, rows (each
    printed row may run over several lines) and notes (※)."""

    caption: tuple[int, ...]
    header: tuple[int, ...]
    rows: tuple[tuple[int, ...], ...]
    notes: tuple[int, ...]

    @property
    def first(self) -> int:
        return min(self.caption + self.header)

    @property
    def last(self) -> int:
        ends = [*self.header, *self.notes, *(line for row in self.rows for line in row)]
        return max(ends)


def is_tabbed(text: str) -> bool:
    return "\t" in text


def row_label(text: str) -> str:
    """The label of a row as printed, spaces of spaced-out cells removed."""
    if is_tabbed(text):
        return label(tab_cells(text)[0][0])
    return label(text[: first_figure(text)])


def has_figures(text: str) -> bool:
    if is_tabbed(text):
        return any(parse_int(cell) is not None and cell for cell, _, _ in tab_cells(text)[1:])
    return bool(tokens(text, first_figure(text)))


_HEADER = re.compile(r"^\s*구\s*분")


def is_header(text: str) -> bool:
    """Whether a line is a table's header row (it opens with 구분)."""
    return bool(_HEADER.match(text))


def title_of(text: str) -> str:
    """A caption as a title: numbering and bullets removed, spaced-out words closed up, and the
    doubled heading of some extractions (`인력 현황인력 현황`) written once."""
    stripped = _BULLET.sub("", _NUMBERING.sub("", text, count=1))
    stripped = join_spaced(stripped)
    return _DOUBLED.sub(r"\1", stripped)


def caption_above(
    lines: Sequence[str], header: int, anchor: Callable[[str], bool], reach: int = 4
) -> tuple[int, ...] | None:
    """The caption lines above a header, up to and including the nearest line that anchor
    accepts (within reach non-empty lines); None where there is none."""
    found: list[int] = []
    index = header - 1
    while index >= 0 and len(found) < reach:
        text = lines[index]
        if text.strip():
            if is_header(text) or (has_figures(text) and not anchor(text)):
                return None
            found.append(index)
            if anchor(text):
                return tuple(sorted(found))
        index -= 1
    return None


def region_below(
    lines: Sequence[str], caption: tuple[int, ...], header: int, prose: bool
) -> Region:
    """The header, rows and notes from a header line down: header lines until the first row
    with figures, rows (a line without a label of its own continues the row above, and with
    prose=True so does text without figures, e.g. a 비고 broken over lines), then ※ notes. The
    table ends at a heading, a bullet, or (prose=False) text after the rows."""
    header_lines = [header]
    rows: list[list[int]] = []
    notes: list[int] = []
    for index in range(header + 1, len(lines)):
        text = lines[index]
        stripped = text.strip()
        if not stripped:
            continue
        if is_heading(text) or stripped.startswith(BULLETS) or is_header(text):
            break
        if stripped.startswith(("※", "*")):
            notes.append(index)
            continue
        if notes:
            break
        figures = has_figures(text)
        if not rows and not figures:
            header_lines.append(index)
        elif figures and row_label(text) and not stripped.startswith("("):
            rows.append([index])
        elif rows and (figures or prose or stripped.startswith("(")):
            rows[-1].append(index)
        else:
            break
    return Region(caption, tuple(header_lines), tuple(tuple(row) for row in rows), tuple(notes))


def caption_title(lines: Sequence[str], region: Region) -> str:
    return " ".join(title_of(lines[index]) for index in region.caption)


def source(lines: Sequence[str], index: int) -> Source:
    """The Source of 0-based line index."""
    return Source(index + 1, lines[index])


def record_check(
    reading: Reading,
    table: Table,
    lines: Sequence[str],
    cell: Cell,
    printed: int | float,
    computed: int | float,
    covers: Sequence[Cell] = (),
    misprint: str | None = None,
) -> None:
    """A printed total as a Check; where it disagrees with the facts (and is no misprint), a
    Problem naming the total and the cells it sums."""
    check = Check(
        table.title, cell.row, cell.column, printed, computed, source(lines, cell.line - 1),
        cells=len(covers), cell=cell, covers=tuple(covers), misprint=misprint,
    )
    table.checks.append(check)
    if not check.agrees and misprint is None:
        reading.problems.append(Problem(
            reading.file, cell.line, table.title, cell.row, cell.column,
            "the printed total disagrees with the cells it totals",
            printed=str(printed), computed=str(computed), cells=(cell, *covers),
        ))


def report(
    reading: Reading, title: str, line: int, row: str, column: str, message: str,
    cells: Sequence[Cell] = (),
) -> None:
    """A Problem of the table titled title, at 1-based line."""
    reading.problems.append(
        Problem(reading.file, line, title, row, column, message, cells=tuple(cells))
    )


def record_resolutions(
    table: Table,
    src: Source,
    row: str,
    columns: Sequence[str],
    options: Sequence[Option],
    chosen: Option,
    why: str,
) -> bool:
    """The cells of a row that the totals placed (those the row's options put in more than one
    column, and the columns they leave empty), as Resolutions; where another placement gives
    the same figures (equal or empty cells swapped), the why says so. True where any."""
    places = slot_candidates(options)
    same = slot_candidates([o for o in options if o.values == chosen.values])
    fills = filled_candidates(options)
    before = len(table.resolutions)
    for cell in chosen.cells:
        slots = places.get((cell.line, cell.start), set())
        if len(slots) < 2:
            continue
        candidates = tuple(columns[slot] for slot in sorted(slots))
        alike = [columns[s] for s in sorted(same[(cell.line, cell.start)]) if s != cell.slot]
        also = f" (in {', '.join(alike)} it gives the same figures)" if alike else ""
        table.resolutions.append(Resolution(
            table.title, row, columns[cell.slot], cell.text, candidates, columns[cell.slot],
            f"read as {cell.reading}{also}: {why}", src,
        ))
    taken = {cell.slot for cell in chosen.cells}
    for slot, printed in sorted(fills.items()):
        if slot not in taken and printed - {""}:
            table.resolutions.append(Resolution(
                table.title, row, columns[slot], "", (*sorted(printed - {""}), ""), "",
                f"no cell printed (the empty cell was lost), so 0: {why}", src,
            ))
    return len(table.resolutions) > before


def finish(table: Table, checks: Sequence[Check] | None = None) -> None:
    """List the table's cells that no printed total covers (of the table's checks, or of
    checks, where totals of one table cover cells of another)."""
    every = table.checks if checks is None else checks
    covered = {(cell.line, cell.start) for check in every for cell in check.covers}
    table.unchecked = [cell for cell in table.cells if (cell.line, cell.start) not in covered]


def cell_at(index: int, start: int, end: int, row: str, column: str) -> Cell:
    """A Cell on 0-based line index."""
    return Cell(index + 1, start, end, row, column)
