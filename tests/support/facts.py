"""Every fact a ledger answers about the Seoul reports, by label (unit names, not ids or keys),
read over GraphQL as a client would: units with their parents, staffing tables, budget lines,
tasks and indicator points as of each date the reports give, so that two ledgers recorded by
different keys can be compared fact by fact."""

from __future__ import annotations

import json
from typing import Any

from api.runtime import Runtime
from tests.support.live import serving

DATES = (
    "2012-12-31", "2013-01-23", "2019-03-31", "2019-12-31", "2020-01-31", "2020-03-31",
    "2020-04-20",
)
LINES = (
    "lines { fiscalYear account item referenceDate budgeted executed projects note "
    "owner { name } }"
)
QUERIES = (
    "query($d: Date!) { orgUnits(asOf: $d) { name validFrom parent { name } "
    "staffing(includeDescendants: false) { referenceDate women notes "
    "rows { jobCategory grade authorized current women } } } }",
    "query($d: Date!) { orgUnits(asOf: $d) { name "
    f"b2019: budget(fiscalYear: 2019) {{ {LINES} }} b2020: budget(fiscalYear: 2020) {{ {LINES} }} "
    "} }",
    "query($d: Date!) { orgUnits(asOf: $d) { name tasks { kind number title description status "
    "statusSince category responsible listed milestones { when what } } } }",
    "query($d: Date!) { orgUnits(asOf: $d) { name indicators { name group measure "
    "points { period kind value referenceDate printed } } } }",
)
Fact = tuple[str, ...]


def facts(runtime: Runtime) -> set[Fact]:
    """(kind, date, unit, …, the fact as JSON) for every fact answered at every date."""
    runtime.catch_up()
    found: set[Fact] = set()
    with serving(runtime) as live:
        for day in DATES:
            for query in QUERIES:
                for unit in live.data(query, {"d": day})["orgUnits"]:
                    found |= set(of_unit(day, unit))
    return found


def of_unit(day: str, unit: dict[str, Any]) -> list[Fact]:
    name = unit["name"]
    found: list[Fact] = []
    if "validFrom" in unit:
        parent = (unit["parent"] or {}).get("name", "")
        found.append(("unit", day, name, parent, unit["validFrom"]))
        if unit["staffing"]:
            found.append(("staffing", day, name, dump(unit["staffing"])))
    for year in ("b2019", "b2020"):
        for line in (unit.get(year) or {}).get("lines", []):
            owner = line.pop("owner")["name"]
            found.append(("budget", day, owner, line["item"], dump(line)))
    for task in unit.get("tasks", []):
        found.append(("task", day, name, task["title"], dump(task)))
    for indicator in unit.get("indicators", []):
        found.append(("indicator", day, name, indicator["name"], dump(indicator)))
    return found


def dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
