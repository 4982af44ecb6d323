"""Who recorded a fact, why, and from which document: carried by every event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.names import clean


@dataclass(frozen=True)
class Provenance:
    actor: str
    reason: str | None = None
    source: str | None = None

    @property
    def has_reason(self) -> bool:
        return bool(clean(self.reason or ""))

    def fields(self) -> dict[str, Any]:
        return {
            "actor": self.actor,
            "reason": clean(self.reason) if self.reason else None,
            "source": clean(self.source) if self.source else None,
        }
