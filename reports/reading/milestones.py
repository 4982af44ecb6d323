"""Milestones: the lines of a task's '향후 계획' / '향후 일정' that say what is planned and when,
kept as printed. A line gives a milestone in one of three printed forms:

- `what : when` (`시정 동반자인 시의회와 소통 활성화 : 연중 계속`), where when reads as a time;
- `what(when)`, one or more, separated by commas (`기본계획 확정·발표(13.3월말), 세부계획
  수립·추진(13.4월~)`), where the parentheses hold nothing but a date;
- a deadline inside the text (`중기부 로드맵에 따라 '21년까지 소각규모 점진적 확대`).

Any other line (a sub-point, a note, a table row) gives none."""

from __future__ import annotations

import re
from collections.abc import Iterable

from domain.names import unspaced
from reports.model import Milestone
from reports.reading.outline import bare

BULLETS = "○-－–•∙‣▸◦"
_PLAN_HEADINGS = ("향후계획", "향후일정")
_OTHER_HEADINGS = (
    "추진방향", "추진내용", "추진계획", "추진실적", "추진배경", "추진경과", "추진근거", "추진상황",
    "사업개요",
)  # fmt: skip
_TIME = re.compile(
    r"\d\s*월|['’‘`]\s*\d{2}|\d{4}|연\s*중|계속|상반기|하반기|이후|까지|수시|매월|분기|~"
)
_DATE = (
    r"['’‘`]?\d{2}\.\s*(?:\d{1,2}\s*월?\s*(?:말|초|중)?|상반기|하반기)"
    r"\s*(?:~\s*(?:\d{1,2}\s*월?)?)?"
)
_DATED = re.compile(rf"(?P<what>.+?)\s*\((?P<when>{_DATE})\)\s*(?:,\s*|$)")
_DEADLINE = re.compile(r"(?:['’‘`]\d{2}|\d{4})년\s*까지")


def plan_heading(line: str) -> str | None:
    """Whether line opens a plan ('□ 향후 계획', '○ 향후계획 : ...'): the text printed after the
    heading on the same line ('' if none), else None."""
    text = bare(line)
    if not unspaced(text).startswith(_PLAN_HEADINGS):
        return None
    _, colon, rest = text.partition(":")
    return rest.strip() if colon else ""


def ends_plan(line: str) -> bool:
    """Whether line opens another part of the task (□ boxes, markdown headings, 추진 내용 ...)."""
    stripped = line.strip()
    if stripped.startswith(("□", "#")):
        return True
    return unspaced(bare(line)).startswith(_OTHER_HEADINGS)


def bullet_text(line: str) -> str | None:
    """The text of a bulleted line (○, -, －, ...), or None if the line has no bullet."""
    stripped = line.strip()
    if not stripped or stripped[0] not in BULLETS:
        return None
    return stripped.lstrip(BULLETS).strip()


def milestones_of(line: str) -> list[Milestone]:
    """The milestones one bulleted plan line states (see the module's docstring)."""
    text = bullet_text(line)
    if not text:
        return []
    what, colon, when = text.rpartition(" : ")
    if colon and _TIME.search(when):
        return [Milestone(when=when.strip(), what=what.strip().rstrip(":").strip())]
    if colon:
        text = what.strip()
    dated = _dated(text)
    if dated:
        return dated
    deadline = _DEADLINE.search(text)
    if deadline is not None:
        return [Milestone(when=deadline.group(), what=text)]
    return []


def _dated(text: str) -> list[Milestone]:
    """`what(when), what(when)`: every part must end in a parenthesised date."""
    found: list[Milestone] = []
    position = 0
    for match in _DATED.finditer(text):
        if match.start() != position:
            return []
        found.append(Milestone(when=match["when"], what=match["what"].strip()))
        position = match.end()
    return found if position == len(text) else []


def plan_milestones(lines: Iterable[str]) -> list[Milestone]:
    """The milestones of a task's body: every line of each plan, up to the next part."""
    found: list[Milestone] = []
    in_plan = False
    for line in lines:
        rest = plan_heading(line)
        if rest is not None:
            in_plan = True
            found.extend(milestones_of(f"○ {rest}") if rest else [])
        elif in_plan and ends_plan(line):
            in_plan = False
        elif in_plan:
            found.extend(milestones_of(line))
    return found
