"""The store's database: SQLite (WAL mode), the source of truth.

Documents, pairs, provenance, alignment scores and each pair's two embeddings
(float16) live in ``store.sqlite``, so that the vector and lexical indexes can
always be rebuilt from it. One process changes a store at a time
(:class:`WriterLock`); readers are never blocked.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from align.errors import StoreError

from ..files import STORE_MARK, is_store_file_name
from . import lexical

DB_NAME = STORE_MARK
LOCK_NAME = ".tmbuild.lock"  # held by the one process that changes the store (flock); readers ignore it
WAIT_SECONDS = 3600.0  # how long a writer waits for another one to finish
# this process, as the CLI configures it (:func:`configure`): what it is, as a waiting writer is told; who its
# changes are by (None: the login name); how long it waits for another writer
PROCESS = {"holder": "a tmbuild process", "user": None, "wait": WAIT_SECONDS}


def configure(holder: str | None = None, user: str | None = None, wait: float | None = None) -> None:
    """Name this process for writers that find it holding a store's lock (``tmbuild build``), say who its
    changes are by (``--user``) and how long it waits for another writer (``--wait``)."""
    for key, value in (("holder", holder), ("user", user), ("wait", wait)):
        if value is not None:
            PROCESS[key] = value
SCHEMA_VERSION = "1"  # meta 'schema' (kept as the first stores wrote it); the schema's version is user_version
# columns added since the first stores, each with what reads it in a store that predates it (opened read-only)
ADDED_COLUMNS = {
    ("pairs", "extra"): ("TEXT", "NULL"),
    ("pairs", "src_ids"): ("TEXT", "NULL"),
    ("pairs", "tgt_ids"): ("TEXT", "NULL"),
    ("pairs", "review"): ("TEXT NOT NULL DEFAULT 'automatic'", "'automatic'"),
    ("pairs", "reviewed"): ("TEXT", "NULL"),
    ("pairs", "added_by"): ("TEXT", "NULL"),
    ("pairs", "reviewed_by"): ("TEXT", "NULL"),
    ("sentences", "original"): ("TEXT", "NULL"),
    ("documents", "src_lang"): ("TEXT", "NULL"),
    ("documents", "tgt_lang"): ("TEXT", "NULL"),
}

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents(
    id INTEGER PRIMARY KEY,
    key TEXT UNIQUE NOT NULL,          -- what identifies the document pair (its two paths, or a TMX file)
    src_path TEXT, tgt_path TEXT, symbol TEXT, title TEXT,
    content_hash TEXT NOT NULL, origin TEXT NOT NULL, added TEXT NOT NULL,
    src_lang TEXT, tgt_lang TEXT);  -- the languages of its sentences
CREATE TABLE IF NOT EXISTS pairs(
    id INTEGER PRIMARY KEY,
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    src_text TEXT NOT NULL, tgt_text TEXT NOT NULL, src_lang TEXT NOT NULL, tgt_lang TEXT NOT NULL,
    paragraph INTEGER, bead_index INTEGER, bead_kind TEXT, score REAL, embedder TEXT, added TEXT,
    src_norm TEXT NOT NULL, tgt_norm TEXT NOT NULL, src_vec BLOB NOT NULL, tgt_vec BLOB NOT NULL,
    -- JSON: document name, props, notes and ids an imported TMX unit carried
    extra TEXT,
    -- the bead's sentences ("3 4": indices into the document's sentences)
    src_ids TEXT, tgt_ids TEXT,
    -- automatic, confirmed, corrected or imported; when it was reviewed
    review TEXT NOT NULL DEFAULT 'automatic', reviewed TEXT,
    -- who stored it (tmbuild --user), who last reviewed it
    added_by TEXT, reviewed_by TEXT);
CREATE INDEX IF NOT EXISTS pairs_doc ON pairs(doc_id);
-- every sentence of an aligned document pair, so that a reviewer can see and re-pair them
CREATE TABLE IF NOT EXISTS sentences(
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    side TEXT NOT NULL, idx INTEGER NOT NULL, paragraph INTEGER, text TEXT NOT NULL,
    -- the document's own text of a sentence a reviewer edited (NULL: not edited)
    original TEXT,
    PRIMARY KEY(doc_id, side, idx)) WITHOUT ROWID;
-- the reviewer's edits of a document's beads, each with the beads it replaced (undo); undone: 0 (can be taken
-- back), 1 (taken back), 2 (of an earlier version of the document, or a revision's record: kept as history)
CREATE TABLE IF NOT EXISTS edits(
    id INTEGER PRIMARY KEY, doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    time TEXT NOT NULL, action TEXT NOT NULL, before TEXT NOT NULL, undone INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS edits_doc ON edits(doc_id);
-- a terminologist's decisions on term candidates (tmbuild terms, the terms page): accepted or rejected, and
-- the target as accepted (edited or as the memory renders it)
CREATE TABLE IF NOT EXISTS terms(
    lang TEXT NOT NULL, norm TEXT NOT NULL, term TEXT NOT NULL, target TEXT NOT NULL, status TEXT NOT NULL,
    decided TEXT NOT NULL, PRIMARY KEY(lang, norm)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS pairs_src_norm ON pairs(src_norm);
CREATE INDEX IF NOT EXISTS pairs_tgt_norm ON pairs(tgt_norm);
"""


TABLES = {"meta", "documents", "pairs", "sentences", "edits", "terms"}  # the store's own (and the lexical index's)


def columns(con: sqlite3.Connection) -> set[tuple[str, str]]:
    """(table, column) of the store's tables as they are."""
    return {(t, r[1]) for t in ("pairs", "documents", "sentences") for r in con.execute(f"PRAGMA table_info({t})")}


def _add_columns(con: sqlite3.Connection, wanted: Sequence[tuple[str, str]]) -> None:
    have = columns(con)
    for table, col in wanted:
        if (table, col) not in have and any(t == table for t, _ in have):
            con.execute(f"ALTER TABLE {table} ADD COLUMN {col} {ADDED_COLUMNS[table, col][0]}")


def _first_versions(con: sqlite3.Connection) -> None:
    """Stores from before the schema had a version: the columns and tables added since the first ones."""
    _add_columns(con, [k for k in ADDED_COLUMNS if k != ("sentences", "original")])
    for statement in statements(SCHEMA):  # the tables added since (IF NOT EXISTS)
        con.execute(statement)


def statements(script: str) -> list[str]:
    """The SQL statements of ``script``, whole (a ``;`` in a comment or string does not cut one)."""
    out, part = [], ""
    for line in script.splitlines(keepends=True):
        part += line
        if sqlite3.complete_statement(part):
            out.append(part.strip())
            part = ""
    return out


# the schema's history: each migration brings a store to its version (PRAGMA user_version), in order, each in
# one transaction with the version it writes; a store of a later version than the last is left alone
MIGRATIONS = (
    (1, "columns and tables added before the schema had a version", _first_versions),
    (2, "a reviewer can edit a sentence: sentences keep their original text",
     lambda con: _add_columns(con, [("sentences", "original")])),
)
USER_VERSION = MIGRATIONS[-1][0]


def schema_version(con: sqlite3.Connection) -> int:
    return con.execute("PRAGMA user_version").fetchone()[0]


def migrate(con: sqlite3.Connection) -> list[str]:
    """Run the migrations a store has not had yet; what they did."""
    done = []
    for version, what, step in MIGRATIONS:
        if schema_version(con) >= version:
            continue
        con.execute("BEGIN IMMEDIATE")
        try:
            step(con)
            con.execute(f"PRAGMA user_version = {version}")
            con.commit()
        except BaseException:
            con.rollback()
            raise
        done.append(what)
    return done


def sample_pairs(con: sqlite3.Connection, columns: str, n: int) -> list[tuple]:
    """``n`` rows of ``pairs`` (``columns``) at random ids, each found through the primary key: a few page reads
    whatever the store's size (a row after a gap in the ids is drawn more often; one may come twice)."""
    import random

    lo, hi = con.execute("SELECT MIN(id), MAX(id) FROM pairs").fetchone()
    if lo is None:
        return []
    rng = random.Random()
    return [con.execute(f"SELECT {columns} FROM pairs WHERE id >= ? ORDER BY id LIMIT 1",
                        (rng.randint(lo, hi),)).fetchone() for _ in range(n)]


def pairs_by_id(con: sqlite3.Connection, columns: str, ids: Sequence[int], condition: str = "",
                args: Sequence = (), chunk: int = 10_000) -> Iterator[list[tuple]]:
    """Rows (``columns``) of the pairs with ``ids`` that meet ``condition`` (SQL, with ``args``), one list per
    ``chunk`` ids in their order (SQLite caps a statement's parameters); each chunk is read when asked for."""
    where = f" AND {condition}" if condition else ""
    for at in range(0, len(ids), chunk):
        part = [int(i) for i in ids[at:at + chunk]]
        yield con.execute(f"SELECT {columns} FROM pairs WHERE id IN ({','.join('?' * len(part))}){where}",
                          [*part, *args]).fetchall()


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def login_name() -> str:
    """Who changes the store: ``--user``, else the login name (``tmbuild`` when there is none)."""
    import getpass

    if PROCESS["user"]:
        return PROCESS["user"]
    try:
        return getpass.getuser() or "tmbuild"
    except (OSError, KeyError):
        return "tmbuild"


def refuse_links(path: Path) -> None:
    """A store whose own files include a symbolic link (a store archive someone sent: ``store.sqlite-wal`` or
    the lock pointing at a file of yours) is refused before anything is opened: SQLite and a lock would write
    through it."""
    try:
        names = [e.name for e in os.scandir(path) if e.is_symlink() and is_store_file_name(e.name)]
    except OSError:
        return  # no folder yet, or not readable: the open that follows says so
    if names:
        raise StoreError(f"{path / sorted(names)[0]}: is a symbolic link; a store's files are never links, and "
                         "tmbuild does not write through one: remove it (or copy the file it points to in its "
                         "place)")


def connect(path: Path, readonly: bool) -> sqlite3.Connection:
    """A connection to the store's database, with the lexical index's SQL function registered. It may be used
    from another thread than the one that opened it (the web app's server), one call at a time."""
    db = path / DB_NAME
    refuse_links(path)
    try:
        if readonly:
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30, check_same_thread=False)
            try:
                con.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            except sqlite3.OperationalError:
                # a WAL database on a read-only disk or folder: SQLite cannot create its -shm file there;
                # nothing can write it either, so it is read as an immutable file
                con.close()
                con = sqlite3.connect(f"file:{db}?mode=ro&immutable=1", uri=True, timeout=30, check_same_thread=False)
        else:
            con = sqlite3.connect(str(db), timeout=30, check_same_thread=False)
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
        con.execute("PRAGMA foreign_keys=ON")
        lexical.register(con)
        return con
    except sqlite3.DatabaseError as e:
        if not readonly and not (os.access(path, os.W_OK) and os.access(db, os.W_OK)):
            raise read_only_error(path, e) from e
        raise StoreError(f"{db}: not a tmbuild store database ({e}); give another --store folder") from e


def discard_empty(path: Path) -> bool:
    """Remove a database file that holds nothing at all (an empty file, or one killed before its first rows
    were written), so a store can be created there; True when one was removed."""
    db = path / DB_NAME
    refuse_links(path)
    if not db.is_file():
        leftovers = [Path(f"{db}{x}").name for x in ("-journal", "-wal", "-shm") if Path(f"{db}{x}").exists()]
        if leftovers:  # SQLite never writes these before its database: the database was moved or deleted
            raise StoreError(f"{path}: holds {', '.join(leftovers)} but no {DB_NAME} (was it moved or deleted?); "
                             f"put {DB_NAME} back, or move these files away to start a new store there")
        return False
    if db.stat().st_size:
        try:
            con = sqlite3.connect(str(db), timeout=30)  # the caller holds the writer lock; recovers a log
            try:
                tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                for table in ("meta", "documents", "pairs"):  # killed between CREATE and the first rows
                    if table in tables and con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]:
                        return False
                if {t for t in tables if not t.startswith(lexical.PREFIX)} - TABLES:
                    return False  # a database of something else
            finally:
                con.close()
        except sqlite3.DatabaseError:
            return False  # not SQLite: someone else's file, left alone
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return True


class StoreReadOnly(StoreError):
    """The store cannot be changed where it is (a read-only disk or folder); it can be read."""


class StoreBusy(StoreError):
    """Another process is changing the store (it holds the writer lock); the store can be read."""


def read_only_error(path: Path, why: object) -> StoreReadOnly:
    """The one message for a store that cannot be changed where it is."""
    return StoreReadOnly(f"{path}: the store is read-only here ({why}); search and export work, to add to it copy it "
                      "to a writable folder")


def database_error(path: Path | str, e: sqlite3.DatabaseError) -> StoreError:
    """What an SQLite error met while using the store at ``path`` means to its user, in one line."""
    if "readonly" in str(e):
        return read_only_error(Path(path), e)
    return StoreError(f"{path}: the store database is damaged ({e}); rebuild it into a new folder")


class WriterLock:
    """The store's one-writer lock: an exclusive ``flock`` on ``DIR/.tmbuild.lock`` holding the writer's pid.

    A second build, import or index waits for the first (saying which process it waits for) up to ``wait``
    seconds, then stops with an error; readers never take it. The operating system releases it when the
    process ends, however it ends.
    """

    def __init__(self, path: Path, wait: float | None = None) -> None:
        import fcntl

        wait = PROCESS["wait"] if wait is None else wait
        if path.exists() and not path.is_dir():
            raise StoreError(f"{path}: is a file; give a folder for the store")
        self.created = False
        self.made_folder = not path.exists()
        flags = os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            path.mkdir(parents=True, exist_ok=True)
            refuse_links(path)
            try:
                self.fd = os.open(path / LOCK_NAME, flags)
            except FileNotFoundError:
                try:
                    self.fd = os.open(path / LOCK_NAME, flags | os.O_CREAT | os.O_EXCL, 0o644)
                    self.created = True
                except FileExistsError:  # created by another process in between: open it as it is
                    self.fd = os.open(path / LOCK_NAME, flags)
        except OSError as e:
            if e.errno == errno.ELOOP:
                raise StoreError(f"{path / LOCK_NAME}: is a symbolic link; tmbuild does not write through one: "
                                 "remove it") from None
            raise read_only_error(path, e.strerror) from e
        self.path = path
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = self.holder()
            if wait <= 0:
                os.close(self.fd)
                raise StoreBusy(f"{path}: the store is being changed by {holder}") from None
            if wait >= 1:
                print(f"tmbuild: {path}: the store is being changed by {holder}; waiting for it to finish "
                      f"(at most {wait:.0f} s: --wait)", file=sys.stderr, flush=True)
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        holder = self.holder()
                        os.close(self.fd)
                        raise StoreBusy(f"{path}: still being changed by {holder} after {wait:.0f} s; "
                                         "try again when it has finished") from None
                    time.sleep(min(0.2, wait / 10))
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, f"{os.getpid()} {PROCESS['holder']}"[:200].encode(), 0)

    def holder(self) -> str:
        """Who holds the lock, as its holder wrote it: ``tmbuild build (pid 123)``."""
        raw = os.pread(self.fd, 256, 0).decode(errors="replace").strip()
        pid, _, what = raw.partition(" ")
        if not pid:
            return "another process"
        return f"{what or 'process'} (pid {pid})" if what else f"process {pid}"

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # closing the descriptor releases the flock
            self.fd = -1

    def abandon(self) -> None:
        """Release a lock taken for a store that was then refused: the lock file goes too when this process
        created it in a folder that holds no store (nothing is left behind by a refused ``--store``)."""
        if self.fd >= 0 and self.created and not (self.path / DB_NAME).exists():
            with contextlib.suppress(OSError):
                os.unlink(self.path / LOCK_NAME)  # still holding the flock: no other writer is inside
            if self.made_folder:
                with contextlib.suppress(OSError):
                    self.path.rmdir()  # only when empty
        self.release()


