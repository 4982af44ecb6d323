"""Every total the five Seoul reports print, reproduced through GraphQL from the imported data.

The table is the data files' `[[checks]]`: each names its report, table, row and column and the
figure as printed (docs/data-format.md). The importer already computed each from the files'
facts; here each becomes the query a front-end would send, answered by the read model, so a
figure is right only if the ledger gives it back after import and projection."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from api.auth import Principal
from api.graphql.context import Context, Services
from api.graphql.schema import schema
from api.runtime import Runtime
from domain import ids
from ledger.importing.checks import MONEY_UNITS, load_folder
from ledger.importing.importer import Importer
from ledger.settings import PgConfig
from tests.conftest import fresh_database

DATA = Path(__file__).resolve().parents[2] / "data" / "seoul"
CHECKS = [
    (name, check) for name, document in load_folder(DATA) for check in document.get("checks", [])
]
PRINTED_TOTALS = {
    "000_cfa35aeae6f4c650.toml": 33,
    "001_8609ec9c98224de6.toml": 14,
    "002_5834c28f8449271d.toml": 14,
    "003_e2f4961fe655de53.toml": 13,
    "004_b40a5c2b04908ad5.toml": 85,
}
"""How many totals each report prints in the tables the data files transcribe."""
READER = Principal("auditor", "reader")

STAFFING = """query($id: ID!, $asOf: Date!, $all: Boolean!) { orgUnit(id: $id, asOf: $asOf) {
  staffing(includeDescendants: $all) { referenceDate authorized current women
    byCategory { jobCategory authorized current women } } } }"""
BUDGET = """query($id: ID!, $asOf: Date!, $year: Int!) { orgUnit(id: $id, asOf: $asOf) {
  budget(fiscalYear: $year) { referenceDate ...figures
    byAccount { account ...figures }
    lines { account item owner { id } ...line } } } }
fragment figures on Budget { budgeted executed remaining executionRate projects }
fragment line on BudgetLine { budgeted executed remaining executionRate projects }"""
TASKS = """query($id: ID!, $asOf: Date!, $kind: TaskKind!) { orgUnit(id: $id, asOf: $asOf) {
  tasks(kind: $kind) { category status } } }"""
INDICATOR = """query($id: ID!, $kind: IndicatorKind!) { indicator(id: $id) {
  points(kind: $kind) { period value } } }"""


def label(entry: tuple[str, dict[str, Any]]) -> str:
    name, check = entry
    return f"{name[:3]} {check['table']} | {check['row']} | {check['column']} = {check['printed']}"


def test_every_report_keeps_its_printed_totals() -> None:
    counted = {name: sum(1 for n, _ in CHECKS if n == name) for name in PRINTED_TOTALS}
    assert counted == PRINTED_TOTALS


@pytest.fixture(scope="module")
def seoul_runtime(server: PgConfig) -> Iterator[Runtime]:
    with fresh_database(server) as database:
        runtime = Runtime(database=database)
        Importer(runtime.ledger).import_folder(DATA)
        runtime.catch_up()
        yield runtime
        runtime.close()


@pytest.fixture(scope="module")
async def seoul(seoul_runtime: Runtime) -> AsyncIterator[Services]:
    yield await seoul_runtime.open_services()
    await seoul_runtime.close_services()


async def query(services: Services, text: str, **variables: Any) -> Any:
    result = await schema.execute(
        text, variable_values=variables, context_value=Context(services, principal=READER)
    )
    assert not result.errors, result.errors
    return result.data


@pytest.mark.parametrize("entry", CHECKS, ids=[label(e) for e in CHECKS])
async def test_printed_total(seoul: Services, entry: tuple[str, dict[str, Any]]) -> None:
    _, check = entry
    if "staffing" in check:
        answer = await staffing(seoul, check["staffing"])
    elif "budget" in check:
        answer = await budget(seoul, check["budget"])
    elif "tasks" in check:
        answer = await tasks(seoul, check["tasks"])
    else:
        answer = await indicators(seoul, check["indicators"])
    printed = Decimal(str(check["printed"]))
    if "misprint" in check:
        assert answer == Decimal(str(check["misprint"]["reads"])) != printed
    else:
        assert answer == printed


async def staffing(services: Services, s: dict[str, Any]) -> Decimal | None:
    data = await query(
        services,
        STAFFING,
        id=str(ids.unit_id(s["unit"])),
        asOf=s["reference_date"],
        all=s.get("descendants", False),
    )
    table = data["orgUnit"]["staffing"]
    assert table["referenceDate"] == s["reference_date"]
    if "category" in s:
        (table,) = [p for p in table["byCategory"] if p["jobCategory"] == s["category"]]
    return number(table[s["field"]])


async def budget(services: Services, s: dict[str, Any]) -> Decimal | None:
    figure = await budget_figure(services, s, s["fiscal_year"], s["reference_date"])
    if "minus" not in s:
        return figure
    before = await budget_figure(
        services, s, s["minus"]["fiscal_year"], s["minus"]["reference_date"]
    )
    assert figure is not None and before is not None
    return figure - before


async def budget_figure(
    services: Services, s: dict[str, Any], year: int, on: str
) -> Decimal | None:
    unit_id = str(ids.unit_id(s["unit"]))
    data = await query(services, BUDGET, id=unit_id, asOf=on, year=year)
    whole = data["orgUnit"]["budget"]
    assert whole["referenceDate"] == on
    lines = [
        line
        for line in whole["lines"]
        if s.get("account", line["account"]) == line["account"]
        and s.get("item", line["item"]) == line["item"]
        and (s.get("descendants", False) or line["owner"]["id"] == unit_id)
    ]
    others = any(line["owner"]["id"] != unit_id for line in whole["lines"])
    if "item" in s or (others and not s.get("descendants", False)):
        part = summed(lines)
    elif "account" in s:
        (part,) = [p for p in whole["byAccount"] if p["account"] == s["account"]]
    else:
        part = whole
    field = s["field"]
    if field == "rate":
        rate = part["executionRate"]
        return None if rate is None else rounded(Decimal(str(rate)) * 100, "0.1")
    if field == "projects" or part[field] is None:
        return number(part[field])
    amount = Decimal(part[field]) / MONEY_UNITS[s["money_unit"]]
    return rounded(amount, "1") if s.get("rounded") else amount


def summed(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """A part of a budget that no single field answers: the selected lines, added up."""
    assert lines
    budgeted = sum(line["budgeted"] for line in lines)
    executed = [line["executed"] for line in lines]
    done = None if None in executed else sum(executed)
    projects = [line["projects"] for line in lines]
    return {
        "budgeted": budgeted,
        "executed": done,
        "remaining": None if done is None else budgeted - done,
        "executionRate": None if done is None else done / budgeted,
        "projects": None if None in projects else sum(projects),
    }


async def tasks(services: Services, s: dict[str, Any]) -> Decimal:
    data = await query(
        services, TASKS, id=str(ids.unit_id(s["unit"])), asOf=s["as_of"], kind=s["kind"]
    )
    return Decimal(
        sum(
            1
            for task in data["orgUnit"]["tasks"]
            if s.get("category", task["category"]) == task["category"]
            and s.get("status", task["status"]) == task["status"]
        )
    )


async def indicators(services: Services, s: dict[str, Any]) -> Decimal:
    periods = s["periods"] if "periods" in s else [s["period"]]
    total = Decimal(0)
    for key in s["keys"]:
        data = await query(services, INDICATOR, id=str(ids.indicator_id(key)), kind=s["kind"])
        points = {p["period"]: p["value"] for p in data["indicator"]["points"]}
        total += sum(Decimal(points[period]) for period in periods)
    return rounded(total / len(periods), "1") if s.get("average") else total


def number(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def rounded(value: Decimal, places: str) -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)
