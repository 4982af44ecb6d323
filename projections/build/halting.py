"""Halting at an event the projector cannot apply (projections/halt.py says what a halt is):
which event failed, the halt shown in the metrics and logged once, and cleared when the
projector passes it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from prometheus_client import Gauge

from projections import halt
from projections.build.log import Entry
from projections.halt import Halt

log = logging.getLogger(__name__)
HALTED = Gauge("govledger_projector_halted", "1 while the projector is halted at an event")
HALTED_AT = Gauge(
    "govledger_projector_halted_position", "Log position of the event it is halted at (0: none)"
)


@dataclass
class EventFailed(Exception):
    """Applying the log from `position` to `last` failed; with `count` 1, that event is the
    cause."""

    position: int
    topic: str
    recorded_at: datetime
    count: int
    last: int
    error: BaseException

    @classmethod
    def of(cls, entries: list[Entry], error: BaseException) -> EventFailed:
        first = entries[0]
        return cls(
            first.position,
            first.topic,
            first.recorded_at,
            len(entries),
            entries[-1].position,
            error,
        )


class Halting:
    """The halt the projector is at, if any, as this process knows it."""

    def __init__(self) -> None:
        self.halt: Halt | None = None
        self.reported: tuple[int, str] | None = None

    def load(self, conn: psycopg.Connection[Any]) -> None:
        self.show(halt.recorded(conn))

    def record(self, conn: psycopg.Connection[Any], failed: EventFailed) -> None:
        """Record the halt at the failed event where every process sees it (logged once per
        event and error)."""
        kind, error = halt.event_type(failed.topic), halt.error_text(failed.error)
        found = Halt(failed.position, kind, error)
        if self.reported != (failed.position, error):
            self.reported = (failed.position, error)
            log.error("%s", found.describe(), exc_info=failed.error)
        self.show(halt.record(conn, found))

    def passed(self, position: int) -> bool:
        return self.halt is not None and position >= self.halt.position

    def resumed(self) -> None:
        assert self.halt is not None
        log.warning("projection continues past position %s", self.halt.position)
        self.reported = None
        self.show(None)

    def show(self, found: Halt | None) -> None:
        self.halt = found
        HALTED.set(0 if found is None else 1)
        HALTED_AT.set(0 if found is None else found.position)
