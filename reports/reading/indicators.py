"""Indicators: series of values by period that are not a unit's staffing or budget. Two shapes
are read: a report's policy-target table ('정책 목표표': `- 유연근무 확대 : 794명('12) ⇨
1,000명('13) ⇨ 2,000명('14)`), here, and tables of figures by group and column (headcounts at a
date, exchanges per year) in reports/indicator_tables.py.

A policy target's point is ACTUAL where its period has ended by the report's date (or it is
printed as '현재'), else TARGET. Where the body of the report restates a point with its
percentage ('12년 794명(7.8%)), printed keeps the body's cell."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from domain.names import unspaced
from reports.model import IndicatorPointFact, Reading, Skipped, Source, Table
from reports.reading import indicator_tables
from reports.reading.milestones import bullet_text
from reports.reading.outline import plain
from reports.reading.text import join_spaced

POLICY_TARGETS = "정책목표표"
_NOW = "현재"
_ARROWS = re.compile(r"\s*[⇨➡→⇒]\s*")
_MULTIPLIERS = {"천": 1_000, "만": 10_000}
_CELL = re.compile(
    r"^(?P<prefix>[^()\d]*?)\s*(?P<figure>\d[\d,]*)\s*(?P<unit>[가-힣]+)?\s*"
    r"(?:\((?P<period>['’‘`]?\d{2}(?:\.\d{1,2})?)\))?$"
)


def read(lines: list[str], reading: Reading) -> None:
    """Append the indicator tables the text prints to reading."""
    if reading.reference_date is None:
        return
    for number, line in enumerate(lines, start=1):
        if unspaced(plain(line)) == POLICY_TARGETS:
            _read_targets(lines, number, reading)
    indicator_tables.read(lines, reading)


@dataclass(frozen=True)
class _Cell:
    """One printed point of a policy target: `1,000명('13)`, `현재 1,200명`, `476천명('13.9)`."""

    prefix: str
    figure: str
    unit: str
    period: str | None

    @property
    def value(self) -> int:
        return int(self.figure.replace(",", "")) * _MULTIPLIERS.get(self.unit[:1], 1)

    @property
    def measure(self) -> str:
        multiplied = self.unit[:1] in _MULTIPLIERS and len(self.unit) > 1
        return self.unit[1:] if multiplied else self.unit


def _read_targets(lines: list[str], heading: int, reading: Reading) -> None:
    title = join_spaced(plain(lines[heading - 1]))
    table = Table("indicators", title, heading, heading)
    group = title
    for number in range(heading + 1, len(lines) + 1):
        line = lines[number - 1]
        text = bullet_text(line)
        if not line.strip():
            continue
        if line.strip().startswith("■"):
            group = f"{title} > {line.strip().lstrip('■ ')}"
        elif text is None:
            break
        else:
            _read_target(lines, Source(number, line), (title, group), table, reading)
        table.last_line = number
    reading.tables.append(table)


def _read_target(
    lines: list[str], source: Source, where: tuple[str, str], table: Table, reading: Reading
) -> None:
    title, heading = where
    text = bullet_text(source.text) or ""
    name, colon, series = text.partition(" : ")
    if not colon:
        _skip(reading, source, f"{heading} > {text}", "no ' : ' between a name and its figures")
        return
    for printed in _ARROWS.split(series):
        found = _CELL.match(printed)
        if found is None:
            _skip(reading, source, f"{heading} > {name}", f"'{printed}': no figure")
            continue
        cell = _Cell(found["prefix"], found["figure"], found["unit"] or "", found["period"])
        if cell.prefix and cell.prefix != _NOW:
            name = f"{name} : {cell.prefix}"
        point = _point(lines, source, (name, title), cell, reading)
        if point is None:
            _skip(reading, source, f"{heading} > {name}", f"'{printed}': no period")
        else:
            table.facts.append(point)


def _point(
    lines: list[str], source: Source, names: tuple[str, str], cell: _Cell, reading: Reading
) -> IndicatorPointFact | None:
    assert reading.reference_date is not None
    name, group = names
    reported = reading.reference_date
    if cell.prefix == _NOW:
        period, ended = f"{reported.year}-{reported.month:02d}", True
    elif cell.period is not None:
        period = _period(cell.period, reported)
        ended = _period_end(period) < reported
    else:
        return None
    printed = f"{cell.prefix} " if cell.prefix == _NOW else ""
    printed += _restated(lines, period, cell) or f"{cell.figure}{cell.unit}"
    return IndicatorPointFact(
        unit=reading.unit,
        name=name,
        measure=cell.measure,
        period=period,
        kind="ACTUAL" if ended else "TARGET",
        value=cell.value,
        reference_date=reported,
        source=source,
        group=group,
        printed=printed if printed.replace(",", "") != str(cell.value) else None,
    )


def _period(mark: str, reported: date) -> str:
    """`'12` is 2012, `'13.9` is 2013-09 (the century of the report's date)."""
    year, _, month = mark.lstrip("'’‘`").partition(".")
    full = reported.year // 100 * 100 + int(year)
    return f"{full}-{int(month):02d}" if month else str(full)


def _period_end(period: str) -> date:
    year, _, month = period.partition("-")
    if not month:
        return date(int(year), 12, 31)
    last = calendar.monthrange(int(year), int(month))[1]
    return date(int(year), int(month), last)


def _restated(lines: list[str], period: str, cell: _Cell) -> str | None:
    """The body's cell for the same point with its percentage (`'12년 794명(7.8%)`)."""
    if cell.prefix or "-" in period:
        return None
    pattern = re.compile(
        rf"['’‘`]{period[2:]}(?:년|\))\s*{re.escape(cell.figure + cell.unit)}\((\d+(?:\.\d+)?%)\)"
    )
    for line in lines:
        if (found := pattern.search(line)) is not None:
            return f"{cell.figure}{cell.unit}({found[1]})"
    return None


def _skip(reading: Reading, source: Source, heading: str, why: str) -> None:
    reading.skipped.append(Skipped(source.line, source.line, heading, why))
