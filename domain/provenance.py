"""Who recorded a fact, why, and from which document: carried by every event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.names import clean
from domain.text import TextLimits, check_chars, check_text


@dataclass(frozen=True)
class Provenance:
    actor: str
    reason: str | None = None
    source: str | None = None

    @property
    def has_reason(self) -> bool:
        return bool(clean(self.reason or ""))

    def check_text(self, limits: TextLimits) -> None:
        check_text("actor", self.actor, limits.name)
        check_text("reason", self.reason, limits.reason)
        check_text("source", self.source, limits.reason)

    def fields(self) -> dict[str, Any]:
        """The event's provenance fields; refuses a character no event may carry whatever
        path the command took."""
        for name in ("actor", "reason", "source"):
            value = getattr(self, name)
            if value is not None:
                check_chars(name, value)
        return {
            "actor": self.actor,
            "reason": clean(self.reason) if self.reason else None,
            "source": clean(self.source) if self.source else None,
        }
