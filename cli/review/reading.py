"""The report as read, table by table in the order printed: the facts found, every printed total
checked, every cell placed only by the totals (printed text, candidates, why the chosen one),
the figures no printed total covers; then the text skipped."""

from __future__ import annotations

from rich.console import Console, Group
from rich.rule import Rule
from rich.text import Text

from cli.review.facts import facts_table
from cli.review.figures import figure, line, lines, table, titled
from reports.model import Check, Reading, Resolution, Table

FIGURES = ("printed", "computed")
SHARED = 40
"""The least length of the reasons a resolution shares with the one above to say them once."""


def print_reading(console: Console, reading: Reading) -> None:
    console.print(Rule(Text(heading(reading), style="bold")))
    for found in sorted(reading.tables, key=lambda t: (t.first_line, t.last_line)):
        print_table(console, found)
    if reading.skipped:
        console.print(skipped(reading))


def heading(reading: Reading) -> str:
    day = reading.reference_date.isoformat() if reading.reference_date else "no date"
    title = f" — {reading.title}" if reading.title else ""
    return f"{reading.file}{title} · {reading.unit} · 기준일 {day}"


def print_table(console: Console, found: Table) -> None:
    where = f"line {found.first_line}" if found.first_line == found.last_line else (
        f"lines {lines(found.first_line, found.last_line)}")
    console.print(Text(f"\n[{found.kind}] {found.title} ({where})", style="bold cyan"))
    for part in (facts_table(found), checks(found), resolutions(found)):
        if part is not None:
            console.print(part)
    if found.unchecked:
        cells = ", ".join(f"{cell.row} / {cell.column} (line {cell.line})"
                          for cell in found.unchecked)
        console.print(Text(f"figures no printed total covers: {cells}", style="yellow"))


def checks(found: Table) -> Group | None:
    if not found.checks:
        return None
    agreeing = sum(check.agrees or check.misprint is not None for check in found.checks)
    own = all(check.table == found.title for check in found.checks)
    named = () if own else ("table",)
    printed = table("line", *named, "row", "column", *FIGURES, "agrees", numeric=FIGURES)
    for check in found.checks:
        table_name = () if own else (check.table,)
        printed.add_row(line(check.source.line), *table_name, check.row, check.column,
                        figure(check.printed), figure(check.computed), agrees(check))
    return titled(f"printed totals checked ({agreeing} of {len(found.checks)} agree)", printed)


def agrees(check: Check) -> Text:
    if check.agrees:
        return Text("yes", style="green")
    if check.misprint is not None:
        return Text(f"misprint: {check.misprint}", style="yellow")
    return Text("NO", style="bold red")


def resolutions(found: Table) -> Group | None:
    if not found.resolutions:
        return None
    printed = table("line", "row", "column", "printed", "candidates", "chosen", "why")
    before: Resolution | None = None
    for resolution in found.resolutions:
        printed.add_row(
            line(resolution.source.line), resolution.row, resolution.column,
            repr(resolution.printed), " | ".join(map(repr, resolution.candidates)),
            repr(resolution.chosen), why(resolution, before),
        )
        before = resolution
    return titled(f"cells placed only by the totals ({len(found.resolutions)})", printed)


def why(resolution: Resolution, before: Resolution | None) -> str:
    """The resolution's why; where the one above, of the same row, gave the same reasons (the
    totals place a row's cells together), only what differs, and '(as above)'."""
    if before is None or (before.source, before.row) != (resolution.source, resolution.row):
        return resolution.why
    text = resolution.why
    shared = shared_end(text, before.why)
    cut = text.find(": ", len(text) - shared)
    if shared < SHARED or cut < 0:
        return text
    return f"{text[:cut]}: … (as above)"


def skipped(reading: Reading) -> Group:
    printed = table("lines", "heading", "why")
    for stretch in reading.skipped:
        printed.add_row(lines(stretch.first_line, stretch.last_line), stretch.heading,
                        stretch.why)
    return titled(f"\ntext skipped ({len(reading.skipped)})", printed)


def shared_end(one: str, other: str) -> int:
    """How many characters the two texts end with alike."""
    count = 0
    for mine, theirs in zip(reversed(one), reversed(other), strict=False):
        if mine != theirs:
            break
        count += 1
    return count
