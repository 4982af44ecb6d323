"""A government's figures as they drift year by year: each unit's staffing rows (authorized and
current by series) and each budget line's budget, written as `[[staffing]]` and `[[budget]]`
entries, with the corrected restatements of the facts a plan picks for the next document."""

from __future__ import annotations

import math
import random
from typing import Any

from benchmarks.national.plan import YearPlan
from benchmarks.national.structure import Government
from benchmarks.national.words import AUTHORIZED, SERIES

Entry = dict[str, Any]
DRIFT = (-2, -1, -1, 0, 0, 0, 0, 1)
"""current - authorized of a row, drawn when its current headcount moves."""
MOVES = 0.25
"""The chance that a row moves in a quarter."""
RESIZES, GROWS = 0.16, 0.1
"""Of the rows that move, the share whose authorized moves too, and the share where it grows."""
STAYS = math.log(1 - MOVES)
LIMIT = 65_536
"""More than any figure or series index of a row (a row's key in Figures.made)."""
ERRATA = "정오표"
"""The section of a correction: the later document's list of corrected figures."""


class Figures:
    def __init__(self, government: Government, made: dict[int, Entry] | None = None) -> None:
        self.government = government
        self.series: list[list[int]] = []
        """Each unit's rows, as indexes into SERIES."""
        self.authorized: list[list[int]] = []
        self.current: list[list[int]] = []
        self.rows: list[list[Entry]] = []
        self.women: list[float] = []
        """Each unit's share of women in its current headcount."""
        self.budgets: list[list[float]] = []
        """Each unit's lines' budgets of the last year, in 천원."""
        self.made = {} if made is None else made
        """Every row made (shared by the figures of a stream), by its series and figures."""

    def start(self, rng: random.Random) -> None:
        """The first year's figures of every unit."""
        for unit in self.government.units:
            authorized = [rng.randint(*AUTHORIZED.get(key, (0, 3))) for key, _, _ in unit.series]
            current = [max(0, a + rng.choice(DRIFT)) for a in authorized]
            series = [SERIES.index(s) for s in unit.series]
            figures = zip(series, authorized, current, strict=True)
            self.series.append(series)
            self.authorized.append(authorized)
            self.current.append(current)
            self.rows.append([self.row(s, a, c) for s, a, c in figures])
            self.women.append(0.25 + 0.3 * rng.random())
            self.budgets.append([float(line.size) for line in unit.lines])

    def staffing(self, rng: random.Random, plan: YearPlan, fixes: list[Entry]) -> list[Entry]:
        """Each unit's table at each quarter end (and, in fixes, the corrected ones). A row moves
        in a quarter with a chance of MOVES: its current headcount, and now and then its
        authorized too. The draws skip from one moving row to the next (a geometric gap); a row
        that did not move is the same dict as in the unit's previous table, and rows of the same
        figures are one dict: documents are read, never changed."""
        rnd, log, made = rng.random, math.log, self.made
        entries = []
        units = self.government.units
        gap = int(log(1.0 - rnd()) / STAYS)  # rows to pass before the next one that moves
        for at, day in enumerate(plan.dates):
            on = day.isoformat()
            fixed = {u for u, when in plan.fixes.staffing if when == at}
            for u in range(len(units)):
                rows, authorized, current = self.rows[u], self.authorized[u], self.current[u]
                while gap < len(rows):
                    draw = rnd()
                    if draw < RESIZES:
                        resized = authorized[gap] + (1 if draw < GROWS else -1)
                        authorized[gap] = resized if resized > 0 else 0
                    drifted = authorized[gap] + DRIFT[int(rnd() * len(DRIFT))]
                    current[gap] = drifted if drifted > 0 else 0
                    series = self.series[u][gap]
                    row = made.get((current[gap] * LIMIT + authorized[gap]) * LIMIT + series)
                    rows[gap] = row or self.row(series, authorized[gap], current[gap])
                    gap += 1 + int(log(1.0 - rnd()) / STAYS)
                gap -= len(rows)
                women = int(sum(current) * self.women[u])
                entry = {"unit": units[u].key, "reference_date": on, "women": women}
                entry["rows"] = rows.copy()
                entries.append(entry)
                if u in fixed:
                    fixes.append(corrected_table(rng, entry))
        return entries

    def row(self, series: int, authorized: int, current: int) -> Entry:
        """The row of a series with these figures, one dict for all the tables that have it."""
        made = (current * LIMIT + authorized) * LIMIT + series
        if made not in self.made:
            key, category, grade = SERIES[series]
            row: Entry = {"series": key, "category": category}
            if grade:
                row["grade"] = grade
            self.made[made] = {**row, "authorized": authorized, "current": current}
        return self.made[made]

    def budget(self, rng: random.Random, plan: YearPlan, fixes: list[Entry]) -> list[Entry]:
        """One record a line at the fiscal year's end (and, in fixes, the corrected ones): the
        budget grows 1.5% a year on average; execution is 60-100% of it (85-100% for base
        expenses)."""
        rnd = rng.random
        money_unit = self.government.money_unit
        divisor = 1000 if money_unit == "백만원" else 1
        year = plan.year
        on = f"{year}-12-31"
        entries = []
        fixed = {u for u, _ in plan.fixes.budget}
        for u, unit in enumerate(self.government.units):
            budgets = self.budgets[u]
            for n, line in enumerate(unit.lines):
                budgets[n] *= 0.93 + 0.17 * rnd()
                budgeted = max(1, round(budgets[n] / divisor))
                rate = 0.6 + 0.4 * rnd() if line.projects else 0.85 + 0.15 * rnd()
                entry: Entry = {
                    "unit": unit.key,
                    "line": line.key,
                    "fiscal_year": year,
                    "account": line.account,
                    "item": line.item,
                    "reference_date": on,
                    "money_unit": money_unit,
                    "budgeted": budgeted,
                    "executed": int(budgeted * rate),
                }
                if line.projects:
                    entry["projects"] = 1 + int(rnd() * 8)
                entries.append(entry)
                if u in fixed and (u, n) in plan.fixes.budget:
                    fixes.append(corrected_record(rng, entry))
        return entries


def corrected_table(rng: random.Random, entry: Entry) -> Entry:
    """The table with one row's current headcount 1-3 higher (the women stay within it)."""
    rows = [dict(row) for row in entry["rows"]]
    rows[rng.randrange(len(rows))]["current"] += rng.randint(1, 3)
    return {**entry, "rows": rows, "section": ERRATA}


def corrected_record(rng: random.Random, entry: Entry) -> Entry:
    """The record with its execution 1-5% (at least one money unit) off, never below zero."""
    executed: int = entry["executed"]
    change = max(1, executed * rng.randint(1, 5) // 100)
    fixed = executed - change if executed >= change and rng.random() < 0.5 else executed + change
    return {**entry, "executed": fixed, "section": ERRATA}
