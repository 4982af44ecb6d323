"""The budget tables of a report: found by a caption with a money unit (`단위 : 천원`) above a
header row 구분, and read as budget execution by expense item (예산액, 집행액, 잔액:
reports.reading.budget_execution) or as budgets by account and fiscal year (`2019년 최종(사업수)`,
`2020년(사업수)`, 증감: reports.reading.budget_accounts). A money table of another layout is
Skipped."""

from __future__ import annotations

from collections.abc import Sequence

from reports.model import Reading, Skipped
from reports.reading import budget_accounts, budget_execution
from reports.reading.tables import (
    Region,
    caption_above,
    caption_title,
    finish,
    is_header,
    region_below,
)
from reports.reading.text import label, money_unit


def read(lines: list[str], reading: Reading) -> None:
    accounts: list[Region] = []
    for region in regions(lines):
        header = label(" ".join(lines[i] for i in region.header))
        if budget_execution.knows(header):
            budget_execution.read_table(lines, region, reading)
        elif budget_accounts.knows(header):
            accounts.append(region)
        else:
            reading.skipped.append(Skipped(
                region.first + 1, region.last + 1, caption_title(lines, region),
                "a money table whose columns the budget reader does not know"))
    if accounts:
        budget_accounts.read_tables(lines, accounts, reading)
    checks = [c for t in reading.tables if t.kind == "budget" for c in t.checks]
    for table in reading.tables:
        if table.kind == "budget":
            finish(table, checks)


def regions(lines: Sequence[str]) -> list[Region]:
    """Every money table: a header row 구분 under a caption that gives a money unit."""
    found: list[Region] = []
    for index, text in enumerate(lines):
        if not is_header(text) or (found and index <= found[-1].last):
            continue
        caption = caption_above(lines, index, lambda line: money_unit(line) is not None)
        if caption is not None:
            region = region_below(lines, caption, index, prose=True)
            if region.rows:
                found.append(region)
    return found
