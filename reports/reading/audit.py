"""The follow-ups of a council audit (행정사무감사 처리결과): one task per printed demand, in the
category whose heading it is printed under, with the status its 추진상황 states, the date of
that status where the result says when it was reached ('자료 제출 완료 (2019. 11. 15.)'), the
department named after the demand, and the milestones of its 향후계획; then the 총괄's totals
(reports/audit_summary.py) checked against them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from domain.names import clean, unspaced
from reports.model import Problem, Reading, Skipped, Source, Table, TaskFact
from reports.reading.audit_summary import (
    Summary,
    is_summary_heading,
    read_summary_line,
    status_of,
    summary_checks,
)
from reports.reading.milestones import BULLETS, plan_milestones
from reports.reading.outline import Heading, chapters
from reports.reading.text import find_date

AUDIT_FOLLOW_UP = "AUDIT_FOLLOW_UP"
TITLE_LENGTH = 40
"""A demand longer than this is a description as well: a title is a short form of it."""
_HEADING_LENGTH = 20
_TAG = re.compile(r"<[^>]+>")
_TABLE = re.compile(r"<table.*?</table>", re.S)
_ITEM = re.compile(r"^(?:<p>\s*)?○")
_STATUS = re.compile(r"추진\s*상황\s*:\s*(?P<status>.+)")
_DONE_ON = re.compile(r"완료\s*\((?P<date>[^()]*\d[^()]*)\)")
_RESPONSIBLE = re.compile(r"^(?P<demand>.*\S)\s*\((?P<who>[^()\d]+)\)$")


@dataclass
class _Chapter:
    heading: Heading
    summary: Summary | None = None
    category: str | None = None
    section: str | None = None
    facts: list[TaskFact] = field(default_factory=list)
    table_lines: list[int] = field(default_factory=list)


def read(lines: list[str], reading: Reading) -> None:
    """Append a table of follow-ups, with the 총괄's checks, for each audit chapter."""
    headings = chapters(lines)
    for index, heading in enumerate(headings):
        if "행정사무감사" not in unspaced(heading.title):
            continue
        following = headings[index + 1 :]
        end = following[0].line - 1 if following else len(lines)
        _read_chapter(lines, _Chapter(heading), end, reading)


def _read_chapter(lines: list[str], chapter: _Chapter, end: int, reading: Reading) -> None:
    in_summary = False
    for number in range(chapter.heading.line + 1, end + 1):
        line = lines[number - 1]
        if is_summary_heading(line):
            chapter.summary = Summary(f"{chapter.heading.title} {unspaced(line.strip('□ '))}")
            in_summary = True
        elif in_summary and chapter.summary is not None and line.strip():
            in_summary = read_summary_line(chapter.summary, line, number)
            if not in_summary:
                _read_line(lines, number, chapter, reading)
        elif line.strip():
            _read_line(lines, number, chapter, reading)
    _skip_tables(chapter, reading)
    table = Table("tasks", chapter.heading.text, chapter.heading.line, end)
    table.facts.extend(chapter.facts)
    if chapter.summary is not None:
        table.checks.extend(summary_checks(reading, chapter.summary, chapter.facts))
    reading.tables.append(table)


def _read_line(lines: list[str], number: int, chapter: _Chapter, reading: Reading) -> None:
    line = lines[number - 1]
    cells = line.split("\t")
    if _ITEM.match(cells[0].strip()):
        if chapter.category is None:
            why = "a follow-up before any category heading"
            reading.skipped.append(Skipped(number, number, chapter.heading.text, why))
        else:
            chapter.facts.append(_follow_up(cells, Source(number, line), chapter, reading))
    elif len(cells) > 1:
        if not any(unspaced(c).startswith("조치") for c in cells):
            chapter.table_lines.append(number)
    elif len(unspaced(line)) <= _HEADING_LENGTH and line.strip()[0] not in BULLETS:
        printed = unspaced(line)
        chapter.category = chapter.summary.category_of(printed) if chapter.summary else printed
        chapter.section = f"{chapter.heading.text} > {printed}"
    else:
        reading.skipped.append(
            Skipped(number, number, chapter.section or chapter.heading.text, "not a follow-up")
        )


def _follow_up(cells: list[str], source: Source, chapter: _Chapter, reading: Reading) -> TaskFact:
    assert reading.reference_date is not None and chapter.category is not None
    demand = clean(_TAG.sub(" ", cells[0])).lstrip("○").strip()
    responsible = None
    if (found := _RESPONSIBLE.match(demand)) is not None:
        demand, responsible = found["demand"], clean(found["who"])
    result = _result_lines(cells[1] if len(cells) > 1 else "")
    number = 1 + sum(1 for fact in chapter.facts if fact.category == chapter.category)
    where = (chapter.heading.text, f"{chapter.category} {number}")
    status = _status(result, source, where, reading)
    return TaskFact(
        unit=reading.unit,
        kind=AUDIT_FOLLOW_UP,
        title=demand,
        valid_from=reading.reference_date,
        source=source,
        section=chapter.section,
        number=number,
        description=demand if len(demand) > TITLE_LENGTH else None,
        status=status,
        status_since=_status_since(result) if status == "COMPLETED" else None,
        category=chapter.category,
        responsible=responsible,
        milestones=tuple(plan_milestones(result)),
    )


def _result_lines(html: str) -> list[str]:
    """The result cell as lines: one per tag-separated piece and per ○ point, tables left out."""
    pieces: list[str] = []
    for chunk in _TAG.split(_TABLE.sub("\n", html)):
        pieces.extend(clean(p) for p in re.split(r"(?=○)", chunk) if clean(p))
    return pieces


def _status(
    result: list[str], source: Source, where: tuple[str, str], reading: Reading
) -> str | None:
    """The status 추진상황 states; a status the reader does not know stops the reading."""
    table, row = where
    for piece in result:
        if (found := _STATUS.search(piece)) is not None:
            status = status_of(found["status"])
            if status is None:
                problem = Problem(
                    reading.file,
                    source.line,
                    table,
                    row,
                    "추진상황",
                    "status not understood",
                    found["status"],
                )
                reading.problems.append(problem)
            return status
    return None


def _status_since(result: list[str]) -> date | None:
    for piece in result:
        if (found := _DONE_ON.search(piece)) is not None:
            return find_date(found["date"])
    return None


def _skip_tables(chapter: _Chapter, reading: Reading) -> None:
    """Figure tables the extraction printed again after an item's result cell: not read."""
    runs: list[list[int]] = []
    for number in chapter.table_lines:
        if runs and runs[-1][-1] == number - 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    for run in runs:
        reading.skipped.append(
            Skipped(
                run[0],
                run[-1],
                chapter.heading.text,
                "a figure table inside a follow-up's result, printed again: not read",
            )
        )
