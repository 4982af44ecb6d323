"""The 총괄 of an audit's follow-ups: '총 37건' and the table of category x status with its row
and column 계, each printed figure a Check counting the follow-ups read."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from domain.names import clean, unspaced
from reports.model import Check, Reading, Skipped, Source, TaskFact
from reports.reading.milestones import bullet_text
from reports.reading.outline import bare
from reports.reading.text import parse_int
from reports.reading.totals import check_total, unreadable

STATUSES = {
    "추진완료": "COMPLETED",
    "완료": "COMPLETED",
    "추진중": "IN_PROGRESS",
    "검토중": "UNDER_REVIEW",
    "미반영": "NOT_ADOPTED",
    "불수용": "NOT_ADOPTED",
    "추진예정": "PLANNED",
    "예정": "PLANNED",
}
TOTAL = "계"
_COUNT = re.compile(r"총\s*(?P<count>\d[\d,]*)\s*건")


def status_of(printed: str) -> str | None:
    """The status a printed 추진상황 or column label states (추진 중 is IN_PROGRESS)."""
    return STATUSES.get(unspaced(printed))


@dataclass
class Summary:
    """The 총괄 as printed: its title, the '총 N건' line, the table caption and its rows."""

    title: str
    count: tuple[str, str, Source] | None = None
    caption: str | None = None
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[str, list[str], Source]] = field(default_factory=list)

    @property
    def categories(self) -> list[str]:
        return [label for label, _, _ in self.rows if unspaced(label) != TOTAL]

    @property
    def table(self) -> str:
        return f"{self.title} ({self.caption})" if self.caption else self.title

    def category_of(self, heading: str) -> str:
        """The row label a category's heading stands for: the same words (건의 사항 is
        건의사항), or the label whose words before its parenthesis open the heading (기타사항
        is 기타(자료제출 등)); the heading itself where the 총괄 names none."""
        closed = unspaced(heading)
        for label in self.categories:
            if unspaced(label) == closed:
                return label
        for label in self.categories:
            head = unspaced(label).split("(")[0]
            if head and closed.startswith(head):
                return label
        return closed


def is_summary_heading(line: str) -> bool:
    return unspaced(bare(line)) == "총괄"


def read_summary_line(summary: Summary, line: str, number: int) -> bool:
    """Take one line of the 총괄 block; False when the line is no longer part of it."""
    cells = [clean(c) for c in line.split("\t")]
    if len(cells) > 1:
        return _table_line(summary, cells, Source(number, line))
    if summary.rows:
        return False
    text = bullet_text(line) or bare(line)
    if (found := _COUNT.search(text)) is not None:
        label = text.partition(":")[0].strip() if ":" in text else text[: found.start()].strip()
        summary.count = (label, found["count"], Source(number, line))
    elif text:
        summary.caption = text
    return True


def _table_line(summary: Summary, cells: list[str], source: Source) -> bool:
    if not summary.columns:
        if unspaced(cells[0]) != "구분":
            return False
        summary.columns = cells[1:]
    else:
        summary.rows.append((cells[0], cells[1:], source))
    return True


def summary_checks(reading: Reading, summary: Summary, facts: Sequence[TaskFact]) -> list[Check]:
    """Every printed figure of the 총괄, counted from the follow-ups read."""
    found: list[Check] = []
    if summary.count is not None:
        label, printed, source = summary.count
        where = (summary.title, label, "총")
        found.append(check_total(reading, where, _figure(printed), len(facts), source, len(facts)))
    columns = _status_columns(reading, summary)
    for label, cells, source in summary.rows:
        category = None if unspaced(label) == TOTAL else label
        for column, cell in zip(summary.columns, cells, strict=False):
            if column not in columns:
                continue
            where = (summary.table, label, column)
            counted = [
                fact
                for fact in facts
                if category in (None, fact.category) and columns[column] in (None, fact.status)
            ]
            check = _cell_check(reading, where, cell, len(counted), source)
            if check is not None:
                found.append(check)
    return found


def _status_columns(reading: Reading, summary: Summary) -> dict[str, str | None]:
    """The columns that count follow-ups: 계 (None) and each of a status; the others skipped."""
    columns: dict[str, str | None] = {}
    for column in summary.columns:
        status = status_of(column)
        if unspaced(column) == TOTAL or status is not None:
            columns[column] = status
        else:
            line = summary.rows[0][2].line if summary.rows else 0
            why = f"column '{column}' counts no status"
            reading.skipped.append(Skipped(line, line, summary.table, why))
    return columns


def _cell_check(
    reading: Reading, where: tuple[str, str, str], cell: str, computed: int, source: Source
) -> Check | None:
    figure = parse_int(cell)
    if figure is None:
        unreadable(reading, where, cell, source.line)
        return None
    return check_total(reading, where, figure, computed, source, computed)


def _figure(printed: str) -> int:
    return int(printed.replace(",", ""))
