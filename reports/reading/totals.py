"""A printed total checked against what the facts read give for it; a disagreeing total is a
Problem naming the file, line, table, row and column."""

from __future__ import annotations

from reports.model import Check, Problem, Reading, Source


def check_total(
    reading: Reading,
    where: tuple[str, str, str],
    printed: int,
    computed: int,
    source: Source,
    cells: int,
) -> Check:
    """The Check of one printed total (where = table, row, column); a Problem if it disagrees."""
    table, row, column = where
    found = Check(table, row, column, printed, computed, source, cells)
    if not found.agrees:
        reading.problems.append(
            Problem(
                reading.file,
                source.line,
                table,
                row,
                column,
                "the printed total disagrees with the figures read",
                str(printed),
                str(computed),
            )
        )
    return found


def unreadable(reading: Reading, where: tuple[str, str, str], cell: str, line: int) -> None:
    """A total whose cell is not a figure: it cannot be checked, so the reading stops."""
    table, row, column = where
    reading.problems.append(
        Problem(reading.file, line, table, row, column, "the printed total is not a figure", cell)
    )


def mean_half_up(total: int, count: int) -> int:
    """total / count rounded half up to a whole number, as a printed 평균 column (total >= 0)."""
    return (2 * total + count) // (2 * count)
