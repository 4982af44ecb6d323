"""Running `govledger ingest`'s path in a test (api/ingest.py), and the seeds' texts."""

from __future__ import annotations

import asyncio
from pathlib import Path

from api.ingest import Review, holdings_reader, review_report
from api.runtime import Runtime

ROOT = Path(__file__).resolve().parents[2]
SEEDS = sorted((ROOT / "data" / "seeds").glob("*.txt"))
SEOUL_DATA = ROOT / "data" / "seoul"
UNNAMED = {"002": "시장비서실"}
"""The unit of a seed whose text never names it (its cover was not extracted)."""
IN_DATE_ORDER = ("003", "002", "000", "001", "004")
"""The seeds by the dates they report on: 2013-01-23, 2019-03-31, 2020-01-31, 2020-03-31,
2020-04-20."""


def seed(prefix: str) -> Path:
    return next(path for path in SEEDS if path.name.startswith(prefix))


def ingest(
    runtime: Runtime, text: str, file: str, *, apply: bool = False, unit: str | None = None
) -> Review:
    """The review of a report against the ledger as its read model holds it now (caught up
    first), recorded with apply."""
    runtime.catch_up()

    async def review() -> Review:
        async with holdings_reader(runtime.config) as read:
            return await review_report(
                text,
                file,
                ledger=runtime.ledger,
                read_holdings=read,
                unit=unit or UNNAMED.get(file[:3]),
                apply=apply,
            )

    return asyncio.run(review())


def ingest_seed(runtime: Runtime, prefix: str, *, apply: bool = False) -> Review:
    path = seed(prefix)
    return ingest(runtime, path.read_text(encoding="utf-8"), path.name, apply=apply)
