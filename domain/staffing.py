"""Staffing tables: rows by job category and grade, and the rules a table must keep."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from domain.errors import InvalidInput, invalid
from domain.names import clean, unspaced
from domain.rules import MAX_COUNT, check_count, optional_text, required_text
from domain.text import passes

MAX_ROWS = 1000
"""The most rows one table may hold (the Seoul tables hold a few dozen)."""
_SEPARATORS = re.compile(r"[~∼〜～·ㆍ･・‧∙,\-]+")


def derive_series_key(job_category: str, grade: str | None) -> str:
    """A series key from the labels: spaces dropped, range separators unified (8~9급 = 8·9급)."""
    category = unspaced(job_category)
    grade_part = _SEPARATORS.sub("-", unspaced(grade)) if grade else ""
    return f"{category}/{grade_part}" if grade_part else category


@dataclass(frozen=True)
class StaffingRow:
    series_key: str
    job_category: str
    grade: str | None
    authorized: int | None
    current: int
    women: int | None = None
    resolution: str | None = None
    """How the figures were read where the source text was ambiguous (e.g. lost empty cells
    decided by the totals); omitted from the recorded row when there is none."""

    def as_dict(self) -> dict[str, Any]:
        row: dict[str, Any] = {
            "series_key": self.series_key,
            "job_category": self.job_category,
            "grade": self.grade,
            "authorized": self.authorized,
            "current": self.current,
            "women": self.women,
        }
        if self.resolution is not None:
            row["resolution"] = self.resolution
        return row

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StaffingRow:
        return cls(**data)


def make_row(
    *,
    job_category: str,
    grade: str | None,
    authorized: int | None,
    current: int,
    women: int | None,
    series_key: str | None,
    index: int,
    resolution: str | None = None,
) -> StaffingRow:
    """Validate one input row and give it its series key."""
    row = _valid_row(job_category, grade, authorized, current, women, series_key, resolution)
    if row is not None:
        return row
    at = f"rows[{index}]"
    category = required_text(f"{at}.jobCategory", job_category)
    grade_text = optional_text(f"{at}.grade", grade)
    check_count(f"{at}.authorized", authorized)
    check_count(f"{at}.current", current)
    check_count(f"{at}.women", women)
    if women is not None and women > current:
        raise invalid(f"{at}.women", women, f"exceeds current headcount ({current})")
    key = optional_text(f"{at}.seriesKey", series_key) or derive_series_key(category, grade_text)
    note = optional_text(f"{at}.resolution", resolution)
    return StaffingRow(key, category, grade_text, authorized, current, women, note)


@lru_cache(maxsize=1 << 14, typed=True)
def _valid_row(
    job_category: str,
    grade: str | None,
    authorized: int | None,
    current: int,
    women: int | None,
    series_key: str | None,
    resolution: str | None,
) -> StaffingRow | None:
    """make_row's row where the input plainly keeps every rule (the bulk of an import), made
    without naming the fields; None where it might not, for make_row to name what is wrong.
    Remembered by value (rows repeat from report to report, and an import makes each twice:
    planning, then deciding); typed, so that True is not taken for 1."""
    for text in (job_category, grade, series_key, resolution):
        if text is not None and (type(text) is not str or not passes(text)):
            return None
    for count in (authorized, current, women):
        if count is not None and (type(count) is not int or not 0 <= count <= MAX_COUNT):
            return None
    category = clean(job_category) if job_category else ""
    if not category or current is None or (women is not None and women > current):
        return None
    grade_text = (clean(grade) or None) if grade else None
    key = (clean(series_key) if series_key else None) or derive_series_key(category, grade_text)
    note = (clean(resolution) or None) if resolution else None
    return StaffingRow(key, category, grade_text, authorized, current, women, note)


def check_table(rows: list[StaffingRow], women: int | None) -> None:
    """A table needs rows, one per series, and unit-level women within the total."""
    if not rows:
        raise invalid("rows", [], "must list at least one row")
    if len(rows) > MAX_ROWS:
        message = f"rows: {len(rows)} rows; a table may hold at most {MAX_ROWS}"
        raise InvalidInput(message, field="rows", value=len(rows))
    seen: set[str] = set()
    for index, row in enumerate(rows):
        if row.series_key in seen:
            raise invalid(f"rows[{index}].seriesKey", row.series_key, "appears twice in one table")
        seen.add(row.series_key)
    check_count("women", women)
    check_totals(rows)
    total = sum(row.current for row in rows)
    if women is not None and women > total:
        raise invalid("women", women, f"exceeds the table's current headcount ({total})")


def check_totals(rows: list[StaffingRow]) -> None:
    """A table's totals are figures too: each within MAX_COUNT, so that the totals the API
    sums over units stay within a GraphQL Int."""
    for name in ("authorized", "current", "women"):
        total = sum(getattr(row, name) or 0 for row in rows)
        if total > MAX_COUNT:
            message = f"rows: {name} sums to {total}; a table may count at most {MAX_COUNT}"
            raise InvalidInput(message, field="rows", value=total)
