"""A national dataset for govledger: Korea's 243 local governments over 20 years (2005-2024) of
quarterly staffing tables, yearly budget lines, task lists with their status and about 2%
corrections, as data documents (docs/data-format.md); about 10 million events at full size.
Deterministic by seed; `scale` keeps fewer governments and fewer units of each, all 20 years.

    from benchmarks.national import documents, expected_counts
    for name, document in documents(0.01, seed=1): ...

    .venv/bin/python -m benchmarks.national --scale 0.01 --seed 1 --summary
"""

from benchmarks.national.counts import Counts, expected_counts
from benchmarks.national.documents import documents, governments_of
from benchmarks.national.places import PLACES, Place
from benchmarks.national.structure import Government

__all__ = [
    "PLACES",
    "Counts",
    "Government",
    "Place",
    "documents",
    "expected_counts",
    "governments_of",
]
