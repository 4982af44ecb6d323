"""A report's outline as the task and indicator readers need it: chapter headings (Ⅱ. 주요 업무,
Ⅲ 주요사업 추진계획), numbered headings of the body, and headings written as printed with the
spaces of spaced-out text closed up (`Ⅱ. 주  요  업  무` is `Ⅱ. 주요업무`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from domain.names import unspaced
from reports.reading.text import join_spaced

_ROMAN_VALUES = {
    "Ⅰ": 1, "Ⅱ": 2, "Ⅲ": 3, "Ⅳ": 4, "Ⅴ": 5, "Ⅵ": 6, "Ⅶ": 7, "Ⅷ": 8, "Ⅸ": 9, "Ⅹ": 10,
    "I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9, "X": 10,
}  # fmt: skip
ROMAN = "|".join(sorted(_ROMAN_VALUES, key=len, reverse=True))
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

_CHAPTER = re.compile(rf"^(?P<numeral>{ROMAN})\s*[.．]?\s+(?P<title>\S.*)$")
_NUMBER_ALONE = re.compile(r"^(?P<number>\d{1,2})\s*\.?$")
_NUMBER_TITLE = re.compile(r"^(?P<number>\d{1,2})\s*\.?\s+(?P<title>\S.*)$")
_MARKS = re.compile(r"^[#\s]+|\*\*")
_BOXES = "□■●◆◇▷▶○ "


def plain(line: str) -> str:
    """A line without markdown heading marks and bold, and without surrounding spaces."""
    return _MARKS.sub("", line).strip()


def bare(line: str) -> str:
    """A line as plain, also without the boxes and bullets that open a heading (□ 추진 방향)."""
    return plain(line).lstrip(_BOXES).strip()


def roman_value(numeral: str) -> int:
    return _ROMAN_VALUES[numeral]


def alike(a: str, b: str, at_least: float) -> bool:
    """Whether two titles, once their spaces are removed, are at least this alike (0 to 1, the
    share of characters they have in common); the cheap bounds first, as most lines are not."""
    matcher = SequenceMatcher(None, unspaced(a), unspaced(b))
    return (
        matcher.real_quick_ratio() >= at_least
        and matcher.quick_ratio() >= at_least
        and matcher.ratio() >= at_least
    )


@dataclass(frozen=True)
class Heading:
    """A numbered heading: a chapter (roman numeral) or a task (number), as printed."""

    label: str
    """The numeral as printed (Ⅲ, IV, 3)."""
    title: str
    line: int

    @property
    def text(self) -> str:
        """The heading as written in a section path: `Ⅲ. 주요사업 추진계획`."""
        return f"{self.label}. {self.title}"


def chapter_at(lines: list[str], number: int) -> Heading | None:
    """The chapter heading printed on line number (1-based), if it is one: a roman numeral and a
    title, not a row of a table of contents (those are tab-separated)."""
    line = lines[number - 1]
    if "\t" in line:
        return None
    found = _CHAPTER.match(plain(line))
    if found is None:
        return None
    return Heading(found["numeral"], join_spaced(found["title"]), number)


def chapters(lines: list[str]) -> list[Heading]:
    return [h for n in range(1, len(lines) + 1) if (h := chapter_at(lines, n)) is not None]


def numbered_at(lines: list[str], number: int, end: int) -> Heading | None:
    """A body heading with an Arabic number on line number: `1 민생 중심의 ...`, or the number
    alone with its title on the next non-blank line (`# 1` / `## 민생 ...`)."""
    text = plain(lines[number - 1])
    found = _NUMBER_TITLE.match(text)
    if found is not None:
        return Heading(found["number"], join_spaced(found["title"]), number)
    if _NUMBER_ALONE.match(text) is None:
        return None
    for following in range(number + 1, end + 1):
        title = plain(lines[following - 1])
        if title:
            return Heading(text.rstrip(". "), join_spaced(title), number)
    return None


def is_blank(line: str) -> bool:
    """Blank, or a markdown rule (`---`) between the items of a list."""
    return not line.strip() or (set(line.strip()) <= {"-"} and len(line.strip()) >= 3)
