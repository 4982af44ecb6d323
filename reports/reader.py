"""Reading a whole report: its cover (title, unit, date of publication), the report's reference
date, every table the readers know, and the stretches of text no reader claimed."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from datetime import date
from typing import cast

from reports.model import Problem, Reading, Skipped
from reports.reading import budget, staffing, units
from reports.reading.tables import has_figures, is_header, is_tabbed, title_of
from reports.reading.text import find_date, find_month, is_heading, join_spaced, label, normalize

Reader = Callable[[list[str], Reading], None]
PART_TWO = ("reports.reading.tasks", "reports.reading.indicators")
UNIT_SUFFIX = re.compile(r"(?:실|국|본부|과|담당관|단|위원회|사업소|센터|관|청)$")
_CHAPTER = re.compile(r"^\s*#*\s*(?:Ⅰ|I)(?:\s*[.．]|\s*$)|^\s*보고\s*순서")
_DATED = re.compile(r"기\s*준|현\s*재")


def read_report(text: str, file: str, unit: str | None = None) -> Reading:
    """The report's text as extracted (PDF or HWP), read into a Reading. Pure. The text is
    NFC-normalised and split at line feeds (a carriage return before one and pdftotext's page
    breaks, form feeds, are dropped); line n
    is lines[n - 1], and every Source and Cell refers to those normalised lines. unit names the
    report's unit where the text does not (a text without its cover); the cover's name wins."""
    lines = [line.rstrip("\r") for line in normalize(text.replace("\f", "")).split("\n")]
    reading = read_cover(lines, file, unit)
    for read in (staffing.read, budget.read, units.read, *_part_two()):
        read(lines, reading)
    reading.skipped.extend(unclaimed(lines, reading))
    reading.skipped.sort(key=lambda skipped: skipped.first_line)
    return reading


def _part_two() -> list[Reader]:
    """The readers of tasks and indicators, where they exist yet."""
    found: list[Reader] = []
    for name in PART_TWO:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        found.append(cast(Reader, module.read))
    return found


def cover_lines(lines: list[str]) -> range:
    """The 0-based indexes of the cover: the lines before the first chapter (or the table of
    contents)."""
    for index, text in enumerate(lines):
        if _CHAPTER.match(text):
            return range(index)
    return range(0)


def read_cover(lines: list[str], file: str, named: str | None = None) -> Reading:
    """A Reading with what the cover says (title, unit, date) and the report's reference date:
    the cover's date where it gives a day, else the first dated caption (기준, 현재). A cover
    that names no unit takes named (the caller's knowledge of whose report it is), if given."""
    title: list[str] = []
    unit = ""
    day: date | None = None
    published: str | None = None
    for index in cover_lines(lines):
        text = join_spaced(lines[index].lstrip("# "))
        if not text:
            continue
        month = find_month(text)
        if month is not None and published is None:
            day = find_date(text)
            published = day.isoformat() if day else f"{month[0]}-{month[1]:02d}"
        elif UNIT_SUFFIX.search(text) and "보고" not in text and not unit:
            unit = label(text)
        else:
            title.append(text)
    unit = unit or label(named or "")
    reading = Reading(file, " ".join(title), unit, day or _first_dated(lines), published)
    if not unit:
        reading.problems.append(Problem(file, 1, "표지", "", "unit", "the report names no unit "
                                        "(the text has no cover): its facts have no owner"))
    return reading


def _first_dated(lines: list[str]) -> date | None:
    for text in lines:
        if _DATED.search(text):
            day = find_date(text)
            if day is not None:
                return day
    return None


def unclaimed(lines: list[str], reading: Reading) -> list[Skipped]:
    """The stretches of text that no table claimed and no reader skipped, split at headings,
    each with the heading it falls under (or, before any, its own first line) and why it was
    passed over. A heading with nothing unclaimed under it is no stretch."""
    claimed = set(cover_lines(lines))
    for first, last in [(t.first_line, t.last_line) for t in reading.tables] + [
        (s.first_line, s.last_line) for s in reading.skipped
    ]:
        claimed.update(range(first - 1, last))
    found: list[Skipped] = []
    stretch: list[int] = []
    heading = ""
    for index, text in enumerate(lines):
        if is_heading(text):
            found += _skipped(lines, stretch, heading)
            heading, stretch = heading_title(lines, index), []
        if index in claimed:
            found += _skipped(lines, stretch, heading)
            stretch = []
        elif text.strip():
            stretch.append(index)
    return found + _skipped(lines, stretch, heading)


def heading_title(lines: list[str], index: int) -> str:
    """A heading as a title; a heading that is only a number (a chapter printed in a box, `I`)
    takes its title from the next line that has text."""
    title = title_of(lines[index])
    following = (text for text in lines[index + 1 :] if text.strip())
    return title or title_of(next(following, ""))


def _skipped(lines: list[str], stretch: list[int], heading: str) -> list[Skipped]:
    if all(is_heading(lines[i]) for i in stretch):
        return []
    table = any(
        is_header(lines[i]) or (is_tabbed(lines[i]) and has_figures(lines[i])) for i in stretch
    )
    why = "a table no reader knows" if table else "text without a table the readers know"
    return [Skipped(stretch[0] + 1, stretch[-1] + 1, heading or title_of(lines[stretch[0]]), why)]
