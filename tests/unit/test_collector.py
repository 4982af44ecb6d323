"""The collector paused while imports run (ledger/importing/collector.py): off within the
outermost one, whichever thread ends last, and afterwards as it was found."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from ledger.importing.collector import quiet_collector


@pytest.fixture
def enabled() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was else gc.disable)()


def test_paused_within_nested_imports_and_back_after_the_outermost(enabled: None) -> None:
    with quiet_collector():
        assert not gc.isenabled()
        with quiet_collector():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_an_import_in_another_thread_keeps_it_paused_until_it_ends(enabled: None) -> None:
    entered, leave = threading.Event(), threading.Event()

    def other() -> None:
        with quiet_collector():
            entered.set()
            leave.wait(10)

    thread = threading.Thread(target=other)
    thread.start()
    entered.wait(10)
    with quiet_collector():
        pass
    assert not gc.isenabled()
    leave.set()
    thread.join(10)
    assert gc.isenabled()


def test_a_collector_found_off_stays_off(enabled: None) -> None:
    gc.disable()
    with quiet_collector():
        pass
    assert not gc.isenabled()


def test_an_error_within_still_resumes_it(enabled: None) -> None:
    with pytest.raises(ValueError), quiet_collector():
        raise ValueError("refused")
    assert gc.isenabled()
