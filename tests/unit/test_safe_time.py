"""The safe-time board (projections/safe_time.py): a process's latest position and safe time,
in its own memory or shared through a file by a server's workers. Both values only grow, each on
its own; nothing known is written as NEVER and read back as None."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from projections import safe_time
from projections.safe_time import NEVER, SafeTimeBoard, from_micros, to_micros

T1 = datetime(2026, 1, 1, 9, 0, 0, 123456, tzinfo=UTC)
T2 = T1 + timedelta(microseconds=1)
T3 = T1 + timedelta(hours=1)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def shared(tmp_path: Path) -> Iterator[Path]:
    """A board file as `serve --workers` makes one: created empty beforehand."""
    path = tmp_path / "safe-time"
    path.touch()
    yield path


def open_board(path: Path | None = None) -> SafeTimeBoard:
    return SafeTimeBoard(path)


def test_a_new_board_knows_no_safe_time(shared: Path) -> None:
    """Position 0 and no safe time, in process and in a new (empty) file."""
    local, board = open_board(), open_board(shared)
    try:
        assert local.read() == (0, None)
        assert board.read() == (0, None)
        assert not local.shared and board.shared
        assert shared.stat().st_size == safe_time.LAYOUT.size
    finally:
        local.close()
        board.close()


def test_micros_round_trip_to_the_microsecond() -> None:
    """A moment survives the board's encoding exactly, whatever its UTC offset."""
    seoul = T1.astimezone(timezone(timedelta(hours=9)))
    assert from_micros(to_micros(T1)) == T1
    assert from_micros(to_micros(seoul)) == T1
    assert to_micros(T2) - to_micros(T1) == 1
    assert to_micros(T1) > NEVER


@pytest.mark.parametrize("is_shared", [False, True], ids=["in-process", "shared"])
def test_position_and_safe_time_only_grow_each_on_its_own(is_shared: bool, shared: Path) -> None:
    """An advance that would lower either value leaves that one as it was and still raises the
    other."""
    board = open_board(shared if is_shared else None)
    try:
        board.advance(5, T2)
        assert board.read() == (5, T2)
        board.advance(3, T1)  # both lower: nothing changes
        assert board.read() == (5, T2)
        board.advance(4, T3)  # position lower, safe time higher
        assert board.read() == (5, T3)
        board.advance(9, T1)  # position higher, safe time lower
        assert board.read() == (9, T3)
        board.advance(9, T3)  # the same again
        assert board.read() == (9, T3)
    finally:
        board.close()


@pytest.mark.parametrize("is_shared", [False, True], ids=["in-process", "shared"])
def test_an_unknown_safe_time_never_lowers_a_known_one(is_shared: bool, shared: Path) -> None:
    """None (no safe time yet) advances the position alone; it never erases a safe time."""
    board = open_board(shared if is_shared else None)
    try:
        board.advance(2, None)
        assert board.read() == (2, None)
        board.advance(3, T1)
        board.advance(7, None)
        assert board.read() == (7, T1)
    finally:
        board.close()


def test_two_boards_on_one_file_see_each_others_advances(shared: Path) -> None:
    """What one worker learns, the other reads at once; and neither lowers the other's."""
    first, second = open_board(shared), open_board(shared)
    try:
        first.advance(10, T1)
        assert second.read() == (10, T1)
        second.advance(11, T2)
        assert first.read() == (11, T2)
        first.advance(4, T1)
        assert second.read() == (11, T2)
    finally:
        first.close()
        second.close()


def test_a_board_opened_later_keeps_what_the_file_holds(shared: Path) -> None:
    """A worker that starts (or restarts) after the others reads their values, and does not
    reset them."""
    first = open_board(shared)
    first.advance(42, T3)
    late = open_board(shared)
    try:
        assert late.read() == (42, T3)
        assert first.read() == (42, T3)
    finally:
        first.close()
        late.close()


def test_boards_in_process_memory_are_apart() -> None:
    """Without a file, each board is its own (a single process)."""
    first, second = open_board(), open_board()
    first.advance(3, T1)
    assert second.read() == (0, None)


WRITER = """
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from projections.safe_time import SafeTimeBoard

board = SafeTimeBoard(Path(sys.argv[1]))
start = datetime(2026, 1, 1, tzinfo=UTC)
offset = int(sys.argv[2])
for i in range(offset, 4000, 2):
    board.advance(i, start + timedelta(microseconds=i))
board.close()
"""


def test_boards_in_two_processes_end_at_the_greatest_values(shared: Path) -> None:
    """Two processes advancing the same file at once (one the even values, one the odd): the
    file ends at the greatest of both, and a reader meanwhile never sees a value go back."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    script = textwrap.dedent(WRITER)
    writers = [
        subprocess.Popen([sys.executable, "-c", script, str(shared), str(offset)], env=env)
        for offset in (0, 1)
    ]
    reader = open_board(shared)
    last, went_back = reader.read(), []
    try:
        while any(writer.poll() is None for writer in writers):
            now = reader.read()
            if now[0] < last[0] or (last[1] is not None and (now[1] is None or now[1] < last[1])):
                went_back.append((last, now))
            last = now
        assert [writer.wait(timeout=30) for writer in writers] == [0, 0]
        final = reader.read()
    finally:
        for writer in writers:
            writer.kill()
        reader.close()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert final == (3999, start + timedelta(microseconds=3999))
    assert went_back == []


def test_opening_a_board_waits_for_a_worker_that_holds_the_file(shared: Path) -> None:
    """A board sets up an empty file under the file lock: while another worker holds the lock
    (it is setting the file up, or advancing it), opening waits, then keeps that worker's
    values instead of writing its own initial ones over them."""
    worker = os.open(shared, os.O_RDWR | os.O_CREAT)
    fcntl.flock(worker, fcntl.LOCK_EX)
    opened: list[SafeTimeBoard] = []
    thread = threading.Thread(target=lambda: opened.append(open_board(shared)))
    thread.start()
    try:
        thread.join(0.3)
        assert thread.is_alive(), "the board did not wait for the lock"
        os.ftruncate(worker, safe_time.LAYOUT.size)
        os.pwrite(worker, safe_time.LAYOUT.pack(7, to_micros(T1)), 0)
    finally:
        fcntl.flock(worker, fcntl.LOCK_UN)
        os.close(worker)
        thread.join(5)
    assert opened[0].read() == (7, T1)
    opened[0].close()
