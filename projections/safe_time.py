"""The latest (position, safe time) an API process knows, kept where every worker process of one
server reads it: a 16-byte memory map shared by the workers, or process memory for a single
process. Values only grow: an update that would lower either is ignored, under a file lock, so
that two workers learning of the projector's progress at once cannot interleave."""

from __future__ import annotations

import fcntl
import mmap
import os
import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path

LAYOUT = struct.Struct("<qq")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NEVER = -(2**63)


def to_micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def from_micros(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=micros)


class SafeTimeBoard:
    """Where a process reads the read model's position and safe time without a query."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._fd: int | None = None
        self._local = bytearray(LAYOUT.pack(0, NEVER))
        self._map: mmap.mmap | bytearray = self._local
        if path is not None:
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                if os.fstat(self._fd).st_size < LAYOUT.size:
                    os.ftruncate(self._fd, LAYOUT.size)
                    os.pwrite(self._fd, LAYOUT.pack(0, NEVER), 0)
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            self._map = mmap.mmap(self._fd, LAYOUT.size)

    @property
    def shared(self) -> bool:
        return self._fd is not None

    def read(self) -> tuple[int, datetime | None]:
        """The pair as one worker wrote it (read until two reads agree: another worker may be
        writing it meanwhile)."""
        found = LAYOUT.unpack_from(self._map, 0)
        while (again := LAYOUT.unpack_from(self._map, 0)) != found:
            found = again
        position, micros = found
        return position, None if micros == NEVER else from_micros(micros)

    def advance(self, position: int, safe_time: datetime | None) -> None:
        micros = NEVER if safe_time is None else to_micros(safe_time)
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            old_position, old_micros = LAYOUT.unpack_from(self._map, 0)
            if position > old_position or micros > old_micros:
                new = LAYOUT.pack(max(position, old_position), max(micros, old_micros))
                self._map[0 : LAYOUT.size] = new
        finally:
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if isinstance(self._map, mmap.mmap):
            self._map.close()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
