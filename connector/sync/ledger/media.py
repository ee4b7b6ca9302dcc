"""Images already uploaded per channel (the adapters' `MediaCache`), and the content hashes of local image files."""

from __future__ import annotations

import hashlib
from pathlib import Path

from connector.sync.ledger.connection import LedgerFile, now


class Media:
    def __init__(self, file: LedgerFile):
        self._file = file

    def get(self, channel: str, sha256: str) -> str | None:
        rows = self._file.rows("SELECT image_id FROM media WHERE channel = ? AND sha256 = ?", (channel, sha256))
        return rows[0][0] if rows else None

    def put(self, channel: str, sha256: str, image_id: str) -> None:
        with self._file.transaction():
            self._file.db["media"].upsert({"channel": channel, "sha256": sha256, "image_id": image_id,
                                           "uploaded_at": now()}, pk=("channel", "sha256"))

    def file_sha256(self, path: Path) -> str:
        """The content hash of a local image, re-read only when its size or mtime changed."""
        st = path.stat()
        key = str(path)
        rows = self._file.rows("SELECT size, mtime_ns, sha256 FROM files WHERE path = ?", (key,))
        if rows and rows[0][0] == st.st_size and rows[0][1] == st.st_mtime_ns:
            return rows[0][2]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        with self._file.transaction():
            self._file.db["files"].upsert({"path": key, "size": st.st_size, "mtime_ns": st.st_mtime_ns,
                                           "sha256": digest}, pk="path")
        return digest
