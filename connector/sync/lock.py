"""One sync at a time per state directory: an advisory file lock, released by the OS if the process dies."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from pathlib import Path

from connector.sync.state import ensure_state_dir, state_error


class Locked(Exception):
    pass


class SyncLock:
    def __init__(self, state_dir: Path):
        self.path = state_dir / "sync.lock"
        self._fd: int | None = None

    def acquire(self, *, wait: bool = False, poll: float = 0.5, waiting: Callable[[str], None] | None = None) -> None:
        """Take the lock (Locked if another process holds it, unless `wait`: then `waiting` is told once whom it
        waits for); a state directory this process cannot use is a StateError."""
        ensure_state_dir(self.path.parent)
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as err:
            raise state_error(self.path, "take the sync lock", err) from None
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "another process"
                why = f"another sync holds the lock {self.path} (pid {holder})"
                if not wait:
                    os.close(fd)
                    raise Locked(why) from None
                if waiting is not None:
                    waiting(why)
                    waiting = None
                time.sleep(poll)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> SyncLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
