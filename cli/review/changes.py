"""The report against the ledger as known now: the new facts (with what changed since the value
in force the day before), the corrections (each changed cell old -> new), the unchanged facts
(counted by kind; listed with -v), the matches a person should look at (anything but a plain
"same ..."), every proposal, and the totals the format cannot carry."""

from __future__ import annotations

from collections import Counter

from rich.console import Console, Group
from rich.text import Text

from api.ingest import CORRECTED, NEW, UNCHANGED, FactReview, Review
from cli.review.figures import change, counted, line, table, titled
from ledger.importing.cells import Cell
from reports.draft import Draft, Match

PLAIN = (
    "same name",
    "same category and grade",
    "same unit, fiscal year, account and item",
    "same date and number",
    "same title",
    "same name and group",
)
"""The reasons of a match that needs no second look: the ledger holds the fact as printed."""
NEW_TO_LOOK_AT = ("unit", "series")


def print_changes(console: Console, review: Review, verbose: bool) -> None:
    console.print(Text(f"\nagainst the ledger as known now: {summary(review)}", style="bold"))
    for part in (
        new_facts(review.facts),
        corrections(review.facts),
        unchanged(review.facts, verbose),
    ):
        if part is not None:
            console.print(part)
    if review.draft is not None:
        print_to_confirm(console, review.draft)


def summary(review: Review) -> str:
    return (
        f"{review.count(NEW)} new, {counted(review.count(CORRECTED), 'correction')}, "
        f"{review.count(UNCHANGED)} unchanged; {counted(review.checks, 'printed total')} "
        "checked again on the draft"
    )


def new_facts(facts: list[FactReview]) -> Group | None:
    new = [fact for fact in facts if fact.status == NEW]
    if not new:
        return None
    printed = table("line", "fact", "since the day before")
    for fact in new:
        printed.add_row(line(fact.line), fact.what, since(fact.cells))
    return titled(f"new facts ({len(new)})", printed)


def since(cells: tuple[Cell, ...]) -> str:
    """A new fact's cells against the value in force the day before: the ones that moved, or,
    for a fact with nothing before it, how many it holds."""
    if all(cell.old is None for cell in cells):
        return f"first record ({len(cells)} cells)"
    moved = [cell for cell in cells if cell.changed]
    if not moved:
        return "every cell as before"
    return "\n".join(f"{cell.field}: {change(cell.old, cell.new)}" for cell in moved)


def corrections(facts: list[FactReview]) -> Group | None:
    corrected = [fact for fact in facts if fact.status == CORRECTED]
    if not corrected:
        return None
    printed = table("line", "fact", "cell", "old -> new")
    for fact in corrected:
        for index, cell in enumerate(fact.cells):
            first = index == 0
            printed.add_row(line(fact.line) if first else "", fact.what if first else "",
                            cell.field, change(cell.old, cell.new))
    return titled(f"corrections ({len(corrected)})", printed)


def unchanged(facts: list[FactReview], verbose: bool) -> Group | None:
    held = [fact for fact in facts if fact.status == UNCHANGED]
    if not held:
        return None
    if verbose:
        listed = table("line", "fact")
        for fact in held:
            listed.add_row(line(fact.line), fact.what)
        return titled(f"unchanged facts ({len(held)})", listed)
    counted = table("kind", "facts", numeric=("facts",))
    for kind, count in Counter(fact.kind for fact in held).items():
        counted.add_row(kind, str(count))
    return titled(f"unchanged facts ({len(held)}; -v lists them)", counted)


def print_to_confirm(console: Console, draft: Draft) -> None:
    """What a person must confirm before --apply: the matches that are not plain, every
    proposal, and the printed totals the draft cannot carry."""
    for part in (matches(draft), proposals(draft)):
        if part is not None:
            console.print(part)
    for total in draft.left_out:
        console.print(Text(f"checked by the reader, not written to the draft: {total}",
                           style="yellow"))


def to_look_at(match: Match) -> bool:
    """Every match but a plain "same ...", and the new units and series (a new line, task or
    indicator is listed among the new facts already)."""
    if match.new:
        return match.kind in NEW_TO_LOOK_AT
    return match.why not in PLAIN


def matches(draft: Draft) -> Group | None:
    shown = [match for match in draft.matches if to_look_at(match)]
    if not shown:
        return None
    printed = table("line", "kind", "in the report", "key", "why")
    for match in shown:
        where = line(match.source.line) if match.source else ""
        printed.add_row(where, match.kind, match.label, match.key, match.why)
    return titled(f"matches to look at ({len(shown)})", printed)


def proposals(draft: Draft) -> Group | None:
    if not draft.proposals:
        return None
    printed = table("line", "subject", "field", "value", "why")
    for proposal in draft.proposals:
        where = line(proposal.source.line) if proposal.source else ""
        printed.add_row(where, proposal.subject, proposal.field, proposal.value, proposal.why)
    return titled(f"proposals to confirm before --apply ({len(draft.proposals)})", printed)


def print_outcome(console: Console, review: Review) -> None:
    """What --apply recorded (events by type), or what it would."""
    to_record = review.count(NEW) + review.count(CORRECTED)
    if not review.applied:
        said = (f"nothing recorded; --apply records {counted(to_record, 'fact')}" if to_record
                else "nothing to record: the ledger holds every fact of this report")
        console.print(Text(said, style="bold"))
        return
    if not review.events:
        console.print(Text("recorded nothing: the ledger holds this report already",
                           style="bold"))
        return
    printed = table("event", "count", numeric=("count",))
    for event_type, count in sorted(review.events.items()):
        printed.add_row(event_type, str(count))
    console.print(titled(f"recorded {counted(sum(review.events.values()), 'event')}", printed))
