"""The translation-memory store: SQLite for pairs and provenance, FAISS for nearest-phrase lookup.

A store is a folder:

* ``store.sqlite`` (WAL mode) is the source of truth: documents, pairs,
  provenance, and each pair's two embeddings (float16), so that an index
  can always be rebuilt without embedding anything again.
* ``index-src.faiss`` / ``index-tgt.faiss``: one index per language side,
  ids = SQLite pair ids. A query is searched on the side of its own language
  (a Chinese query among stored Chinese segments): same-language neighbours
  are sharper than cross-lingual ones, and every hit brings its translation.
* ``index.json``: which SQLite generation the index files reflect, and the
  index kind. Index files are written to a temporary file and renamed.

Small stores use exact search (``IDMap2,Flat``); from ``IVF_MIN`` pairs on, a
trained ``IVF{4*sqrt(N)},SQ8`` index with ``nprobe`` 32, and from ``HNSW_MIN``
on ``IVF{16*sqrt(N)}_HNSW32,SQ8`` (tens of thousands of lists, whose centroids
an HNSW graph searches instead of a scan of them all); retrained when the
store has grown 4x since training. On open, an index whose generation is not
the database's (a build was killed between the two) is rebuilt from the
stored vectors, and the store says so.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import sys
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import regex
from numpy.typing import NDArray

from align.errors import StoreError
from align.model import TranslationUnit

DB_NAME = "store.sqlite"
LOCK_NAME = ".tmbuild.lock"  # held by the one process that changes the store (flock); readers ignore it
WAIT_SECONDS = 3600.0  # how long a writer waits for another one to finish
STATE_NAME = "index.json"
IVF_MIN = 200_000
HNSW_MIN = 2_000_000
NPROBE = 32
HNSW_EF_SEARCH = 128  # centroids the HNSW quantizer visits per query (>= NPROBE)
TRAIN_PER_LIST = 64  # k-means sample per inverted list
MIN_PER_LIST = 39  # faiss's k-means warns with fewer training points per inverted list
SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents(
    id INTEGER PRIMARY KEY,
    key TEXT UNIQUE NOT NULL,          -- what identifies the document pair (its two paths, or a TMX file)
    src_path TEXT, tgt_path TEXT, symbol TEXT, title TEXT,
    content_hash TEXT NOT NULL, origin TEXT NOT NULL, added TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pairs(
    id INTEGER PRIMARY KEY,
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    src_text TEXT NOT NULL, tgt_text TEXT NOT NULL, src_lang TEXT NOT NULL, tgt_lang TEXT NOT NULL,
    paragraph INTEGER, bead_index INTEGER, bead_kind TEXT, score REAL, embedder TEXT, added TEXT,
    src_norm TEXT NOT NULL, tgt_norm TEXT NOT NULL, src_vec BLOB NOT NULL, tgt_vec BLOB NOT NULL,
    extra TEXT);  -- JSON: document name, props, notes and ids an imported TMX unit carried
CREATE INDEX IF NOT EXISTS pairs_doc ON pairs(doc_id);
CREATE INDEX IF NOT EXISTS pairs_src_norm ON pairs(src_norm);
CREATE INDEX IF NOT EXISTS pairs_tgt_norm ON pairs(tgt_norm);
"""


def normalise_text(text: str) -> str:
    """The form exact matches are looked up by: NFKC, case-folded, white space collapsed."""
    return regex.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().casefold()


def fuzzy_match(a: str, b: str, lang: str) -> float:
    """CAT-tool style match percentage: Levenshtein on characters (Chinese) or words (others)."""
    from rapidfuzz.distance import Levenshtein

    a, b = normalise_text(a), normalise_text(b)
    if lang.startswith(("zh", "ja")):
        sa, sb = regex.sub(r"\s+", "", a), regex.sub(r"\s+", "", b)
    else:
        sa, sb = regex.findall(r"\w+|[^\w\s]", a), regex.findall(r"\w+|[^\w\s]", b)
    return round(100.0 * Levenshtein.normalized_similarity(sa, sb), 1)


@dataclass(frozen=True, slots=True)
class Hit:
    pair_id: int
    text: str  # the stored segment in the query's language
    translation: str
    similarity: float  # cosine of query and stored segment
    fuzzy: float  # lexical match percentage, 0-100
    score: float  # alignment confidence of the pair
    doc: str  # document symbol, or file name
    source: str  # where the pair came from (paths or TMX file)
    paragraph: int
    bead_kind: str
    exact: bool = False

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__slots__}


@dataclass(frozen=True, slots=True)
class StoreStats:
    documents: int
    pairs: int
    embedder: str
    index_kind: str
    generation: int


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Index:
    """One FAISS index of one language side."""

    def __init__(self, dim: int, kind: str = "flat", nlist: int = 0) -> None:
        import faiss

        self.dim, self.kind, self.nlist = dim, kind, nlist
        if kind == "flat":
            self.index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        else:
            self.index = new_ivf(dim, nlist, hnsw=kind == "ivf-hnsw")

    @staticmethod
    def choose(n: int, dim: int) -> _Index:
        kind, nlist = index_plan(n)
        return _Index(dim, kind, nlist)

    def train(self, sample: NDArray[np.float32]) -> None:
        if self.kind != "flat" and not self.index.is_trained:
            self.index.train(sample)

    def add(self, ids: NDArray[np.int64], vecs: NDArray[np.float32]) -> None:
        if len(ids):
            self.index.add_with_ids(np.ascontiguousarray(vecs, dtype=np.float32), ids.astype(np.int64))

    def remove(self, ids: Sequence[int]) -> None:
        if len(ids):
            self.index.remove_ids(np.asarray(ids, dtype=np.int64))

    def search(self, q: NDArray[np.float32], k: int) -> tuple[NDArray, NDArray]:
        return self.index.search(np.ascontiguousarray(q, dtype=np.float32), k)

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    def save(self, path: Path) -> None:
        import faiss

        tmp = path.with_name(path.name + ".tmp")
        faiss.write_index(self.index, str(tmp))
        os.replace(tmp, path)

    @staticmethod
    def load(path: Path, dim: int, kind: str, nlist: int, mmap: bool = False) -> _Index:
        import faiss

        ix = _Index.__new__(_Index)
        ix.dim, ix.kind, ix.nlist = dim, kind, nlist
        # a trained IVF file is memory-mapped for readers; a merged on-disk index maps its lists itself
        # (and crashes faiss 1.15 when asked for IO_FLAG_MMAP on top)
        flags = faiss.IO_FLAG_MMAP if (mmap and kind in ("ivf", "ivf-hnsw")) else 0
        ix.index = faiss.read_index(str(path), flags) if flags else faiss.read_index(str(path))
        if kind != "flat":
            set_search_params(ix.index)
        return ix


def index_plan(n: int) -> tuple[str, int]:
    """Index kind and number of inverted lists for ``n`` vectors."""
    if n < IVF_MIN:
        return "flat", 0
    if n < HNSW_MIN:
        return "ivf", int(4 * math.sqrt(n))
    return "ivf-hnsw", int(16 * math.sqrt(n))


def new_ivf(dim: int, nlist: int, hnsw: bool = False):
    """An untrained ``IVF{nlist},SQ8`` (inner product) index, its quantizer flat or an HNSW graph."""
    import faiss

    quantizer = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT) if hnsw else faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit,
                                          faiss.METRIC_INNER_PRODUCT)
    index.own_fields = True  # the index keeps its quantizer alive
    quantizer.this.disown()
    set_search_params(index)
    return index


def set_search_params(index) -> None:
    import faiss

    ivf = faiss.extract_index_ivf(index)
    ivf.nprobe = NPROBE
    q = faiss.downcast_index(ivf.quantizer)
    if isinstance(q, faiss.IndexHNSW):
        q.hnsw.efSearch = max(HNSW_EF_SEARCH, NPROBE)


_ID_MIX = (2654435761, 4294967291)  # id -> (id * a) mod p: a cheap hash of the set of ids an index holds


def id_fingerprint(con: sqlite3.Connection) -> list[int]:
    """Count, sum and mixed sum of the pair ids in the database: what the index must hold, in three numbers
    that change whenever a pair is added or removed (unlike a count or a generation alone)."""
    a, p = _ID_MIX
    row = con.execute(f"SELECT COUNT(*), COALESCE(SUM(id), 0), COALESCE(SUM((id * {a}) % {p}), 0) "
                      "FROM pairs").fetchone()
    return [int(x) for x in row]


def _ids_delta(fp: list[int], ids: Sequence[int], sign: int) -> list[int]:
    a, p = _ID_MIX
    return [fp[0] + sign * len(ids), fp[1] + sign * sum(int(i) for i in ids),
            fp[2] + sign * sum(int(i) * a % p for i in ids)]


def _vec_blob(v: NDArray[np.float32]) -> bytes:
    return np.asarray(v, dtype=np.float16).tobytes()


def _blob_vecs(blobs: Sequence[bytes], dim: int) -> NDArray[np.float32]:
    if not blobs:
        return np.zeros((0, dim), np.float32)
    arr = np.frombuffer(b"".join(blobs), dtype=np.float16).reshape(len(blobs), dim).astype(np.float32)
    return arr / np.maximum(np.linalg.norm(arr, axis=1, keepdims=True), 1e-12)


def read_only_error(path: Path, why: object) -> StoreError:
    """The one message for a store that cannot be changed where it is."""
    return StoreError(f"{path}: the store is read-only here ({why}); search and export work, to add to it copy it "
                      "to a writable folder")


class WriterLock:
    """The store's one-writer lock: an exclusive ``flock`` on ``DIR/.tmbuild.lock`` holding the writer's pid.

    A second build, import or index waits for the first (saying which process it waits for) up to ``wait``
    seconds, then stops with an error; readers never take it. The operating system releases it when the
    process ends, however it ends.
    """

    def __init__(self, path: Path, wait: float = WAIT_SECONDS) -> None:
        import fcntl

        try:
            path.mkdir(parents=True, exist_ok=True)
            self.fd = os.open(path / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise read_only_error(path, e.strerror) from e
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(self.fd, 32, 0).decode(errors="replace").strip() or "?"
            print(f"tmbuild: {path}: the store is being changed by process {holder}; waiting for it to finish",
                  file=sys.stderr, flush=True)
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        os.close(self.fd)
                        raise StoreError(f"{path}: still being changed by process {holder} after {wait:.0f} s; "
                                         "try again when it has finished") from None
                    time.sleep(0.2)
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, str(os.getpid()).encode(), 0)

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # closing the descriptor releases the flock
            self.fd = -1


class Store:
    """Open with :meth:`Store.open` (existing) or :meth:`Store.create`.

    One process at a time changes a store (:class:`WriterLock`, taken by a writable open and held until
    :meth:`close`); any number read it, never blocked.
    """

    def __init__(self, path: Path, con: sqlite3.Connection, readonly: bool, lock: WriterLock | None = None) -> None:
        self.path = path
        self.con = con
        self.readonly = readonly
        self._lock = lock
        m = dict(con.execute("SELECT key, value FROM meta"))
        self.embedder_signature = m["embedder"]
        self.embedder_name = m["embedder_name"]
        self.dim = int(m["dim"])
        self.src_lang, self.tgt_lang = m["src_lang"], m["tgt_lang"]
        self.notes: list[str] = []  # what opening the store did (repairs)
        self.extra_sql = self._migrate()
        self._embedder = None
        self._indexes: dict[str, _Index] = {}
        self._ids: list[int] = [0, 0, 0]  # id_fingerprint of what the indexes hold
        self._dirty = False
        self._load_indexes()

    # ------------------------------------------------------------ opening

    def _migrate(self) -> str:
        """Bring a store written by an earlier tmbuild up to date; return the SQL that reads ``pairs.extra``
        (``NULL`` in an old store opened read-only)."""
        cols = {r[1] for r in self.con.execute("PRAGMA table_info(pairs)")}
        if "extra" in cols:
            return "p.extra"
        if self.readonly:
            return "NULL"
        with self.con:
            self.con.execute("ALTER TABLE pairs ADD COLUMN extra TEXT")
        return "p.extra"

    @staticmethod
    def _connect(path: Path, readonly: bool) -> sqlite3.Connection:
        db = path / DB_NAME
        try:
            if readonly:
                con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
                try:
                    con.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
                except sqlite3.OperationalError:
                    # a WAL database on a read-only disk or folder: SQLite cannot create its -shm file there;
                    # nothing can write it either, so it is read as an immutable file
                    con.close()
                    con = sqlite3.connect(f"file:{db}?mode=ro&immutable=1", uri=True, timeout=30)
            else:
                con = sqlite3.connect(str(db), timeout=30)
                con.execute("PRAGMA journal_mode=WAL")
                con.execute("PRAGMA synchronous=NORMAL")
            con.execute("PRAGMA foreign_keys=ON")
            return con
        except sqlite3.DatabaseError as e:
            if not readonly and not (os.access(path, os.W_OK) and os.access(db, os.W_OK)):
                raise read_only_error(path, e) from e
            raise StoreError(f"{db}: not a tmbuild store database ({e}); give another --store folder") from e

    @classmethod
    def discard_empty(cls, path: str | Path) -> bool:
        """Remove a database file that holds nothing at all (an empty file, or one killed before its first
        rows were written), so a store can be created there; True when one was removed."""
        db = Path(path) / DB_NAME
        if not db.is_file():
            leftovers = [Path(f"{db}{x}") for x in ("-journal", "-wal", "-shm") if Path(f"{db}{x}").is_file()]
            for f in leftovers:  # SQLite's side files without their database: a creation killed early
                f.unlink()
            return bool(leftovers)
        if db.stat().st_size:
            try:
                con = sqlite3.connect(str(db), timeout=30)  # the caller holds the writer lock; recovers a log
                try:
                    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                    for table in ("meta", "documents", "pairs"):  # killed between CREATE and the first rows
                        if table in tables and con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]:
                            return False
                    if tables - {"meta", "documents", "pairs"}:
                        return False  # a database of something else
                finally:
                    con.close()
            except sqlite3.DatabaseError:
                return False  # not SQLite: someone else's file, left alone
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        return True

    @classmethod
    def exists(cls, path: str | Path) -> bool:
        return (Path(path) / DB_NAME).is_file()

    @classmethod
    def create(cls, path: str | Path, embedder_signature: str, embedder_name: str, dim: int,
               src_lang: str = "zh", tgt_lang: str = "en", lock: WriterLock | None = None) -> Store:
        path = Path(path)
        if path.exists() and not path.is_dir():
            raise StoreError(f"{path}: is a file; give a folder for the store")
        lock = lock or WriterLock(path)
        try:
            if cls.exists(path):
                raise StoreError(f"{path}: a store is already there; open it instead")
            if any(f.name != LOCK_NAME for f in path.iterdir()):
                raise StoreError(f"{path}: folder is not empty and holds no store; give a new or empty folder")
        except StoreError:
            lock.release()
            raise
        con = cls._connect(path, readonly=False)
        with con:
            con.executescript(_SCHEMA)
            con.executemany("INSERT INTO meta VALUES (?, ?)", [
                ("schema", SCHEMA_VERSION), ("embedder", embedder_signature), ("embedder_name", embedder_name),
                ("dim", str(dim)), ("src_lang", src_lang), ("tgt_lang", tgt_lang), ("generation", "0"),
                ("created", _now())])
        con.close()
        return cls.open(path, lock=lock)

    @classmethod
    def open(cls, path: str | Path, readonly: bool = False, lock: WriterLock | None = None) -> Store:
        """Open a store; a writable open takes the writer lock (or uses ``lock``, already taken)."""
        path = Path(path)
        if not cls.exists(path):
            if lock:
                lock.release()
            raise StoreError(f"{path}: no tmbuild store here; build one with: tmbuild build DOCS --store {path}")
        if not readonly and lock is None:
            lock = WriterLock(path)
        try:
            return cls._open(path, readonly, lock)
        except BaseException:
            if lock:
                lock.release()
            raise

    @classmethod
    def _open(cls, path: Path, readonly: bool, lock: WriterLock | None) -> Store:
        con = cls._connect(path, readonly)
        if not readonly:
            try:  # a store on a read-only disk or folder: say so now, not in the middle of a build
                con.execute("BEGIN IMMEDIATE")
                con.execute("UPDATE meta SET value = value WHERE key = 'schema'")
                con.execute("ROLLBACK")
            except sqlite3.OperationalError as e:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                con.close()
                if "readonly" in str(e) or "read-only" in str(e):
                    raise read_only_error(path, e) from e
                raise StoreError(f"{path / DB_NAME}: cannot be changed now ({e})") from e
        try:
            return cls(path, con, readonly, lock)
        except (sqlite3.DatabaseError, KeyError) as e:
            con.close()
            raise StoreError(f"{path / DB_NAME}: not a complete tmbuild store ({e})") from e

    def close(self) -> None:
        try:
            if self._dirty and not self.readonly:
                self.flush()
            self.con.close()
        finally:
            if self._lock:
                self._lock.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------ state

    def meta(self, key: str) -> str | None:
        row = self.con.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        if self.readonly:
            raise StoreError(f"{self.path}: opened read-only")
        with self.con:
            self.con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def _generation(self) -> int:
        return int(self.con.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0])

    def _state(self) -> dict:
        try:
            return json.loads((self.path / STATE_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _load_indexes(self) -> None:
        state = self._state()
        gen = self._generation()
        files = {side: self.path / f"index-{side}.faiss" for side in ("src", "tgt")}
        ok = state.get("generation") == gen and all(f.is_file() for f in files.values())
        db_ids = id_fingerprint(self.con)
        if ok and state.get("ids", None if self.readonly else []) not in (None, db_ids):
            ok = False  # the index holds other pairs than the database: another writer, a lost update
        if ok:
            try:
                self._indexes = {side: _Index.load(f, self.dim, state["kind"], state.get("nlist", 0),
                                                   mmap=self.readonly) for side, f in files.items()}
                ok = all(ix.ntotal == db_ids[0] for ix in self._indexes.values()) and self._vectors_agree()
                self._ids = db_ids
            except Exception:  # noqa: BLE001 - a damaged index file is rebuilt below
                ok = False
        if not ok:
            if self.readonly:
                if not self._indexes:
                    self._indexes = self._build_indexes()  # in memory only
                self.notes.append("the index lags behind the database (a build is running or was stopped); "
                                  "results may miss the newest pairs")
                return
            n = self.con.execute("SELECT COUNT(*) FROM pairs").fetchone()[0]
            if gen or n:
                self.notes.append(f"repaired the index: rebuilt it from the {n} pairs in the database "
                                  "(an earlier build stopped before saving it)")
            self._indexes = self._build_indexes()
            self.flush()

    def _vectors_agree(self, sample: int = 16) -> bool:
        """Whether a sample of the flat indexes' vectors are the database's (bytes damaged in an index file
        read back as vectors without complaint; similarities of 1e37 followed). The sample is drawn from the
        index's ids and read by primary key: a few page reads at open, whatever the store's size."""
        flat = self._indexes["src"]
        if flat.kind != "flat" or not flat.ntotal:
            return True  # IVF vectors are quantised; the id fingerprint checks those indexes
        where = np.random.default_rng().choice(flat.ntotal, min(sample, flat.ntotal), replace=False)
        ids = [int(flat.index.id_map.at(int(k))) for k in where]
        rows = self.con.execute(f"SELECT id, src_vec, tgt_vec FROM pairs WHERE id IN ({','.join('?' * len(ids))})",
                                ids).fetchall()
        if len(rows) != len(ids):
            return False
        for side, col in (("src", 1), ("tgt", 2)):
            ix = self._indexes[side]
            for r in rows:
                try:
                    got = ix.index.reconstruct(int(r[0]))
                except RuntimeError:
                    return False
                if not np.allclose(got, _blob_vecs([r[col]], self.dim)[0], atol=0.01):
                    return False
        return True

    def _build_indexes(self) -> dict[str, _Index]:
        n = self.con.execute("SELECT COUNT(*) FROM pairs").fetchone()[0]
        out = {}
        for side in ("src", "tgt"):
            ix = _Index.choose(n, self.dim)
            if ix.kind != "flat":
                rows = self.con.execute(
                    f"SELECT {side}_vec FROM pairs ORDER BY RANDOM() LIMIT ?", (TRAIN_PER_LIST * ix.nlist,))
                ix.train(_blob_vecs([r[0] for r in rows], self.dim))
            cur = self.con.execute(f"SELECT id, {side}_vec FROM pairs ORDER BY id")
            while True:
                chunk = cur.fetchmany(50_000)
                if not chunk:
                    break
                ix.add(np.array([r[0] for r in chunk]), _blob_vecs([r[1] for r in chunk], self.dim))
            out[side] = ix
        self._trained_on = n
        self._ids = id_fingerprint(self.con)
        return out

    def flush(self) -> None:
        """Write the index files for the current database generation (temporary file, then rename)."""
        if self.readonly:
            return
        for side, ix in self._indexes.items():
            ix.save(self.path / f"index-{side}.faiss")
        ix = self._indexes["src"]
        state = {"generation": self._generation(), "kind": ix.kind, "nlist": ix.nlist, "ntotal": ix.ntotal,
                 "trained_on": getattr(self, "_trained_on", ix.ntotal), "ids": self._ids}
        tmp = self.path / (STATE_NAME + ".tmp")
        tmp.write_text(json.dumps(state), encoding="utf-8")
        os.replace(tmp, self.path / STATE_NAME)
        if ix.kind != "ivf-ondisk":
            for side in ("src", "tgt"):
                (self.path / f"index-{side}.ivfdata").unlink(missing_ok=True)
        self._dirty = False

    # ------------------------------------------------------------ writing

    def check_embedder(self, signature: str) -> None:
        if signature != self.embedder_signature:
            raise StoreError(
                f"{self.path} was built with embedder {self.embedder_signature}, not {signature}; use "
                f"--embedder {self.embedder_name} with this store, or build a new store for {signature}")

    def document_status(self, key: str, content_hash: str) -> str:
        """"new", "same" (nothing to do) or "changed" (its pairs will be replaced)."""
        row = self.con.execute("SELECT content_hash FROM documents WHERE key=?", (key,)).fetchone()
        if row is None:
            return "new"
        return "same" if row[0] == content_hash else "changed"

    def add_document(self, key: str, content_hash: str, units: Sequence[TranslationUnit],
                     src_vecs: NDArray[np.float32], tgt_vecs: NDArray[np.float32], *, src_path: str = "",
                     tgt_path: str = "", symbol: str = "", title: str = "", origin: str = "aligned") -> int:
        """Add (or replace) one document's pairs in one transaction; returns the number of pairs added."""
        if self.readonly:
            raise StoreError(f"{self.path}: opened read-only")
        if len(units) != len(src_vecs) or len(units) != len(tgt_vecs):
            raise ValueError("one vector per unit and side")
        if src_vecs.shape[1:] != (self.dim,) and len(units):
            raise StoreError(f"vectors of dimension {src_vecs.shape[1]}, the store holds {self.dim}")
        now = _now()
        with self.con:
            old = [r[0] for r in self.con.execute(
                "SELECT p.id FROM pairs p JOIN documents d ON p.doc_id=d.id WHERE d.key=?", (key,))]
            self.con.execute("DELETE FROM documents WHERE key=?", (key,))
            cur = self.con.execute(
                "INSERT INTO documents(key, src_path, tgt_path, symbol, title, content_hash, origin, added) "
                "VALUES (?,?,?,?,?,?,?,?)", (key, src_path, tgt_path, symbol, title, content_hash, origin, now))
            doc_id = cur.lastrowid
            ids = []
            for u, sv, tv in zip(units, src_vecs, tgt_vecs):
                cur = self.con.execute(
                    "INSERT INTO pairs(doc_id, src_text, tgt_text, src_lang, tgt_lang, paragraph, bead_index, "
                    "bead_kind, score, embedder, added, src_norm, tgt_norm, src_vec, tgt_vec, extra) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (doc_id, u.src_text, u.tgt_text, u.src_lang, u.tgt_lang, u.paragraph, u.bead, u.bead_kind,
                     float(u.score), u.embedder or self.embedder_signature, now, normalise_text(u.src_text),
                     normalise_text(u.tgt_text), _vec_blob(sv), _vec_blob(tv), u.extra or None))
                ids.append(cur.lastrowid)
            self.con.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")
        self._apply(old, np.array(ids, dtype=np.int64), src_vecs, tgt_vecs)
        return len(ids)

    def delete_document(self, key: str) -> int:
        """Remove a document and its pairs; returns how many pairs went."""
        with self.con:
            old = [r[0] for r in self.con.execute(
                "SELECT p.id FROM pairs p JOIN documents d ON p.doc_id=d.id WHERE d.key=?", (key,))]
            self.con.execute("DELETE FROM documents WHERE key=?", (key,))
            self.con.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")
        self._apply(old, np.zeros(0, np.int64), np.zeros((0, self.dim), np.float32),
                    np.zeros((0, self.dim), np.float32))
        return len(old)

    def _apply(self, removed: Sequence[int], ids: NDArray[np.int64], src_vecs, tgt_vecs) -> None:
        if self._indexes["src"].kind == "ivf-ondisk":
            # the merged on-disk index serves reads; a changed store goes back to an in-memory index
            self._indexes = self._build_indexes()
            self.notes.append("the store changed: its sharded on-disk index was replaced by an in-memory one "
                              "(run tmbuild index again after large builds)")
            self._dirty = True
            return
        for side, vecs in (("src", src_vecs), ("tgt", tgt_vecs)):
            ix = self._indexes[side]
            ix.remove(removed)
            ix.add(ids, np.asarray(vecs, dtype=np.float32))
        self._ids = _ids_delta(_ids_delta(self._ids, removed, -1), ids, +1)
        n = self._indexes["src"].ntotal
        trained = getattr(self, "_trained_on", n)
        kind = self._indexes["src"].kind
        if index_plan(n)[0] != kind or (kind != "flat" and n > 4 * max(trained, 1)):
            self._indexes = self._build_indexes()  # switch kind (flat, IVF, IVF-HNSW), or retrain
        self._dirty = True

    # ------------------------------------------------------------ reading

    def stats(self) -> StoreStats:
        docs = self.con.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        pairs = self.con.execute("SELECT COUNT(*) FROM pairs").fetchone()[0]
        return StoreStats(docs, pairs, self.embedder_signature, self._indexes["src"].kind, self._generation())

    def embedder(self):
        if self._embedder is None:
            from align.embed import get_embedder

            self._embedder = get_embedder(self.embedder_name)
        return self._embedder

    def query_side(self, text: str, lang: str = "auto") -> str:
        if lang == "auto":
            from .readers import detect_lang

            lang = detect_lang(text)
        if lang.split("-")[0] == self.src_lang.split("-")[0]:
            return "src"
        if lang.split("-")[0] == self.tgt_lang.split("-")[0]:
            return "tgt"
        raise StoreError(f"this store holds {self.src_lang} and {self.tgt_lang}; --lang {lang} is neither")

    def search(self, text: str, k: int = 10, lang: str = "auto", vector: NDArray[np.float32] | None = None,
               ) -> list[Hit]:
        """The ``k`` nearest stored segments in the query's language, exact matches first."""
        if not text.strip():
            raise StoreError("empty query")
        side = self.query_side(text, lang)
        k = max(1, min(int(k), self._indexes[side].ntotal))  # never more than the store holds
        other = "tgt" if side == "src" else "src"
        qlang = self.src_lang if side == "src" else self.tgt_lang
        norm = normalise_text(text)
        exact_ids = [r[0] for r in self.con.execute(
            f"SELECT id FROM pairs WHERE {side}_norm=? ORDER BY score DESC LIMIT ?", (norm, k))]
        q = vector if vector is not None else self.embedder().encode([text])
        sims, ids = self._indexes[side].search(q.reshape(1, -1), k + len(exact_ids))
        found = [(int(i), float(s)) for i, s in zip(ids[0], sims[0]) if i >= 0]
        exact = set(exact_ids)
        order = [(i, 1.0) for i in exact_ids] + [(i, s) for i, s in found if i not in exact]
        order = order[:k]
        if not order:
            return []
        rows = {r[0]: r for r in self.con.execute(
            f"SELECT p.id, p.{side}_text, p.{other}_text, p.score, d.symbol, d.src_path, d.tgt_path, "
            f"p.paragraph, p.bead_kind, d.key, json_extract({self.extra_sql}, '$.doc') "
            f"FROM pairs p JOIN documents d ON p.doc_id=d.id "
            f"WHERE p.id IN ({','.join('?' * len(order))})", [i for i, _ in order])}
        hits = []
        for i, sim in order:
            r = rows.get(i)
            if r is None:  # deleted since the index was written
                continue
            doc = r[10] or r[4] or Path(r[5] or r[9]).name
            source = " | ".join(x for x in (r[5], r[6]) if x) or r[9]
            hits.append(Hit(i, r[1], r[2], round(sim, 4), 100.0 if i in exact else fuzzy_match(text, r[1], qlang),
                            round(float(r[3]), 4), doc, source, int(r[7] or 0), r[8] or "", i in exact))
        return hits
