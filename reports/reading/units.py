"""The units a report names: its own (from the cover) and the departments it lists under it
(the 주요기능 table of 구분 / 담당업무, and any department a staffing or budget table has a row
for). The organisation line (`조 직 1실, 3관, 11담당관, ...`) gives counts, checked against
the units listed where the report lists units of that kind; the institutions its chart
attaches (직속기관, 출연기관) are named without figures, and are skipped, not units."""

from __future__ import annotations

import re
from collections.abc import Sequence

from reports.model import Cell, Reading, Skipped, Source, Table, UnitFact
from reports.reading.tables import BULLETS, is_header, record_check
from reports.reading.text import is_heading, label

UNIT_NAME = re.compile(
    r"(?:담당관|기획관|정책관|보좌관|대변인|실|국|본부|과|단|센터|사업소|위원회)$"
)
_FUNCTIONS = "구분담당업무"
_WORK = ("○", "－", "-", "∙", "·")
_COUNT = re.compile(r"(\d+)\s*([가-힣]+)")
_ORGANISATION = re.compile(r"^\s*조\s*직\s+(?=\d)")


def is_unit_name(name: str) -> bool:
    return bool(UNIT_NAME.search(name))


def read(lines: list[str], reading: Reading) -> None:
    _own(lines, reading)
    rows = _function_rows(lines)
    if rows:
        header = rows[0][1] - 1
        while header > 0 and not is_header(lines[header]):
            header -= 1
        above = next((i for i in range(header - 1, -1, -1) if lines[i].strip()), header)
        caption = above if label(lines[above]) == "주요기능" else header
        table = Table("units", "주요기능", caption + 1, _functions_end(lines, rows[-1][1]) + 1)
        table.facts.extend(UnitFact(name, reading.unit or None, Source(line + 1, lines[line]))
                           for name, line, _ in rows)
        reading.tables.append(table)
    _from_tables(reading, {name for name, _, _ in rows} | {reading.unit})
    _organisation(lines, reading)


def _own(lines: list[str], reading: Reading) -> None:
    """The report's own unit, where its name is printed on a line of its own (the cover)."""
    for index, text in enumerate(lines):
        if reading.unit and label(text) == reading.unit:
            fact = UnitFact(reading.unit, None, Source(index + 1, text))
            reading.tables.append(Table("units", "표지", index + 1, index + 1, facts=[fact]))
            return


def departments(lines: Sequence[str]) -> list[tuple[str, int]]:
    """The departments of the 주요기능 table (구분 / 담당업무), with the 0-based line their
    name starts on; a name broken over lines (`재 정 균 형 발 전` / `담 당 관`) is joined."""
    return [(name, start) for name, start, _ in _function_rows(lines)]


def functions(lines: Sequence[str]) -> dict[str, str]:
    """Each department's 담당업무 as one text, spaces removed (to look up what it manages)."""
    return {name: work for name, _, work in _function_rows(lines)}


def _function_rows(lines: Sequence[str]) -> list[tuple[str, int, str]]:
    header = next((i for i, text in enumerate(lines)
                   if is_header(text) and label(text) == _FUNCTIONS), None)
    if header is None:
        return []
    rows: list[tuple[str, int, str]] = []
    pending, start = "", header + 1
    for index in range(header + 1, len(lines)):
        text = lines[index].strip()
        if not text:
            continue
        if text.startswith(_WORK):
            if pending or not rows:
                break
            name, first, work = rows[-1]
            rows[-1] = (name, first, work + label(text))
            continue
        if not pending:
            start = index
        pending += label(text)
        if is_unit_name(pending):
            rows.append((pending, start, ""))
            pending = ""
        elif len(pending) > 20 or text.startswith(BULLETS) or is_header(text):
            break
    return rows


def _functions_end(lines: Sequence[str], start: int) -> int:
    last = start
    for index in range(start + 1, len(lines)):
        text = lines[index].strip()
        if text.startswith(_WORK):
            last = index
        elif text and not is_unit_name(label(text)):
            break
    return last


def _from_tables(reading: Reading, known: set[str]) -> None:
    """Departments that only a staffing or budget table names, as units under the report's."""
    found: list[UnitFact] = []
    for fact in reading.facts():
        name = getattr(fact, "unit", None)
        if isinstance(name, str) and name not in known and is_unit_name(name) and reading.unit:
            known.add(name)
            found.append(UnitFact(name, reading.unit, fact.source))
    if found:
        first, last = min(f.source.line for f in found), max(f.source.line for f in found)
        reading.tables.append(Table("units", "표의 부서", first, last, facts=[*found]))


def _organisation(lines: list[str], reading: Reading) -> None:
    """The organisation line and its chart: the counts of each kind of unit it gives, checked
    where the report lists units of that kind; attached institutions skipped."""
    index = next((i for i, text in enumerate(lines) if _ORGANISATION.match(text)), None)
    if index is None:
        return
    text = lines[index]
    title = label(text[: _ORGANISATION.match(text).end()])  # type: ignore[union-attr]
    table = Table("units", title, index + 1, _chart_end(lines, index, reading) + 1)
    reading.tables.append(table)
    names = [f.name for t in reading.tables if t.kind == "units" for f in t.facts
             if isinstance(f, UnitFact)]
    counts = list(_COUNT.finditer(text))
    kinds = [count.group(2) for count in counts]
    for count in counts:
        kind = count.group(2)
        longer = [k for k in kinds if k != kind and k.endswith(kind)]
        listed = [n for n in names if n.endswith(kind) and not any(n.endswith(k) for k in longer)]
        if listed:
            cell = Cell(index + 1, count.start(1), count.end(1), title, kind)
            record_check(reading, table, lines, cell, int(count.group(1)), len(listed))
    attached = _attached(lines, table.last_line)
    if attached:
        reading.skipped.append(Skipped(attached[0] + 1, attached[-1] + 1, title, "institutions "
                                       "the chart attaches (직속기관, 출연기관): named without "
                                       "figures, not units of the report"))


def _chart_end(lines: Sequence[str], index: int, reading: Reading) -> int:
    """The last line of the organisation chart's boxes of units: the lines after the
    organisation line up to a bullet (what the chart attaches), the next table or a heading."""
    starts = [t.first_line - 1 for t in reading.tables if t.first_line - 1 > index]
    last = index
    for following in range(index + 1, min(starts, default=len(lines))):
        text = lines[following]
        if is_heading(text) or is_header(text) or text.strip().startswith(BULLETS):
            break
        if text.strip():
            last = following
    return last


def _attached(lines: Sequence[str], after: int) -> list[int]:
    """The bullet lines right after the chart (`○ 직속기관 : 시립대학교`)."""
    found: list[int] = []
    for index in range(after, len(lines)):
        text = lines[index].strip()
        if text.startswith("○"):
            found.append(index)
        elif text:
            break
    return found
