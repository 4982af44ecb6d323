"""The heap of a long-running process (a serving one; a command's: cli/startup.py), settled
once it has started, for a shorter tail and a faster projection.

A read allocates thousands of short-lived containers (the document's results, the answer's
dicts); CPython's collector runs its youngest generation every 700 allocations and, every
hundred of those, may traverse every object alive, including the tens of thousands that
start-up left for good (modules, the schema, its types and resolvers). Those full passes are
the pauses a client sees as its slowest requests. So, after start-up: collect once, move every
object alive into the permanent generation (`gc.freeze`, never traversed again), and run the
young generations less often. (A request's own values must not be cyclic garbage: Loaders.close
and the executor's build_response see to it; else each young pass frees thousands at once.)
BENCHMARKS.md gives what it did to the p99, and to a rebuild of
295,429 events (in one process: 10.9 s of 98.5 in the collector before, 2.4 s of 80.3 after;
`govledger rebuild`: 72.7 s of CPU before, 66.0 and 67.6 after)."""

from __future__ import annotations

import gc

THRESHOLDS = (10_000, 20, 20)
"""Allocations before a young collection, then young collections before a middle one, and
middle ones before a full one (CPython's defaults: 700, 10, 10)."""


def settle() -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
