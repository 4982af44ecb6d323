"""The org tree's parent links over both time axes, held in memory by the projector to give
each event the path of units it concerns, and the government (the root of that path) it
belongs to, as the tree stood when it was recorded."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID


@dataclass
class ParentLink:
    valid_from: date
    parent_id: UUID | None
    recorded_from: datetime
    recorded_to: datetime | None = None
    seq: int = -1
    """The order in which the tree was given it (ParentTimelines.version)."""
    closed_seq: int | None = None
    """The seq of the link that superseded it, if one has."""

    def known_at(self, moment: datetime) -> bool:
        return self.recorded_from <= moment and (
            self.recorded_to is None or self.recorded_to > moment
        )

    def known_in(self, version: int) -> bool:
        """Believed once the tree had been given its first `version` links."""
        return self.seq < version and (self.closed_seq is None or self.closed_seq >= version)


class ParentTimelines:
    def __init__(self) -> None:
        self._links: dict[UUID, list[ParentLink]] = {}
        """Each unit's links by valid date (stable: in recorded order within a date)."""
        self._children: dict[UUID, set[UUID]] = {}
        """The units each unit has been the parent of, at any date, in any version."""
        self._stamps: list[datetime] = []
        """The recorded_from of each link, in the order given (the log's: never decreasing)."""

    @property
    def version(self) -> int:
        """How many links the tree has been given: the tree as it stood after the first n is
        the links known_in(n)."""
        return len(self._stamps)

    def version_at(self, moment: datetime) -> int:
        """The version of the tree as believed at a moment (known_in it is known_at it)."""
        return bisect.bisect_right(self._stamps, moment)

    def add(self, unit_id: UUID, link: ParentLink) -> None:
        link.seq = len(self._stamps)
        self._stamps.append(link.recorded_from)
        if link.parent_id is not None:
            self._children.setdefault(link.parent_id, set()).add(unit_id)
        links = self._links.setdefault(unit_id, [])
        for old in links:
            if old.valid_from == link.valid_from and old.recorded_to is None:
                old.recorded_to = link.recorded_from
            if old.valid_from == link.valid_from and old.closed_seq is None:
                old.closed_seq = link.seq
        links.append(link)
        if len(links) > 1 and links[-2].valid_from > link.valid_from:
            links.sort(key=lambda each: each.valid_from)

    def links(self, unit_id: UUID) -> list[ParentLink]:
        """The unit's links, by valid date, every version."""
        return self._links.get(unit_id, [])

    def ever_children(self, unit_id: UUID) -> set[UUID]:
        """Every unit that a link, of any date and version, puts below this one."""
        return self._children.get(unit_id, set())

    def link(self, unit_id: UUID, on: date, known_at: datetime) -> ParentLink | None:
        """The latest link valid on `on` and believed at known_at (None: no place yet)."""
        for link in reversed(self._links.get(unit_id, ())):
            if link.valid_from <= on and link.known_at(known_at):
                return link
        return None

    def parent(self, unit_id: UUID, on: date, known_at: datetime) -> UUID | None:
        """The parent of the latest link valid on `on` and believed at known_at."""
        for link in reversed(self._links.get(unit_id, ())):
            if link.valid_from <= on and link.known_at(known_at):
                return link.parent_id
        return None

    def place(self, unit_id: UUID, on: date, known_at: datetime) -> UUID | None:
        """The parent, as `parent`; for a date before the unit's first place believed at
        known_at (a fact dated before its registration), the parent of that first place."""
        first: ParentLink | None = None
        for link in reversed(self._links.get(unit_id, ())):
            if link.known_at(known_at):
                if link.valid_from <= on:
                    return link.parent_id
                first = link
        return None if first is None else first.parent_id

    def path(self, unit_id: UUID, on: date, known_at: datetime) -> list[UUID]:
        """The unit and its ancestors, nearest first."""
        path = [unit_id]
        parent = self.parent(unit_id, on, known_at)
        while parent is not None and parent not in path:
            path.append(parent)
            parent = self.parent(parent, on, known_at)
        return path

    def root(self, unit_id: UUID, on: date, known_at: datetime) -> UUID:
        """The government of the unit: the root its places lead to (`place`, so that a fact
        dated before a unit's registration belongs where the unit was registered). A root is
        its own government, and so is a unit the tree does not know."""
        seen = {unit_id}
        unit = unit_id
        while (parent := self.place(unit, on, known_at)) is not None and parent not in seen:
            seen.add(parent)
            unit = parent
        return unit
