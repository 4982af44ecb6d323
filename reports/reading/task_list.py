"""The list of a report's major tasks: the items printed under the task chapter's heading (①
to ⑤, `1.` to `12.`, or a table of contents with groups I-IV and page numbers), or, where the
report prints no list, the numbered headings of the body. Each item knows its group (the
heading it is listed under, where the list has groups) and the lines of its body."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from reports.reading.outline import (
    CIRCLED,
    ROMAN,
    Heading,
    alike,
    chapter_at,
    is_blank,
    numbered_at,
    plain,
    roman_value,
)
from reports.reading.text import join_spaced

_PAGE = r"(?:\t+\d+)?"
_GROUP_ITEM = re.compile(rf"^(?P<numeral>{ROMAN})\t+(?P<title>[^\t]+?){_PAGE}$")
_CIRCLED_ITEM = re.compile(rf"^(?P<mark>[{CIRCLED}])\s*(?P<title>[^\t]+?){_PAGE}$")
_NUMBER_ITEM = re.compile(rf"^(?P<mark>\d{{1,2}})(?P<dot>\.?)\s+(?P<title>[^\t]+?){_PAGE}$")
_UNNUMBERED_ITEM = re.compile(rf"^※\t+(?P<title>[^\t]+?){_PAGE}$")
_SAME_TITLE = 0.6


@dataclass
class Item:
    """One task as listed: its number, its mark as printed (①, 1.), title, group, and body."""

    number: int
    mark: str
    title: str
    line: int
    group: Heading | None = None
    body: list[str] = field(default_factory=list)


@dataclass
class TaskList:
    items: list[Item]
    groups: list[Heading]
    unnumbered: list[Heading]
    """Entries the list prints without a number (`※ '13년 행정국 일자리 창출 계획`)."""
    end: int
    """The last line of the list, where the body begins after it."""


def _list_entry(line: str, number: int) -> Item | Heading | None:
    text = plain(line)
    if (found := _GROUP_ITEM.match(text)) is not None:
        return Heading(found["numeral"], join_spaced(found["title"]), number)
    if (found := _UNNUMBERED_ITEM.match(text)) is not None:
        return Heading("※", join_spaced(found["title"]), number)
    if (found := _CIRCLED_ITEM.match(text)) is not None:
        mark = found["mark"]
        return Item(CIRCLED.index(mark) + 1, mark, join_spaced(found["title"]), number)
    if (found := _NUMBER_ITEM.match(text)) is not None:
        value = int(found["mark"])
        return Item(value, f"{value}.", join_spaced(found["title"]), number)
    return None


def read_list(lines: list[str], start: int, end: int) -> TaskList:
    """The list printed from line start on: consecutive entries, blank lines between them; a
    number that does not grow (the body's first heading) ends it. Fewer than two items are no
    list (a body heading)."""
    found = TaskList([], [], [], start - 1)
    group: Heading | None = None
    for number in range(start, end + 1):
        line = lines[number - 1]
        if is_blank(line):
            continue
        entry = _list_entry(line, number)
        if entry is None or (isinstance(entry, Item) and _restarts(found, group, entry)):
            break
        if isinstance(entry, Item):
            entry.group = group
            found.items.append(entry)
        elif entry.label == "※":
            found.unnumbered.append(entry)
        else:
            group = entry
            found.groups.append(entry)
        found.end = number
    if len(found.items) < 2:
        return TaskList([], [], [], start - 1)
    return found


def _restarts(found: TaskList, group: Heading | None, item: Item) -> bool:
    previous = [i.number for i in found.items if i.group is group]
    return bool(previous) and item.number <= previous[-1]


def attach_bodies(lines: list[str], tasks: TaskList, start: int, end: int) -> None:
    """Give each listed item the lines of its body: from its numbered heading to the next one,
    within the body's group headings; an unnumbered entry's heading ends the body before it."""
    group: Heading | None = None
    current: Item | None = None
    for number in range(start, end + 1):
        heading = _body_group(lines, number, tasks)
        if heading is not None:
            group, current = heading, None
            continue
        item = _body_item(lines, number, end, tasks, group, current)
        if item is not None:
            current = item
        elif _is_unnumbered(lines[number - 1], tasks):
            current = None
        elif current is not None:
            current.body.append(lines[number - 1])


def _body_group(lines: list[str], number: int, tasks: TaskList) -> Heading | None:
    heading = chapter_at(lines, number)
    return matching_group(heading, tasks.groups) if heading is not None else None


def matching_group(heading: Heading, groups: list[Heading]) -> Heading | None:
    """The listed group a chapter-like heading of the body opens (same numeral, like title)."""
    for group in groups:
        same_value = roman_value(group.label) == roman_value(heading.label)
        if same_value and alike(group.title, heading.title, _SAME_TITLE):
            return group
    return None


def _body_item(
    lines: list[str],
    number: int,
    end: int,
    tasks: TaskList,
    group: Heading | None,
    current: Item | None,
) -> Item | None:
    heading = numbered_at(lines, number, end)
    if heading is None:
        return None
    expected = current.number + 1 if current is not None and current.group is group else 1
    if int(heading.label) != expected:
        return None
    for item in tasks.items:
        if item.group is group and item.number == expected:
            return item if alike(item.title, heading.title, _SAME_TITLE) else None
    return None


def _is_unnumbered(line: str, tasks: TaskList) -> bool:
    text = plain(line)
    return bool(text) and any(alike(e.title, text, 0.8) for e in tasks.unnumbered)


def body_headings(lines: list[str], start: int, end: int) -> TaskList:
    """Where the report prints no list: the numbered headings of the body (1, 2, 3 ... in
    order) are the items, each with the lines up to the next as its body."""
    found = TaskList([], [], [], start - 1)
    current: Item | None = None
    for number in range(start, end + 1):
        heading = numbered_at(lines, number, end)
        expected = current.number + 1 if current is not None else 1
        if heading is not None and int(heading.label) == expected and " : " not in heading.title:
            current = Item(expected, f"{expected}.", heading.title, number)
            found.items.append(current)
        elif current is not None:
            current.body.append(lines[number - 1])
    return found
