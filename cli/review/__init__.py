"""The review `govledger ingest` prints for a person who reads Korean reports: the report as
read (reading.py, facts.py), then against the ledger as known now (changes.py)."""

from __future__ import annotations

from rich.console import Console

from api.ingest import Review
from cli.review.changes import print_changes, print_outcome
from cli.review.reading import print_reading


def print_review(console: Console, review: Review, verbose: bool = False) -> None:
    print_reading(console, review.reading)
    print_changes(console, review, verbose)
    print_outcome(console, review)
