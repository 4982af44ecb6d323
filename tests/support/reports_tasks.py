"""What the task and indicator readers find in a seed, and what its data file transcribes, as
rows of comparable fields keyed by identity; and the differences between the two."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

from reports.model import IndicatorPointFact, Reading, TaskFact
from reports.reading import indicators, tasks

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "data" / "seeds"
DATA = ROOT / "data" / "seoul"
STEMS = tuple(sorted(path.stem for path in DATA.glob("*.toml")))

Row = dict[str, Any]
Key = tuple[Any, ...]
Difference = tuple[Key, str, Any, Any]
"""(identity, field, the data file's value, the reader's value); field '<entry>' where one side
has no such entry (its value None)."""


def transcription(stem: str) -> dict[str, Any]:
    with (DATA / f"{stem}.toml").open("rb") as file:
        return tomllib.load(file)


def seed_lines(stem: str) -> list[str]:
    return (SEEDS / f"{stem}.txt").read_text(encoding="utf-8").splitlines()


def unit_names(data: dict[str, Any]) -> dict[str, str]:
    return {unit["key"]: unit["name"] for unit in data.get("units", [])}


def reading_of(stem: str, lines: list[str] | None = None) -> Reading:
    """The reading the entry point hands over (file, title, the report's unit and date, as the
    data file gives them), with the tasks and indicators read into it."""
    data = transcription(stem)
    listed = data["tasks"][0]
    reading = Reading(
        file=data["source"]["file"],
        title=data["source"]["title"],
        unit=unit_names(data)[listed["unit"]],
        reference_date=date.fromisoformat(listed["valid_from"]),
    )
    text = seed_lines(stem) if lines is None else lines
    tasks.read(text, reading)
    indicators.read(text, reading)
    return reading


def task_key(kind: str, category: str | None, number: int | None) -> Key:
    return (kind, category or "", number)


def expected_tasks(stem: str) -> dict[Key, Row]:
    data = transcription(stem)
    names = unit_names(data)
    default = data["source"].get("sections", {}).get("tasks")
    rows: dict[Key, Row] = {}
    for task in data.get("tasks", []):
        if not task.get("listed", True):
            continue
        row = {
            "unit": names[task["unit"]],
            "kind": task["kind"],
            "number": task.get("number"),
            "title": task["title"],
            "description": task.get("description"),
            "status": task.get("status"),
            "status_since": task.get("status_since"),
            "category": task.get("category"),
            "responsible": task.get("responsible"),
            "milestones": tuple((m["when"], m["what"]) for m in task.get("milestones", [])),
            "section": task.get("section", default),
        }
        rows[task_key(row["kind"], row["category"], row["number"])] = row
    return rows


def read_tasks(reading: Reading) -> dict[Key, Row]:
    rows: dict[Key, Row] = {}
    for fact in reading.facts():
        if not isinstance(fact, TaskFact):
            continue
        row = {
            "unit": fact.unit,
            "kind": fact.kind,
            "number": fact.number,
            "title": fact.title,
            "description": fact.description,
            "status": fact.status,
            "status_since": fact.status_since.isoformat() if fact.status_since else None,
            "category": fact.category,
            "responsible": fact.responsible,
            "milestones": tuple((m.when, m.what) for m in fact.milestones),
            "section": fact.section,
        }
        rows[task_key(fact.kind, fact.category, fact.number)] = row
    return rows


def expected_points(stem: str) -> dict[Key, Row]:
    data = transcription(stem)
    names = unit_names(data)
    rows: dict[Key, Row] = {}
    for indicator in data.get("indicators", []):
        for point in indicator["points"]:
            row = {
                "unit": names[indicator["unit"]],
                "name": indicator["name"],
                "group": indicator.get("group"),
                "measure": indicator["measure"],
                "period": point["period"],
                "kind": point["kind"],
                "value": point["value"],
                "reference_date": point["reference_date"],
                "printed": point.get("printed"),
            }
            rows[(row["name"], row["period"], row["kind"])] = row
    return rows


def read_points(reading: Reading) -> dict[Key, Row]:
    rows: dict[Key, Row] = {}
    for fact in reading.facts():
        if not isinstance(fact, IndicatorPointFact):
            continue
        row = {
            "unit": fact.unit,
            "name": fact.name,
            "group": fact.group,
            "measure": fact.measure,
            "period": fact.period,
            "kind": fact.kind,
            "value": fact.value,
            "reference_date": fact.reference_date.isoformat(),
            "printed": fact.printed,
        }
        rows[(row["name"], row["period"], row["kind"])] = row
    return rows


def differences(expected: dict[Key, Row], found: dict[Key, Row]) -> set[Difference]:
    """Every field in which the reading differs from the data file, and every entry only one of
    them has."""
    result: set[Difference] = set()
    for key in expected.keys() | found.keys():
        if key not in found:
            result.add((key, "<entry>", _frozen(expected[key]), None))
        elif key not in expected:
            result.add((key, "<entry>", None, _frozen(found[key])))
        else:
            for field, value in expected[key].items():
                if found[key][field] != value:
                    result.add((key, field, value, found[key][field]))
    return result


def _frozen(row: Row) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted(row.items()))


def expected_checks(stem: str) -> set[tuple[str, str, str, int | float]]:
    """The data file's checks of tasks and indicators: (table, row, column, printed)."""
    return {
        (check["table"], check["row"], check["column"], check["printed"])
        for check in transcription(stem).get("checks", [])
        if "tasks" in check or "indicators" in check
    }


def perturbed(lines: list[str], line: int, column: str, printed: int) -> list[str]:
    """The text with the figure of one printed total changed (printed + 1): the tab cell under
    column of that line, or the figure of a '총 N건' line."""
    text = lines[line - 1]
    changed = f"{printed + 1:,}"
    if "\t" not in text:
        replaced = text.replace(f"{printed:,}", changed, 1)
    else:
        cells = text.split("\t")
        index = _column_index(lines, line, column)
        figure = cells[index].split("(")[0].strip()
        cells[index] = cells[index].replace(figure, changed, 1)
        replaced = "\t".join(cells)
    assert replaced != text, (line, column)
    return [*lines[: line - 1], replaced, *lines[line:]]


def _column_index(lines: list[str], line: int, column: str) -> int:
    """Where column is printed in the header above line (the nearest header that names it)."""
    for above in range(line - 1, 0, -1):
        cells = [cell.strip() for cell in lines[above - 1].split("\t")]
        if column in cells[1:]:
            return cells.index(column, 1)
    raise AssertionError(f"no header names {column} above line {line}")
