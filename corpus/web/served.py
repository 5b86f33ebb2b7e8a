"""The store as ``tmbuild serve`` holds it: read without a lock, changed under the writer lock one edit at a time.

A running server must never block a build. So the server reads the store as any reader does (a read-only open,
never blocked) and takes the writer lock only for the moment an edit is written: a writable open, the edit,
the index files written, the lock released. Builds and imports beside it proceed; when another process has
changed the store (its generation, or its index files), the next request reopens it, so the server sees new
pairs without a restart. An edit that arrives while a build holds the lock waits :data:`EDIT_WAIT` seconds,
then is answered "busy" (:class:`Busy`: HTTP 503 with ``Retry-After``) and changes nothing.

Requests use the store one at a time (a lock): handlers run in worker threads, so a long request never stalls
the event loop, pages and static files.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ..store import Store, StoreBusy, StoreReadOnly
from ..store.database import DB_NAME, WriterLock

T = TypeVar("T")
EDIT_WAIT = 3.0  # seconds an edit waits for a build that holds the writer lock
RETRY_AFTER = 10  # seconds the page is told to wait before it tries a refused edit again
CHECK_EVERY = 1.0  # seconds between two looks at whether another process changed the store


class Busy(StoreBusy):
    """Another process (a build) is changing the store: the edit was not saved; try again soon."""


class Served:
    """A store for the web app: :meth:`read` and :meth:`write` run a function on it, one at a time.

    ``Served(store)`` serves an open store as it is (the tests, the Python API: edits go to it directly when it
    is writable). :meth:`open` serves a store folder the way ``tmbuild serve`` does: read-only, reopened when
    another process changed it, and writable for one edit at a time.
    """

    def __init__(self, store: Store, folder: Path | None = None, user: str | None = None) -> None:
        self.store = store
        self.folder = folder  # None: the store given is served as it is
        self.user = user
        self.lock = threading.Lock()
        self.can_write = not store.readonly if folder is None else _writable(folder)
        self._seen = self._version()
        self._checked = time.monotonic()
        self.reloads = 0  # how often another process's changes were read in

    @classmethod
    def open(cls, folder: Path, user: str | None = None) -> Served:
        return cls(Store.open(folder, readonly=True, resident=True), Path(folder), user)

    @property
    def path(self) -> Path:
        return self.store.path

    def read(self, fn: Callable[[Store], T]) -> T:
        with self.lock:
            self._fresh()
            return fn(self.store)

    def write(self, fn: Callable[[Store], T]) -> T:
        """Run ``fn`` on a writable store: under the writer lock, which is released when it returns."""
        with self.lock:
            if self.folder is None:
                return fn(self.store)  # the store given: read-only ones refuse the edit themselves
            if not self.can_write:
                return fn(self.store)  # read-only: the store says so
            try:
                lock = WriterLock(self.folder, wait=EDIT_WAIT)
            except StoreBusy as e:
                raise Busy(f"{_after_colon(e)}; the edit was not saved: try again in a moment") from None
            except StoreReadOnly:
                self.can_write = False
                return fn(self.store)
            writer = Store.open(self.folder, lock=lock)  # releases the lock when it closes
            writer._embedder = self.store._embedder  # the model loaded once, not at every edit
            try:
                if self.user:
                    writer.user = self.user
                out = fn(writer)
            finally:
                writer.close()  # the index files written for this generation, then the lock released
            self._reload()
            return out

    def close(self) -> None:
        with self.lock:
            self.store.close()

    # ------------------------------------------------------------ parts

    def _version(self) -> tuple:
        """What tells that another process changed the store: the database's generation and the index
        files' state (written after the database, when a writer flushes)."""
        try:
            generation = self.store.meta("generation")
        except Exception:  # noqa: BLE001 - a store being replaced: read again on the next look
            generation = None
        try:
            state = os.stat(self.store.path / "index.json").st_mtime_ns
        except OSError:
            state = None
        return generation, state

    def _fresh(self) -> None:
        if self.folder is None or time.monotonic() - self._checked < CHECK_EVERY:
            return
        self._checked = time.monotonic()
        if self._version() != self._seen:
            self._reload()

    def _reload(self) -> None:
        """Read the store again after another process changed it, keeping the loaded model; on failure keep serving
        what was read."""
        if self.folder is None:
            return
        try:
            new = Store.open(self.folder, readonly=True, resident=True)
        except Exception as e:  # noqa: BLE001 - keep serving what was read; said once on the server's stderr
            print(f"tmbuild serve: {self.folder}: could not read the store's changes yet ({e})", file=sys.stderr)
            return
        if new.embedder_signature == self.store.embedder_signature:
            new._embedder = self.store._embedder
        old, self.store = self.store, new
        with contextlib.suppress(Exception):
            old.close()
        self._seen = self._version()
        self.reloads += 1


def _writable(folder: Path) -> bool:
    return os.access(folder, os.W_OK) and os.access(folder / DB_NAME, os.W_OK)


def _after_colon(e: Exception) -> str:
    """A store error's message without the folder it starts with (the page knows which store it is)."""
    text = str(e)
    return text.split(": ", 1)[1] if ": " in text else text
