"""Commands: what a client asks the ledger to record. Small frozen dataclasses, validated by the
aggregates that carry them out."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date
from typing import Any
from uuid import UUID

from domain.indicator import IndicatorKind
from domain.provenance import Provenance
from domain.task import TaskKind, TaskStatus
from domain.text import TextKind, TextLimits, check_key, check_text, passes

TEXT_KINDS: dict[str, TextKind] = {
    "name": TextKind.NAME,
    "title": TextKind.NAME,
    "item": TextKind.NAME,
    "responsible": TextKind.NAME,
    "group": TextKind.NAME,
    "printed": TextKind.NAME,
    "job_category": TextKind.LABEL,
    "grade": TextKind.LABEL,
    "account": TextKind.LABEL,
    "category": TextKind.LABEL,
    "measure": TextKind.LABEL,
    "period": TextKind.LABEL,
    "when": TextKind.LABEL,
    "as_printed": TextKind.LABEL,
    "what": TextKind.REASON,
    "milestones": TextKind.REASON,
    "note": TextKind.DESCRIPTION,
    "description": TextKind.DESCRIPTION,
    "resolution": TextKind.DESCRIPTION,
    "series_key": TextKind.KEY,
}
"""The kind, and so the limit, of each text field a command carries (nested fields included:
a milestone's when and what); a field missing here is a LookupError, not a pass."""


def camel(name: str) -> str:
    """A command field's name as the API spells it (job_category -> jobCategory)."""
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _check_value(field: str, kind: str, value: object, limits: TextLimits) -> None:
    if isinstance(value, str):
        if kind not in TEXT_KINDS:
            raise LookupError(f"{field}: no text kind for command field {kind!r}")
        check_text(field, value, limits.of(TEXT_KINDS[kind]))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_value(f"{field}[{index}]", kind, item, limits)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(f"{field} (a key)", str(key), limits.label)
            inner = key if key in TEXT_KINDS else kind
            _check_value(f"{field}.{key}", inner, item, limits)
    elif is_dataclass(value) and not isinstance(value, type):
        for part in fields(value):
            name = f"{field}.{camel(part.name)}"
            _check_value(name, part.name, getattr(value, part.name), limits)


def _passes(kind: str, value: object, limits: TextLimits) -> bool:
    """Whether _check_value would pass the value, looked at without naming any field (the
    bulk of an import passes): False wherever it might not, so that _check_value names why."""
    cls = type(value)
    if cls in _PLAIN:
        return True
    if isinstance(value, str):
        text_kind = TEXT_KINDS.get(kind)
        return text_kind is not None and len(value) <= limits.of(text_kind) and passes(value)
    if isinstance(value, list | tuple):
        for item in value:  # noqa: SIM110 (a loop: all() over a generator costs twice as much)
            if not _passes(kind, item, limits):
                return False
        return True
    if isinstance(value, dict):
        for key, item in value.items():
            label = str(key)
            if len(label) > limits.label or not passes(label):
                return False
            if not _passes(key if key in TEXT_KINDS else kind, item, limits):
                return False
        return True
    if hasattr(cls, "__dataclass_fields__") and not isinstance(value, type):
        for name, _ in _field_names(cls):
            if not _passes(name, getattr(value, name), limits):
                return False
    return True


_PLAIN = frozenset({int, float, bool, type(None), date, UUID})
"""Types _check_value passes as they are (no text in them)."""
_FIELD_NAMES: dict[type, tuple[tuple[str, str], ...]] = {}


def _field_names(cls: type) -> tuple[tuple[str, str], ...]:
    """A dataclass's field names, each with its name as the API spells it (camel)."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple((part.name, camel(part.name)) for part in fields(cls))
    return names


@dataclass(frozen=True)
class Command:
    """Base of all commands; expected_version guards the subject against lost updates."""

    def check_text(self, limits: TextLimits) -> None:
        """InvalidInput naming the field when a text the command carries is too long or holds a
        character the ledger refuses (domain/text.py)."""
        for name, api_name in _field_names(type(self)):
            value = getattr(self, name)
            if not _passes(name, value, limits):
                _check_value(api_name, name, value, limits)


def check_request(
    command: Command, provenance: Provenance, limits: TextLimits, idempotency_key: str | None = None
) -> None:
    """Every text of a request within its limit and free of refused characters."""
    check_key(idempotency_key, limits)
    provenance.check_text(limits)
    command.check_text(limits)


@dataclass(frozen=True)
class RegisterOrgUnit(Command):
    name: str
    parent_id: UUID | None
    valid_from: date
    unit_id: UUID | None = None


@dataclass(frozen=True)
class RenameOrgUnit(Command):
    org_unit_id: UUID
    name: str
    valid_from: date
    expected_version: int | None = None


@dataclass(frozen=True)
class MoveOrgUnit(Command):
    org_unit_id: UUID
    parent_id: UUID | None
    valid_from: date
    expected_version: int | None = None


@dataclass(frozen=True)
class CloseOrgUnit(Command):
    org_unit_id: UUID
    valid_from: date
    expected_version: int | None = None


@dataclass(frozen=True)
class StaffingRowInput:
    job_category: str
    grade: str | None
    authorized: int | None
    current: int
    women: int | None = None
    series_key: str | None = None
    resolution: str | None = None

    def fields(self) -> dict[str, Any]:
        """The row's fields by name (a shallow copy: dataclasses.asdict deep-copies each)."""
        return {
            "job_category": self.job_category,
            "grade": self.grade,
            "authorized": self.authorized,
            "current": self.current,
            "women": self.women,
            "series_key": self.series_key,
            "resolution": self.resolution,
        }


@dataclass(frozen=True)
class RecordStaffing(Command):
    org_unit_id: UUID
    reference_date: date
    rows: tuple[StaffingRowInput, ...]
    women: int | None = None
    note: str | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class RetractStaffing(Command):
    org_unit_id: UUID
    reference_date: date
    expected_version: int | None = None


@dataclass(frozen=True)
class RecordBudgetLine(Command):
    line_id: UUID | None
    org_unit_id: UUID
    fiscal_year: int
    account: str | None
    item: str
    reference_date: date
    budgeted: int
    executed: int | None
    projects: int | None = None
    note: str | None = None
    as_printed: dict[str, Any] | None = None
    expected_version: int | None = None
    new_line_id: UUID | None = None


@dataclass(frozen=True)
class RetractBudgetRecord(Command):
    line_id: UUID
    reference_date: date
    expected_version: int | None = None


@dataclass(frozen=True)
class RecordTask(Command):
    task_id: UUID | None
    org_unit_id: UUID
    kind: TaskKind
    title: str
    status: TaskStatus | None
    valid_from: date
    listed: bool = True
    status_since: date | None = None
    category: str | None = None
    number: int | None = None
    responsible: str | None = None
    milestones: tuple[dict[str, str], ...] = field(default_factory=tuple)
    expected_version: int | None = None
    new_task_id: UUID | None = None
    description: str | None = None


@dataclass(frozen=True)
class RetractTaskRecord(Command):
    task_id: UUID
    valid_from: date
    expected_version: int | None = None


@dataclass(frozen=True)
class RecordIndicatorValue(Command):
    indicator_id: UUID | None
    org_unit_id: UUID
    name: str
    measure: str
    period: str
    kind: IndicatorKind
    value: int
    reference_date: date
    group: str | None = None
    printed: str | None = None
    expected_version: int | None = None
    new_indicator_id: UUID | None = None


@dataclass(frozen=True)
class RetractIndicatorValue(Command):
    indicator_id: UUID
    period: str
    kind: IndicatorKind
    reference_date: date
    expected_version: int | None = None
