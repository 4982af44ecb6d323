"""Line utilities shared by the readers: normalising text, joining spaced-out names, and reading
the dates, money units and figures as the reports print them. Every function takes the printed
text and returns what it says, or None where it says nothing of the kind."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from domain.names import clean, unspaced

APOSTROPHES = "'’‘`´′"
_YEAR = rf"(?:(?P<y4>(?:19|20)\d\d)|[{APOSTROPHES}](?P<y2>\d\d))"
_DATE = re.compile(_YEAR + r"\s*\.\s*(?P<m>\d{1,2})\s*\.\s*(?P<d>\d{1,2})(?![\d~])")
_MONTH = re.compile(_YEAR + r"\s*\.\s*(?P<m>\d{1,2})\s*\.?(?![\d~])")
_MONEY = re.compile(r"(백만원|천만원|천원|억원|조원|원)")
_UNIT_CAPTION = re.compile(r"단\s*위")
_RATE = re.compile(r"\(\s*(?:집\s*행\s*률)?\s*(?P<rate>\d+(?:\.\d+)?)\s*%\s*\)")
_INT = re.compile(r"[+\-－△▲]?\d{1,3}(?:,\d{3})+|[+\-－△▲]?\d+")
_ZERO = frozenset({"", "-", "－", "–", "—", "0"})
_SPACED_RUN = re.compile(r"(?<!\S)[가-힣](?:\s+[가-힣])+(?!\S)")
_EOK = re.compile(r"(?:(?P<jo>\d[\d,]*)\s*조\s*)?(?:(?P<eok>\d[\d,]*)\s*억)")

_HEADING = re.compile(
    r"^\s*(?:#+\s|[ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ]+\s*[.．]?(?:\s|$)|(?:I{1,3}|IV|V|VI{0,3})\s*(?:[.．]\s|$)"
    r"|\d{1,2}\s*\.?\s+[가-힣]|[①-⑳]\s*\S)"
)


def normalize(text: str) -> str:
    """The text in NFC, as the ledger compares Korean text."""
    return unicodedata.normalize("NFC", text)


def label(text: str) -> str:
    """A table label without the spaces of spaced-out cells (`정 원` -> `정원`)."""
    return unspaced(text)


def join_spaced(text: str) -> str:
    """Close up runs of single syllables (`기 획 담 당 관` -> `기획담당관`, `구 분 2019년` ->
    `구분 2019년`), leaving words of two or more syllables as they are spaced."""
    return _SPACED_RUN.sub(lambda found: unspaced(found.group()), clean(text))


def _year(found: re.Match[str]) -> int:
    if found.group("y4"):
        return int(found.group("y4"))
    short = int(found.group("y2"))
    return 2000 + short if short < 70 else 1900 + short


def find_date(text: str) -> date | None:
    """The first full date printed in text: `'20. 6. 30.`, `’19.3.31.`, `('20. 4. 20. 현재)`,
    `2013. 1. 23(수)`, with straight or curly apostrophes."""
    for found in _DATE.finditer(normalize(text)):
        try:
            return date(_year(found), int(found.group("m")), int(found.group("d")))
        except ValueError:
            continue
    return None


def find_month(text: str) -> tuple[int, int] | None:
    """A year and month printed without a day (`2020. 3.`), as on a report's cover."""
    found = _MONTH.search(normalize(text))
    if found is None or not 1 <= int(found.group("m")) <= 12:
        return None
    return _year(found), int(found.group("m"))


def money_unit(text: str) -> str | None:
    """The money unit of a caption (`(단위 : 천원)`, `단위: 백만원`, `(기준 / 단위 : '20. 1. 31.
    / 천원)`); None where the caption gives no unit or a unit that is not money (`명`)."""
    caption = _UNIT_CAPTION.search(text)
    if caption is None:
        return None
    found = _MONEY.search(text, caption.end())
    if found is None:
        return None
    closing = text.find(")", caption.end())
    if closing != -1 and found.start() > closing:
        return None
    return found.group()


def parse_int(text: str) -> int | None:
    """A printed whole number: `1,247,406`, `-645,131*` (a footnote mark), `△51` (minus); `-`
    and an empty cell are 0. None where the text is not a number."""
    cell = text.strip().rstrip("*").strip()
    if cell in _ZERO:
        return 0
    found = _INT.fullmatch(cell)
    if found is None:
        return None
    sign = -1 if cell[0] in "-－△▲" else 1
    return sign * int(cell.lstrip("+-－△▲").replace(",", ""))


def parse_rate(text: str) -> float | None:
    """A rate printed in parentheses: `(15.9%)`, `(집행률 24.4%)`."""
    found = _RATE.search(text)
    return float(found.group("rate")) if found else None


def amount_and_rate(cell: str) -> tuple[str, float | None]:
    """A money cell that carries its rate (`56,732 (15.9%)`): the amount as printed, and the
    rate."""
    found = _RATE.search(cell)
    if found is None:
        return cell.strip(), None
    return cell[: found.start()].strip(), float(found.group("rate"))


def rate_span(text: str) -> tuple[int, int] | None:
    """Where the figure of a printed rate is on its line (start, end)."""
    found = _RATE.search(text)
    return found.span("rate") if found else None


def percent(part: int, whole: int, places: int = 1) -> float:
    """part / whole in percent, rounded half up as the reports print rates."""
    if whole == 0:
        return 0.0
    exact = Decimal(part * 100) / Decimal(whole)
    return float(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def round_to(value: int, factor: int) -> int:
    """value / factor rounded half up (a figure in 백만원 as 억원: factor 100)."""
    quotient = Decimal(value) / Decimal(factor)
    return int(quotient.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def korean_amount(text: str) -> tuple[int, str, tuple[int, int]] | None:
    """An amount written in 조 and 억 (`1조 6,100억원`, `총 6,023억`): the figure in 억원, the
    unit `억원`, and where it is printed."""
    found = _EOK.search(text)
    if found is None:
        return None
    eok = int(found.group("eok").replace(",", ""))
    jo = int(found.group("jo").replace(",", "")) if found.group("jo") else 0
    return jo * 10000 + eok, "억원", found.span()


MONEY_FACTORS = {"원": 1, "천원": 1_000, "백만원": 1_000_000, "억원": 100_000_000}


def is_heading(line: str) -> bool:
    """Whether a line opens a section: a markdown heading, a chapter (Ⅰ., Ⅱ), a numbered
    section (`2 인력 현황`, `## 3.`), or a circled number (①)."""
    return bool(_HEADING.match(line)) and not line.lstrip().startswith(("-", "○", "※"))


@dataclass(frozen=True)
class Token:
    """A figure, a slash or a parenthesised figure of a space-separated row, with its place on
    the line."""

    kind: str
    """num, slash or paren."""
    text: str
    start: int
    end: int
    value: int = 0


_TOKEN = re.compile(
    r"(?P<paren>\(\s*(?:[-－]|\d[\d,]*)\s*\))"
    r"|(?P<num>(?<![\w.~·∼])[-－△]?\d{1,3}(?:,\d{3})+(?![\d.%가-힣~·∼])"
    r"|(?<![\w.~·∼])[-－△]?\d+(?![\d.%가-힣~·∼])|(?<!\S)[-－](?!\S))"
    r"|(?P<slash>/)"
)


def tokens(text: str, start: int = 0) -> list[Token]:
    """The figures of a space-separated row from offset start: numbers (`-` is 0), slashes
    (`306 /289`), and parenthesised figures (`(174)`, `( - )`) with the offsets of the figure
    itself."""
    found: list[Token] = []
    for match in _TOKEN.finditer(text, start):
        kind = match.lastgroup or "num"
        if kind == "slash":
            found.append(Token("slash", "/", match.start(), match.end()))
            continue
        figure = match.group()
        begin, end = match.span()
        if kind == "paren":
            inner = figure.strip("() ")
            begin = match.start() + figure.index(inner)
            end = begin + len(inner)
            figure = inner
        found.append(Token(kind, figure, begin, end, parse_int(figure) or 0))
    return found


def first_figure(text: str) -> int:
    """Where the first figure of a row is printed (the end of the row's label): the first
    digit, or a `-`, `/` or `(` that opens a cell."""
    for match in _TOKEN.finditer(text):
        return match.start()
    return len(text)


def tab_cells(text: str) -> list[tuple[str, int, int]]:
    """The cells of a tab-separated line: text (stripped) and where it is printed."""
    cells: list[tuple[str, int, int]] = []
    offset = 0
    for raw in text.split("\t"):
        stripped = raw.strip()
        begin = offset + (raw.find(stripped) if stripped else 0)
        cells.append((stripped, begin, begin + len(stripped)))
        offset += len(raw) + 1
    return cells
