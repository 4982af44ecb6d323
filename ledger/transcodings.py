"""JSON transcodings for the value types our events carry beyond eventsourcing's defaults."""

from __future__ import annotations

from datetime import date

from eventsourcing.persistence import Transcoding


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        assert isinstance(data, str)
        return date.fromisoformat(data)
