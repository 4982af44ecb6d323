"""The major tasks of a report (주요업무, 현안업무, 주요사업): each listed task with its number,
title, group, section and the milestones of its '향후 계획'; then the audit follow-ups
(reports/audit.py). Titles come from the chapter's list where it prints one (a table of
contents is the report's own index of its tasks), else from the numbered headings of the body."""

from __future__ import annotations

from domain.names import unspaced
from reports.model import Problem, Reading, Skipped, Source, Table, TaskFact
from reports.reading import audit
from reports.reading.milestones import plan_milestones
from reports.reading.outline import Heading, chapters
from reports.reading.task_list import (
    Item,
    TaskList,
    attach_bodies,
    body_headings,
    matching_group,
    read_list,
)

MAJOR_TASK = "MAJOR_TASK"
_TASK_CHAPTERS = ("주요업무", "현안업무", "주요사업")


def read(lines: list[str], reading: Reading) -> None:
    """Append the tables of major tasks and audit follow-ups the text prints to reading."""
    if reading.reference_date is None:
        reading.problems.append(
            Problem(reading.file, 0, "tasks", "", "", "no reference date to date the tasks by")
        )
        return
    for chapter, end in task_chapters(lines):
        _read_chapter(lines, chapter, end, reading)
    audit.read(lines, reading)


def task_chapters(lines: list[str]) -> list[tuple[Heading, int]]:
    """Each task chapter and its last line: up to the next chapter that is not one of the
    groups its list names (Ⅲ's groups I-IV are printed as chapter-like headings)."""
    found: list[tuple[Heading, int]] = []
    headings = chapters(lines)
    for index, chapter in enumerate(headings):
        if not any(word in unspaced(chapter.title) for word in _TASK_CHAPTERS):
            continue
        groups = read_list(lines, chapter.line + 1, len(lines)).groups
        end = len(lines)
        for later in headings[index + 1 :]:
            if matching_group(later, groups) is None:
                end = later.line - 1
                break
        found.append((chapter, end))
    return found


def _read_chapter(lines: list[str], chapter: Heading, end: int, reading: Reading) -> None:
    tasks = read_list(lines, chapter.line + 1, end)
    if tasks.items:
        attach_bodies(lines, tasks, tasks.end + 1, end)
    else:
        tasks = body_headings(lines, chapter.line + 1, end)
    table = Table("tasks", chapter.text, chapter.line, end)
    table.facts.extend(_fact(lines, chapter, item, reading) for item in tasks.items)
    reading.tables.append(table)
    _skip_unnumbered(tasks, chapter, reading)


def _fact(lines: list[str], chapter: Heading, item: Item, reading: Reading) -> TaskFact:
    assert reading.reference_date is not None
    path = [chapter.text]
    if item.group is not None:
        path.append(item.group.text)
    path.append(f"{item.mark} {item.title}")
    return TaskFact(
        unit=reading.unit,
        kind=MAJOR_TASK,
        title=item.title,
        valid_from=reading.reference_date,
        source=Source(item.line, lines[item.line - 1]),
        section=" > ".join(path),
        number=item.number,
        category=item.group.title if item.group is not None else None,
        milestones=tuple(plan_milestones(item.body)),
    )


def _skip_unnumbered(tasks: TaskList, chapter: Heading, reading: Reading) -> None:
    for entry in tasks.unnumbered:
        reading.skipped.append(
            Skipped(
                entry.line,
                entry.line,
                f"{chapter.text} > ※ {entry.title}",
                "listed without a number among the tasks: not a task",
            )
        )
