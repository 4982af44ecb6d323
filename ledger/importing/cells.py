"""A planned fact's cells: each field of what the ledger holds and of what the plan would record,
side by side, for a person to review (`govledger ingest`, the explorer's ingest page). A staffing
table's rows are cells by series (`일반직 5급 current`), a task's milestones one cell."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ROW_FIGURES = ("authorized", "current", "women", "resolution")


@dataclass(frozen=True)
class Cell:
    field: str
    old: Any
    new: Any

    @property
    def changed(self) -> bool:
        return bool(self.old != self.new)


def cells(held: Any, wanted: Any) -> list[Cell]:
    """Every cell of the fact, held (None for a new fact) against wanted, in wanted's order."""
    old, new = flatten(held), flatten(wanted)
    names = list(dict.fromkeys([*new, *old]))
    return [Cell(name, old.get(name), new.get(name)) for name in names]


def changed(held: Any, wanted: Any) -> list[Cell]:
    return [cell for cell in cells(held, wanted) if cell.changed]


def flatten(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        return {"value": value}
    flat: dict[str, Any] = {}
    for name, item in value.items():
        if name == "rows" and isinstance(item, list):
            flat.update(_rows(item))
        elif name == "as_printed" and isinstance(item, dict):
            flat.update({f"printed {key}": figure for key, figure in item.items()})
        else:
            flat[name] = item
    return flat


def _rows(rows: list[dict[str, Any]]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for row in rows:
        label = " ".join(filter(None, (row.get("job_category"), row.get("grade"))))
        for figure in ROW_FIGURES:
            if figure in row:
                flat[f"{label} {figure}"] = row[figure]
    return flat
