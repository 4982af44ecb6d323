"""The staffing tables of a report (인력 현황): found by a caption naming 인력 above a header
row 구분, read by category and grade (reports.reading.staffing_grades) or by department and category
(reports.reading.staffing_pairs). A staffing table of another layout is Skipped."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from reports.model import Reading, Skipped
from reports.reading import staffing_grades, staffing_pairs
from reports.reading.tables import (
    Region,
    caption_above,
    caption_title,
    is_header,
    region_below,
    report,
)
from reports.reading.text import find_date, label


def read(lines: list[str], reading: Reading) -> None:
    for region in regions(lines):
        day = _reference_date(lines, region, reading)
        if day is None:
            title = caption_title(lines, region)
            report(reading, title, region.first + 1, "", "", "no reference date: "
                   "neither the table nor the report gives one")
            continue
        shape = staffing_pairs if staffing_pairs.has_pairs(lines, region) else staffing_grades
        if not shape.read_table(lines, region, reading, day):
            reading.skipped.append(Skipped(
                region.first + 1, region.last + 1, caption_title(lines, region),
                "a staffing table whose columns or rows the reader does not know"))


def regions(lines: Sequence[str]) -> list[Region]:
    """Every staffing table: a header row 구분 under a caption that names 인력."""
    found: list[Region] = []
    for index, text in enumerate(lines):
        if not is_header(text) or (found and index <= found[-1].last):
            continue
        caption = caption_above(lines, index, lambda line: "인력" in label(line))
        if caption is not None:
            region = region_below(lines, caption, index, prose=False)
            if region.rows:
                found.append(region)
    return found


def _reference_date(lines: Sequence[str], region: Region, reading: Reading) -> date | None:
    for index in region.caption:
        day = find_date(lines[index])
        if day is not None:
            return day
    return reading.reference_date

