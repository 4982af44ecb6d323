"""Placing the cells of rows whose empty cells vanished from the text, by the totals alone.

Each row comes with its options: every way its printed cells can be read and put into the
table's columns, keeping their order (extraction loses empty cells, it does not reorder the
others). A row whose cells fill every column has one option. The search keeps the options that
meet the row's own total, then looks across rows for the choices that meet the column totals,
and accepts a table only when exactly one assignment of figures satisfies every printed total:
two options that give the same figures are one assignment."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations


@dataclass(frozen=True)
class Placed:
    """One printed cell of a row as an option reads it: its text and place on the line, the
    column (slot) it takes, and how it is read (`1 /` as `1/0`)."""

    start: int
    end: int
    text: str
    slot: int
    reading: str
    line: int = 0
    """The 0-based line it is printed on, where a row runs over several lines."""


@dataclass(frozen=True)
class Option:
    """One way to read a row: its figure for every column (0 where no cell is printed)."""

    values: tuple[int, ...]
    cells: tuple[Placed, ...]


@dataclass(frozen=True)
class Outcome:
    """The search's answer: the option chosen for each row where exactly one assignment meets
    the totals; solutions is 0, 1, or 2 for two or more."""

    choice: tuple[int, ...] | None
    solutions: int


def ordered_slots(
    count: int, slots: int, fits: Callable[[int, int], bool] = lambda cell, slot: True
) -> Iterator[tuple[int, ...]]:
    """Every order-keeping way to put count printed cells into slots columns, where fits(cell,
    slot) says a cell may take a slot."""
    for chosen in combinations(range(slots), count):
        if all(fits(cell, slot) for cell, slot in enumerate(chosen)):
            yield chosen


def distinct(options: Sequence[Option]) -> list[Option]:
    """The options with distinct figures (the first of each)."""
    seen: dict[tuple[int, ...], Option] = {}
    for option in options:
        seen.setdefault(option.values, option)
    return list(seen.values())


def solve(rows: Sequence[Sequence[Option]], totals: Mapping[int, int]) -> Outcome:
    """Choose one option per row so that, for every column in totals, the rows' figures sum to
    its total. Counts assignments by their figures (options are first made distinct)."""
    columns = sorted(totals)
    rows = [distinct(row) for row in rows]
    bounded = {c for c in columns if all(o.values[c] >= 0 for row in rows for o in row)}
    target = tuple(totals[c] for c in columns)
    Step = tuple[int, tuple[int, ...] | None, int]
    states: dict[tuple[int, ...], Step] = {tuple(0 for _ in columns): (1, None, -1)}
    history: list[dict[tuple[int, ...], Step]] = []
    for row in rows:
        following: dict[tuple[int, ...], Step] = {}
        for sums, (count, _, _) in states.items():
            for index, option in enumerate(row):
                new = tuple(s + option.values[c] for s, c in zip(sums, columns, strict=True))
                if any(c in bounded and n > totals[c] for n, c in zip(new, columns, strict=True)):
                    continue
                known = following.get(new)
                if known is None:
                    following[new] = (count, sums, index)
                else:
                    following[new] = (min(2, known[0] + count), known[1], known[2])
        history.append(following)
        states = following
    final = states.get(target)
    if final is None:
        return Outcome(None, 0)
    if final[0] > 1:
        return Outcome(None, 2)
    return Outcome(_trace(history, target), 1)


def _trace(
    history: Sequence[Mapping[tuple[int, ...], tuple[int, tuple[int, ...] | None, int]]],
    target: tuple[int, ...],
) -> tuple[int, ...]:
    chosen: list[int] = []
    sums: tuple[int, ...] | None = target
    for states in reversed(history):
        assert sums is not None
        _, previous, index = states[sums]
        chosen.append(index)
        sums = previous
    return tuple(reversed(chosen))


def slot_candidates(options: Sequence[Option]) -> dict[tuple[int, int], set[int]]:
    """For each printed cell (by line and start), the slots the options give it."""
    found: dict[tuple[int, int], set[int]] = {}
    for option in options:
        for cell in option.cells:
            found.setdefault((cell.line, cell.start), set()).add(cell.slot)
    return found


def filled_candidates(options: Sequence[Option]) -> dict[int, set[str]]:
    """For each slot, the printed cells the options put there ('' where one leaves it empty)."""
    slots = {cell.slot for option in options for cell in option.cells}
    found: dict[int, set[str]] = {slot: set() for slot in slots}
    for option in options:
        taken = {cell.slot: cell.text for cell in option.cells}
        for slot in slots:
            found[slot].add(taken.get(slot, ""))
    return found
