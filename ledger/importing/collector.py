"""The cyclic garbage collector paused while an import runs.

An import keeps what it reads and decides alive to its end (documents, plans, aggregates,
their events): hundreds of thousands of objects a year of the national dataset. Every one of
them was walked twice by the young passes, and again by each full pass, with no garbage to
find: the national load at scale 0.03 spent 24.1 s of 182 in the collector with CPython's
defaults, 12.9 s with fewer young passes and no full one, and 0.4-0.6 s with none, at the
same peak memory (579-580 MB; BENCHMARKS.md). Garbage is still freed by reference counting
meanwhile; the collector finds any cycles once the outermost import has ended."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_importing = 0
_was_enabled = True
_lock = threading.Lock()


@contextmanager
def quiet_collector() -> Iterator[None]:
    """Within it, and until the outermost one of any thread ends, no automatic pass of the
    cyclic garbage collector; as it was found (enabled or not) afterwards."""
    global _importing, _was_enabled
    with _lock:
        if not _importing:
            _was_enabled = gc.isenabled()
            gc.disable()
        _importing += 1
    try:
        yield
    finally:
        with _lock:
            _importing -= 1
            if not _importing and _was_enabled:
                gc.enable()
