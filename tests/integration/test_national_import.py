"""The national dataset (benchmarks/national) imported into a real ledger: the first years of one
government of scale 0.001 (as many as it takes to hold a rename, a move, a corrected fact of each
kind and checked totals), written as the TOML files `govledger import` reads, record exactly the
events expected_counts gives, each correction as one event; afterwards the ledger holds what the
last document states, and importing the whole folder again records nothing (a fact stated again
by a later document's correction is left to that correction)."""

from __future__ import annotations

import shutil
from pathlib import Path

from api.runtime import Runtime
from benchmarks.national import Counts, expected_counts, governments_of
from benchmarks.national.__main__ import write
from ledger.importing.importer import REASONS, Importer

SCALE, SEED = 0.001, 7


def exercised(counts: Counts) -> bool:
    moved = counts.events["OrgUnit.Renamed"] and counts.events["OrgUnit.Moved"]
    fixed = all(counts.corrections[kind] for kind in ("staffing", "budget", "tasks"))
    return bool(moved and fixed and counts.checks)


def test_a_government_records_the_expected_events(runtime: Runtime, tmp_path: Path) -> None:
    government = min(governments_of(SCALE, SEED), key=lambda g: len(g.units)).key
    years = range(2006, 2025)
    chosen = [expected_counts(SCALE, SEED, governments=[government], last_year=y) for y in years]
    last_year, counts = next((y, c) for y, c in zip(years, chosen, strict=True) if exercised(c))
    folder = tmp_path / "national"
    write(folder, SCALE, SEED, last_year, [government])

    report = Importer(runtime.ledger).import_folder(folder)

    assert (report.files, report.checks) == (counts.documents, counts.checks)
    assert report.events == counts.events
    fixed = {kind: n for kind, (_, n) in report.by_kind().items() if n}
    assert fixed == counts.corrections
    reasons = {Importer(runtime.ledger).provenance(p).reason for _, p in report.plans}
    assert reasons == set(REASONS)
    last = tmp_path / "last"
    last.mkdir()
    shutil.copy(sorted(folder.glob("*.toml"))[-1], last)
    assert Importer(runtime.ledger).import_folder(last).recorded == 0
    again = Importer(runtime.ledger).import_folder(folder)
    assert (again.recorded, dict(again.events)) == (0, {})
