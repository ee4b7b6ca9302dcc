"""The state directory and the files in it (ledger, sync lock, the embedded sandbox's store): when one cannot be
used, a `StateError` with one line that names the path, what was tried and what to do. The command prints that
line and exits 2; an operator's mistake (the wrong user, `state_dir` naming a file, a full disk) is never a
traceback."""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
from pathlib import Path

AS_THE_SERVICE = "run as the user that owns it (for the service: the pasindo user, see README Operations)"
_ADVICE = {
    errno.EACCES: f"{AS_THE_SERVICE}, or give this user access to it",
    errno.EPERM: f"{AS_THE_SERVICE}, or give this user access to it",
    errno.EEXIST: "state_dir must be a folder: point state_dir at one, or move the file away",
    errno.ENOTDIR: "state_dir must be a folder: point state_dir at one, or move the file away",
    errno.ENOSPC: "the disk is full: free some space on it, then run again",
    errno.EDQUOT: "the disk quota is used up: free some space, then run again",
    errno.EROFS: "the file system is read-only: put state_dir on a writable one",
}


class StateError(Exception):
    """A setup problem with the state directory or a file in it: one line for the operator (exit 2)."""


def state_error(path: Path | str, action: str, err: BaseException) -> StateError:
    """`PATH: cannot ACTION: REASON; what to do`, from the OS's or SQLite's error."""
    code = _errno(err)
    reason = os.strerror(code) if code else str(err)
    advice = _ADVICE.get(code or 0, "check that the path is right and that this user may write there")
    return StateError(f"{path}: cannot {action}: {reason.lower()}; {advice}")


def _errno(err: BaseException) -> int | None:
    if isinstance(err, OSError):
        return err.errno
    if isinstance(err, sqlite3.Error):
        text = str(err).lower()
        if "disk is full" in text:
            return errno.ENOSPC
        if "readonly" in text or "unable to open" in text or "permission" in text:
            return errno.EACCES
    return None


def ensure_state_dir(state_dir: Path) -> None:
    """The state directory as a folder only this user may open and this process can write, else StateError.

    A missing one is made owner-only (0700: the marketplace tokens live there). One that exists is never chmodded:
    the operator chose its mode, perhaps for a folder others need; if others may read, write or enter it, it is
    refused and the operator decides."""
    if state_dir.exists() and not state_dir.is_dir():
        raise StateError(f"{state_dir}: cannot use it as state_dir: it is a file, not a folder; point state_dir "
                         "at a folder (e.g. /var/lib/pasindo), or move the file away")
    if state_dir.is_dir():
        _refuse_shared(state_dir)
    else:
        try:
            state_dir.parent.mkdir(parents=True, exist_ok=True)
            _make_owner_only(state_dir)
        except OSError as err:
            raise state_error(state_dir, "create the state directory", err) from None
    if not os.access(state_dir, os.W_OK | os.X_OK):
        raise state_error(state_dir, "write in the state directory", PermissionError(errno.EACCES, "denied"))


def _make_owner_only(state_dir: Path) -> None:
    try:
        state_dir.mkdir(mode=0o700)
    except FileExistsError:  # another process made it since we looked: its mode is checked like any other's
        _refuse_shared(state_dir)
        return
    os.chmod(state_dir, 0o700)  # made just now, by us: the umask may have taken bits the mode needs


def _refuse_shared(state_dir: Path) -> None:
    """StateError if the group or others have any permission on the state directory."""
    try:
        mode = stat.S_IMODE(state_dir.stat().st_mode)
    except OSError as err:
        raise state_error(state_dir, "use the state directory", err) from None
    if mode & 0o077:
        raise StateError(f"{state_dir}: cannot use it as state_dir: others may open it (mode {mode:04o}) and the "
                         f"marketplace tokens are kept there; make it owner-only (chmod 700 {state_dir}) or point "
                         "state_dir at a folder only this user can open")


def readable_file(path: Path) -> bool:
    """Whether `path` is there to be read (a report reads a ledger only when there is one); a state directory that
    is a file, that others may open, or that this user may not enter, is a StateError."""
    if path.parent.exists():
        if not path.parent.is_dir():
            ensure_state_dir(path.parent)  # raises: it is a file
        _refuse_shared(path.parent)  # the reader too: an operator learns of an open state directory at once
    try:
        return path.is_file()
    except OSError as err:
        raise state_error(path, "read it", err) from None
