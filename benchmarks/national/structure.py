"""What stays of a government over the 20 years: its tree as first registered (a root, ~8-15
bureaus under it, departments under them), each unit's staffing series and budget lines, and which
governments a scale keeps. Deterministic by seed: each government draws from a generator seeded by
(seed, its key), so a government is the same whichever others a run keeps."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import NamedTuple

from benchmarks.national.draws import between, pick
from benchmarks.national.places import PLACES, Place
from benchmarks.national.words import (
    ACCOUNT_WEIGHTS,
    ACCOUNTS,
    BASE_ITEMS,
    BUREAUS,
    CORE,
    DEPARTMENT_SUFFIXES,
    EXTRAS,
    HEAD_ROWS,
    ITEM_NOUNS,
    ITEM_SUFFIXES,
    ROOT_ITEMS,
    ROOT_ROWS,
    Series,
)

ROOT, BUREAU, DEPARTMENT = 0, 1, 2
SIZES: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
    "metropolitan": ((250, 400), (12, 15)),
    "시": ((130, 280), (9, 13)),
    "구": ((120, 230), (8, 11)),
    "군": ((80, 150), (8, 10)),
}
"""(units, bureaus) of a government at full size, by kind (a basic one by its last syllable)."""
SMALLEST = 4
"""The fewest units a government keeps at a small scale: a root, two bureaus, a department."""


class Line(NamedTuple):
    key: str
    account: str
    item: str
    size: int
    """The first year's budget, in 천원."""
    projects: bool


class Unit(NamedTuple):
    key: str
    name: str
    """The name it is registered with."""
    parent: int
    """Its parent's index in the government's units; -1 for the root."""
    level: int
    themes: tuple[str, ...]
    """A bureau's department themes; a department's own theme; the root's none."""
    series: tuple[Series, ...]
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Government:
    index: int
    place: Place
    units: tuple[Unit, ...]
    full_units: int
    """Its number of units at full size (80-400)."""

    @property
    def key(self) -> str:
        return self.place.key

    @property
    def founded(self) -> date:
        return self.place.founded

    @property
    def money_unit(self) -> str:
        return "백만원" if self.place.metropolitan else "천원"

    @cached_property
    def lines(self) -> int:
        return sum(len(unit.lines) for unit in self.units)

    @cached_property
    def bureaus(self) -> int:
        return sum(unit.level == BUREAU for unit in self.units)

    def of_level(self, level: int) -> list[int]:
        return [i for i, unit in enumerate(self.units) if unit.level == level]


def kind(place: Place) -> str:
    return "metropolitan" if place.metropolitan else place.name[-1]


def chosen(scale: float, seed: int) -> tuple[list[int], float]:
    """The governments a scale keeps (indexes into PLACES) and the share of each one's units
    kept: all 243 whole at full size; else about 243 x scale^0.7 of them (at least 2), chosen by
    seed, with as many units in all as `scale` of the full size's (each government's share the
    same, so that a large government stays larger)."""
    if not 0 < scale <= 1:
        raise ValueError(f"scale {scale} is not in (0, 1]")
    if scale == 1:
        return list(range(len(PLACES))), 1.0
    count = min(len(PLACES), max(2, round(len(PLACES) * scale**0.7)))
    picked = sorted(random.Random(f"{seed}/governments/{count}").sample(range(len(PLACES)), count))
    sizes = [full_size(random.Random(f"{seed}/{place.key}/structure"), place) for place in PLACES]
    return picked, min(1.0, scale * sum(sizes) / sum(sizes[i] for i in picked))


def full_size(rng: random.Random, place: Place) -> int:
    """A government's number of units at full size: its structure's first draw."""
    (low, high), _ = SIZES[kind(place)]
    return rng.randint(low, high)


def build(index: int, share: float, seed: int) -> Government:
    place = PLACES[index]
    rng = random.Random(f"{seed}/{place.key}/structure")
    full = full_size(rng, place)
    few, many = SIZES[kind(place)][1]
    units_wanted = max(SMALLEST, round(full * share))
    bureaus = min(units_wanted - 2, max(2, round(rng.randint(few, many) * share)))
    departments = units_wanted - 1 - bureaus
    templates = [*BUREAUS[:2], *rng.sample(BUREAUS[2:], bureaus - 2)]
    homes = [j if j < bureaus else rng.randrange(bureaus) for j in range(departments)]
    used: set[str] = set()
    large = place.metropolitan
    units = [unit(rng, place.key, place.registered_name, -1, ROOT, (), large)]
    number = 0
    for j, (name, themes) in enumerate(templates):
        units.append(unit(rng, f"{place.key}.b{j + 1:02d}", name, 0, BUREAU, themes, large))
        home = len(units) - 1
        for _ in range(homes.count(j)):
            number += 1
            theme, name = fresh_name(rng, themes, used)
            key = f"{place.key}.d{number:03d}"
            units.append(unit(rng, key, name, home, DEPARTMENT, (theme,), large))
    return Government(index, place, tuple(units), full)


def unit(
    rng: random.Random,
    key: str,
    name: str,
    parent: int,
    level: int,
    themes: tuple[str, ...],
    large: bool,
) -> Unit:
    extras = rng.sample(EXTRAS, between(rng.random, 0, 3))
    head = (*ROOT_ROWS, *HEAD_ROWS) if level == ROOT else HEAD_ROWS if level == BUREAU else ()
    series = (*head, *CORE, *sorted(extras))
    return Unit(key, name, parent, level, themes, series, lines(rng, key, level, themes, large))


def lines(
    rng: random.Random, key: str, level: int, themes: tuple[str, ...], large: bool
) -> tuple[Line, ...]:
    """A unit's budget lines: the government's two 업무추진비 and its base expenses; a bureau's
    base expenses and one item at times; a department's base expenses and 1-3 items of its theme.
    Sizes in 천원, three times as large in a metropolitan government."""
    rnd = rng.random
    scale = 3 if large else 1
    found = [
        Line(
            f"{key}.l1",
            ACCOUNTS[0],
            pick(rnd, BASE_ITEMS),
            between(rnd, 10, 300) * 1000 * scale,
            False,
        )
    ]
    if level == ROOT:
        for item in ROOT_ITEMS:
            size = between(rnd, 50, 400) * 1000 * scale
            found.append(Line(f"{key}.l{len(found) + 1}", ACCOUNTS[0], item, size, False))
    count = between(rnd, 1, 3) if level == DEPARTMENT else between(rnd, 0, 1) if themes else 0
    for _ in range(count):
        item = f"{pick(rnd, themes)} {pick(rnd, ITEM_NOUNS)}{pick(rnd, ITEM_SUFFIXES)}"
        draw = rnd()
        account = ACCOUNTS[(draw >= ACCOUNT_WEIGHTS[0]) + (draw >= ACCOUNT_WEIGHTS[1])]
        size = int(50_000 * 400 ** rnd()) * scale
        found.append(Line(f"{key}.l{len(found) + 1}", account, item, size, True))
    return tuple(found)


def fresh_name(
    rng: random.Random, themes: tuple[str, ...], used: set[str], keep: str | None = None
) -> tuple[str, str]:
    """A department name of one of the themes (keep's, when given) not used in the government
    before; it is used from now on."""
    pool = (keep,) if keep else themes
    for _ in range(20):
        theme = rng.choice(pool)
        name = theme + rng.choice(DEPARTMENT_SUFFIXES)
        if name not in used:
            used.add(name)
            return theme, name
    for theme in (*pool, *themes):
        for suffix in DEPARTMENT_SUFFIXES:
            if theme + suffix not in used:
                used.add(theme + suffix)
                return theme, theme + suffix
    theme = pool[0]
    name = f"{theme}제{len(used)}과"
    used.add(name)
    return theme, name
