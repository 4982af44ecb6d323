"""`govledger ingest REPORT.txt ...`: each work report's text read, checked by its own printed
totals, matched against the ledger as it stands and printed for review (cli/review/); written as
a data file with --out, recorded with --apply (docs/ingest.md). Every report is read and checked
before anything is recorded: one that cannot be read fully stops them all."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w
from rich.console import Console

from api.ingest import HoldingsReader, Review, holdings_reader, review_report
from api.runtime import Runtime
from cli.progress import bar
from cli.progress import console as progress
from cli.review import print_review
from cli.startup import CommandError, open_runtime
from ledger.importing.checks import CheckError
from ledger.importing.entries import KINDS
from ledger.importing.importer import ImportStopped
from reports.model import Reading
from reports.reader import read_report

WAIT_SECONDS = 30
"""How long a report waits for another process's projector to catch up with the log."""
UNIT_HINT = "; say whose report it is with --unit NAME"
DOCUMENT_ORDER = ("source", *KINDS, "checks")
HEADER = (
    "# Drafted by `govledger ingest` from {file}: a data file of docs/data-format.md.\n"
    "# Review the proposals (source.notes) before `govledger import` records it.\n\n"
)


@dataclass(frozen=True)
class Report:
    path: Path
    text: str
    reading: Reading

    @property
    def file(self) -> str:
        return self.path.name


def ingest_command(args: argparse.Namespace) -> None:
    out = Path(args.out) if args.out else None
    if out is not None and out.exists() and not out.is_dir():
        raise CommandError(f"ingest: --out {out} is not a folder")
    reports = [read(Path(path), args.unit) for path in args.reports]
    if out is not None and len({report.path.stem for report in reports}) < len(reports):
        raise CommandError("ingest: --out: two reports of one name would write one draft file")
    stop_unread(reports)
    runtime = open_runtime()
    try:
        catch_up(runtime)
        asyncio.run(review_all(runtime, reports, args, out))
    except CheckError as error:
        raise CommandError(f"ingest: nothing recorded: {error}") from None
    except ImportStopped as error:
        raise CommandError(f"ingest stopped: {error}") from None
    finally:
        runtime.close()


def read(path: Path, unit: str | None) -> Report:
    if not path.is_file():
        what = "is not a file" if path.exists() else "does not exist"
        raise CommandError(f"ingest: {path} {what}; give the text of a report (.txt)")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise CommandError(f"ingest: {path} is not UTF-8 text ({error.reason} at byte "
                           f"{error.start}); extract the report's text as UTF-8") from None
    except OSError as error:
        raise CommandError(f"ingest: {path} cannot be read: {error.strerror}") from None
    return Report(path, text, read_report(text, path.name, unit))


def stop_unread(reports: list[Report]) -> None:
    """One line per problem on stderr, and nothing recorded for any report, where one cannot be
    read fully."""
    unread = [report for report in reports if not report.reading.ok]
    if not unread:
        return
    for report in unread:
        for problem in report.reading.problems:
            unnamed = problem.column == "unit" and not report.reading.unit
            print(f"{problem}{UNIT_HINT * unnamed}", file=sys.stderr)
    count = sum(len(report.reading.problems) for report in unread)
    raise CommandError(
        f"ingest: nothing recorded: {len(unread)} of {len(reports)} reports cannot be read "
        f"fully ({count} problem{'s' * (count != 1)} above)"
    )


async def review_all(
    runtime: Runtime, reports: list[Report], args: argparse.Namespace, out: Path | None
) -> None:
    """Each report in the order given, against the ledger as it stands after the one before
    was recorded (--apply); with --apply and several reports, each is planned first, so that one
    the importer refuses records none of them."""
    console = Console(markup=False, highlight=False, emoji=False)
    async with holdings_reader(runtime.config) as holdings:
        if args.apply and len(reports) > 1:
            for report in reports:
                await review(runtime, holdings, report, args.unit, apply=False)
        for report in reports:
            found = await review(runtime, holdings, report, args.unit, apply=args.apply)
            print_review(console, found, args.verbose)
            if out is not None and found.draft is not None:
                written = write_draft(found.draft.document, out, report.path.stem)
                console.print(f"draft written to {written} (govledger import {out})")
            if found.applied and found.events:
                await asyncio.to_thread(catch_up, runtime)


async def review(
    runtime: Runtime, holdings: HoldingsReader, report: Report, unit: str | None, apply: bool
) -> Review:
    return await review_report(
        report.text, report.file, ledger=runtime.ledger, read_holdings=holdings, unit=unit,
        apply=apply,
    )


def catch_up(runtime: Runtime) -> None:
    """The read model brought up to the log (the holdings are read from it), or, where another
    process projects, waited for."""
    with bar("projecting the log") as advance:
        applied = runtime.catch_up(advance)
    if applied is None:
        progress.print("another govledger process projects the log; waiting for it")
        wait_for_read_model(runtime)


def wait_for_read_model(runtime: Runtime) -> None:
    """Until the other process's projector has applied the whole log, for WAIT_SECONDS at most."""
    projector = runtime.projector
    deadline = time.monotonic() + WAIT_SECONDS
    with runtime.connect() as conn:
        while projector.recorder.position(conn) < projector.log.head(conn):
            if time.monotonic() > deadline:
                raise CommandError(
                    f"ingest: the read model has not caught up with the log in {WAIT_SECONDS} s "
                    "(the projector of serve or project is behind or halted: /readyz)"
                )
            time.sleep(0.2)


def write_draft(document: dict[str, Any], folder: Path, stem: str) -> Path:
    """The draft as a data file of docs/data-format.md, <folder>/<stem>.toml."""
    path = folder / f"{stem}.toml"
    ordered = {name: document[name] for name in DOCUMENT_ORDER if document.get(name)}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(HEADER.format(file=document["source"]["file"]) + tomli_w.dumps(ordered),
                        encoding="utf-8")
    except OSError as error:
        raise CommandError(f"ingest: --out: cannot write {path}: {error.strerror}") from None
    return path


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    summary = (
        "read work reports' text, check every total they print, and review what they would "
        "change in the ledger; --apply records it (docs/ingest.md)"
    )
    ingest = commands.add_parser("ingest", help=summary, description=summary)
    ingest.add_argument("reports", nargs="+", metavar="REPORT.txt",
                        help="a report's text as extracted from its PDF or HWP (UTF-8)")
    ingest.add_argument("--apply", action="store_true",
                        help="record the change set (nothing when any report has a problem)")
    ingest.add_argument("--out", metavar="DIR",
                        help="also write each draft as DIR/<report>.toml for govledger import")
    ingest.add_argument("--unit", metavar="NAME",
                        help="the report's unit, where its text does not name it (no cover)")
    ingest.add_argument("-v", "--verbose", action="store_true",
                        help="list the unchanged facts too")
    ingest.set_defaults(run=ingest_command)
