"""The ledger file: one SQLite connection that writes, one lock, explicit `BEGIN IMMEDIATE` transactions, the
migrations; and a read connection per other thread (a channel's), so reads never queue behind the lock.

WAL, synchronous=FULL (an acknowledged write survives power loss too), one writer at a time. The stores write
only inside `transaction()`, so each of their changes is all or nothing.

sqlite-utils writes (upserts, `insert_all`) are safe inside `transaction()`: sqlite-utils 4 nests its own work
in a savepoint of the open transaction, and earlier versions wrap it in `with conn:`, which in Python's sqlite3
would commit the transaction begun here — so the connection's `with` does nothing while a transaction is open,
and the commit or rollback stays `transaction()`'s alone (tests/test_ledger.py proves both).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from connector.sync.ledger.migrations import MIGRATIONS
from connector.sync.state import ensure_state_dir, state_error


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


_decode = json.JSONDecoder().decode


def load_json(text: str | None) -> Any:
    return None if text is None else {} if text == "{}" else _decode(text)


def dump_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, ensure_ascii=False)


class _Connection(sqlite3.Connection):
    """A connection whose `with` block never ends a transaction it did not begin (see the module docstring)."""

    def __enter__(self) -> _Connection:
        return self

    def __exit__(self, *exc: object) -> bool:
        if self.in_transaction:
            return False
        return super().__exit__(*exc)


class LedgerFile:
    """The SQLite file under `state_dir`. Thread-safe: every statement goes through one connection under one lock."""

    def __init__(self, path: Path):
        """Opens (or creates) the file; a state directory or file this process cannot use is a StateError."""
        self.path = path
        ensure_state_dir(path.parent)
        conn = None
        try:
            os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))  # owner-only from the start: SQLite gives its
            os.chmod(path, 0o600)  # -wal and -shm files the database file's mode (an older file is tightened)
            conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30,
                                   factory=_Connection)
            self.db = sqlite_utils.Database(conn)
            self.lock = threading.RLock()
            self._owner = threading.get_ident()
            self._local = threading.local()  # per thread: its read connection, whether it is in a transaction
            self._readers: list[sqlite3.Connection] = []
            self._readers_lock = threading.Lock()
            with self.lock:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=FULL")  # an acknowledged write survives power loss too
                conn.execute("PRAGMA foreign_keys=ON")
                self._migrate()
            for companion in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                if companion.exists():
                    os.chmod(companion, 0o600)
        except (OSError, sqlite3.Error) as err:
            if conn is not None:
                conn.close()
            raise state_error(path, "open the ledger", err) from None

    def close(self) -> None:
        with self._readers_lock:
            for reader in self._readers:
                reader.close()
            self._readers.clear()
        self.db.conn.close()

    def _reader(self) -> sqlite3.Connection | None:
        """This thread's own read connection, or None for the connection that writes: the thread that opened the
        ledger, and any thread inside its own transaction (it must see what it has not committed yet). WAL lets
        readers on their own connections run beside the writer and each other, so one channel's planning never
        waits for another's writes."""
        if threading.get_ident() == self._owner or getattr(self._local, "writing", False):
            return None
        reader = getattr(self._local, "reader", None)
        if reader is None:
            reader = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
            reader.execute("PRAGMA query_only=ON")
            self._local.reader = reader
            with self._readers_lock:
                self._readers.append(reader)
        return reader

    @contextmanager
    def transaction(self, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (`BEGIN IMMEDIATE`): committed at the end, rolled back on any error.
        Inside another on the same thread it is part of that one: one commit (one disk sync) for both, and an error
        in either rolls back both.

        `durable=False` commits without waiting for the disk (`synchronous=NORMAL`): the commit survives the
        process being killed, and the next durable commit (any thread's: the write-ahead log is synced as a whole)
        makes it survive a power loss too; a power loss before that loses it, and only it and later ones, never an
        earlier commit. It is for what a run may safely redo when it is lost: a price or stock value the channel
        acknowledged (the next run finds the old value and sends the same one again). Joining an open transaction,
        it is as durable as that one; a durable one opened inside it is part of it, so keep inside it only writes
        that may be lost alike (the executor's: the values and their run items)."""
        with self.lock:
            conn = self.db.conn
            if getattr(self._local, "writing", False):
                yield conn
                return
            if not durable:
                conn.execute("PRAGMA synchronous=NORMAL")
            try:
                conn.execute("BEGIN IMMEDIATE")
                self._local.writing = True
                try:
                    yield conn
                except BaseException:
                    if conn.in_transaction:  # SQLite has already rolled back after some errors (a full disk)
                        conn.execute("ROLLBACK")
                    raise
                finally:
                    self._local.writing = False
                conn.execute("COMMIT")
            finally:
                if not durable:
                    conn.execute("PRAGMA synchronous=FULL")

    def query(self, sql: str, params: tuple | dict = ()) -> list[dict[str, Any]]:
        reader = self._reader()
        if reader is not None:
            cursor = reader.execute(sql, params)
            names = [d[0] for d in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        with self.lock:
            return list(self.db.query(sql, params))

    def rows(self, sql: str, params: tuple | dict = ()) -> list[tuple]:
        """Plain tuples, for the large reads (every binding of a channel) where dicts cost time."""
        reader = self._reader()
        if reader is not None:
            return reader.execute(sql, params).fetchall()
        with self.lock:
            return self.db.conn.execute(sql, params).fetchall()

    def _migrate(self) -> None:
        conn = self.db.conn
        conn.execute("CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY, applied_at TEXT)")
        done = {r[0] for r in conn.execute("SELECT version FROM migrations")}
        for version, script in enumerate(MIGRATIONS, start=1):
            if version in done:
                continue
            with self.transaction() as tx:
                # Another process (the daemon, a report) may have applied it since we looked: ask again under the
                # write lock, or both would run the same migration and the second would fail.
                if tx.execute("SELECT 1 FROM migrations WHERE version = ?", (version,)).fetchone():
                    continue
                for statement in filter(str.strip, script.split(";")):
                    tx.execute(statement)
                tx.execute("INSERT INTO migrations VALUES (?, ?)", (version, now()))

    def schema_version(self) -> int:
        return self.db.conn.execute("SELECT max(version) FROM migrations").fetchone()[0]

    def integrity(self) -> str:
        return self.db.conn.execute("PRAGMA integrity_check").fetchone()[0]
