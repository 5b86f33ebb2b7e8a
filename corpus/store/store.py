"""The translation-memory store: one folder, its parts in this package.

* ``store.sqlite`` (:mod:`.database`): documents, pairs, provenance, scores and each pair's two embeddings;
  the source of truth. Its lexical index (:mod:`.lexical`, SQLite FTS5) lives in the same file and
  transactions.
* ``index-src.faiss`` / ``index-tgt.faiss`` (:mod:`.vectors`): one FAISS index per language side, ids =
  SQLite pair ids. A query is searched on the side of its own language (a Chinese query among stored
  Chinese segments): same-language neighbours are sharper than cross-lingual ones, and every hit brings
  its translation.
* ``tokens-src.base`` / ``.delta`` (and ``-tgt``) (:mod:`.tokens`): each side's tokens as posting lists,
  the candidates of fuzzy matching; kept, saved and rebuilt with the vector indexes, each file headed by the
  database state it reflects.
* ``index.json``: which database state the index files reflect (generation and a fingerprint of the id
  set), and the index kind. Index files are written to a temporary file and renamed; on open, an index that
  is not the database's (a build was killed between the two, another writer, damaged bytes) is rebuilt
  from the stored vectors, and the store says so.

Lookup (:meth:`Store.lookup`) gathers candidates of each kind of match (exact, concordance, fuzzy,
semantic) and hands them to :func:`.ranking.rank`.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import regex
from numpy.typing import NDArray

from align.errors import StoreError
from align.model import Segment, TranslationUnit

from ..chinese import traditional_only
from ..files import replacing, sums_problem
from . import lexical
from .database import (
    ADDED_COLUMNS,
    DB_NAME,
    LOCK_NAME,
    SCHEMA,
    SCHEMA_VERSION,
    USER_VERSION,
    WriterLock,
    columns,
    connect,
    login_name,
    migrate,
    now,
    pairs_by_id,
    read_only_error,
    sample_pairs,
    schema_version,
)
from .database import discard_empty as _discard_empty
from .matching import NORMAL_FORM, Fuzzy, by_characters, find_spans, normalise_text, tokens
from .ranking import FUZZY_MIN, KINDS, MODES, Hit, rank
from .reviews import PairStamp, Reviews, Revision
from .tokens import TokenIndex, TokenIndexError
from .vectors import (
    TRAIN_PER_LIST,
    TRAINING_ORDER,
    IndexDamaged,
    VectorIndex,
    as_stored,
    blob_vecs,
    damaged_vectors,
    id_fingerprint,
    ids_delta,
    index_plan,
    index_write_error,
    vec_blob,
)

STATE_NAME = "index.json"
MAX_K = 10_000
MIN_SIMILARITY = 0.3  # semantic neighbours below this cosine are noise (unrelated UN sentences score 0.1-0.3)
# auto mode shows semantic neighbours from this cosine on (scripts/bench_semantic.py: the threshold that best
# separates related from unrelated sentences, 0.30 Chinese and 0.36 English; docs/lookup.md), and for term
# queries only when no lexical match was found: for terms the embedding does not separate the two
RELATED_SIMILARITY = 0.36
FUZZY_AUTO_TOKENS = 5  # auto mode looks for fuzzy matches of queries this long (words, or characters)
VECTORS_CHECK_ALL = 500  # flat indexes of up to this many pairs have every vector checked on open
QUANTISED_CHECK_K = 10  # neighbours asked for when checking that an IVF index finds a stored vector
QUANTISED_TOLERANCE = 1e-3  # how far an IVF index's similarity may be from that of the vector's own code
TOKENS_CHECK = 4  # stored pairs an open looks for in the fuzzy index (tmbuild check: its sample size)
RENDER_HITS = 200  # concordance hits (the newest) ranked and shown, and the renderings are worked out from
COUNT_CAP = 1_000  # segments containing a query are counted up to this (counting more reads more of the index)
CONTAINING_BY_TOKENS = 8  # concordance queries of this many tokens try the fuzzy index's lists first
CONTAINING_MOST = 100_000  # ... when its shortest list holds at most this many segments
RENDER_MAX_TOKENS = 12  # longer queries are sentences, not phrases: no renderings
# a query of this many words (characters) that is most (SENTENCE_COVER) of a stored segment is a sentence
SENTENCE_WORDS, SENTENCE_CHARS, SENTENCE_COVER = 6, 12, 0.8


def write_state(path: Path, state: dict) -> None:
    """``index.json``: which database state the index files reflect, and their checksums (whole or not at
    all, never through a link)."""
    try:
        with replacing(path / STATE_NAME) as f:
            f.write(json.dumps(state).encode("utf-8"))
    except OSError as e:
        raise index_write_error(path / STATE_NAME, e) from None


_TEMPORARY = regex.compile(r"\.(?:(?:index|tokens)-[a-z]+\.[a-z]+|index\.json)\.(?P<pid>\d+)\.[0-9a-f]{8}\.tmp"
                           r"|\.shards-[A-Za-z0-9_]+")


_SENTENCE_END = regex.compile(r"[.!?。！？][\"'”’)）]*$")


def _most_used(forms: Counter, plain: str) -> str:
    """The form of a rendering that most translations use; on a tie, the plain one (Simplified, lower case)
    when it is among them."""
    top = max(forms.values())
    tied = [f for f, n in forms.items() if n == top]
    return plain if plain in tied else tied[0]


def normal_form_of(con: sqlite3.Connection) -> str | None:
    """The normal form a store's ``*_norm`` columns are in (None: the first one, before ``normal_form``)."""
    row = con.execute("SELECT value FROM meta WHERE key='normal_form'").fetchone()
    return row[0] if row else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return pid != os.getpid()


@dataclass(frozen=True, slots=True)
class StoreStats:
    """A store's size and kind: documents, pairs, embedder, vector index, generation."""
    documents: int
    pairs: int
    embedder: str
    index_kind: str
    generation: int


class Store(Reviews):
    """Open with :meth:`Store.open` (existing) or :meth:`Store.create`.

    One process at a time changes a store (:class:`WriterLock`, taken by a writable open and held until
    :meth:`close`); any number read it, never blocked.
    """

    def __init__(self, path: Path, con: sqlite3.Connection, readonly: bool, lock: WriterLock | None = None,
                 resident: bool = False) -> None:
        self.path = path
        self.con = con
        self.readonly = readonly
        # a reader maps large vector indexes (a one-shot search opens a million-pair store in milliseconds);
        # a long-lived one reads them into memory, where faiss searches them 3x faster
        self.mapped = readonly and not resident
        self._lock = lock
        m = dict(con.execute("SELECT key, value FROM meta"))
        self.embedder_signature = m["embedder"]
        self.embedder_name = m["embedder_name"]
        self.dim = int(m["dim"])
        self.src_lang, self.tgt_lang = m["src_lang"], m["tgt_lang"]
        self.notes: list[str] = []  # what opening the store did (repairs)
        self.dropped_reviews = 0  # reviewed pairs of documents replaced since the store was opened
        self.revisions: list[Revision] = []  # what became of the reviews of each document replaced since
        self.user = login_name()  # who the pairs this process stores and reviews are by (--user)
        if not readonly:
            self._remove_stale_temporaries()
        self.extra_sql = self._migrate()
        self._embedder = None
        self._indexes: dict[str, VectorIndex] = {}
        self._ids: list[int] = [0, 0, 0]  # id_fingerprint of what the indexes hold
        self._dirty = False
        self.index_lags = False  # read-only, and the index files are not the database's: searched in memory
        self.index_damage: str | None = None  # why the vector index files were found damaged (then not used)
        self._tokens: dict[str, TokenIndex] = {}
        self.tokens_problem: str | None = None  # why the fuzzy index files were not used (then: built anew)
        db_ids = id_fingerprint(self.con)  # what the index files must hold (a scan of the ids: once per open)
        self._load_indexes(db_ids)
        self._load_tokens(db_ids)

    # ------------------------------------------------------------ opening

    def _migrate(self) -> str:
        """Bring a store written by an earlier tmbuild up to date; return the SQL that reads ``pairs.extra``.
        ``self.column`` gives the SQL that reads each added column (a constant in an old store opened
        read-only)."""
        version = schema_version(self.con)
        if version > USER_VERSION and not self.readonly:
            raise StoreError(f"{self.path}: written by a newer tmbuild (schema {version}; this one knows up to "
                             f"{USER_VERSION}): upgrade tmbuild to change it (this one can read it)")
        if not self.readonly and version < USER_VERSION:
            migrate(self.con)
        have = columns(self.con)
        tables = {r[0] for r in self.con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        alias = {"pairs": "p", "documents": "d", "sentences": "s"}
        self.column = {col: (f"{alias[table]}.{col}" if (table, col) in have else default)
                       for (table, col), (_, default) in ADDED_COLUMNS.items()}
        self.reviewable = {"sentences", "edits"} <= tables
        self.has_terms = "terms" in tables
        if not self.readonly:
            if not lexical.present(self.con):
                n = self.con.execute("SELECT COUNT(*) FROM pairs").fetchone()[0]
                self.con.execute("BEGIN IMMEDIATE")  # tables, triggers and their rows in one transaction
                try:
                    lexical.create(self.con)
                    lexical.rebuild(self.con)
                    self.con.commit()
                except BaseException:
                    self.con.rollback()
                    raise
                if n:
                    self.notes.append(f"added the lexical index (concordance search) for its {n} pairs")
            elif not lexical.sample_agrees(self.con):
                self.repair_lexical()
                self.notes.append("repaired the lexical index: rebuilt it from the pairs in the database")
        self.lexical = lexical.present(self.con)
        self.normal_form_current = normal_form_of(self.con) == NORMAL_FORM
        self._norms_changed = False
        if not self.normal_form_current and not self.readonly:
            changed = self._renormalise()
            self.normal_form_current, self._norms_changed = True, changed > 0
            if changed:
                self.notes.append(f"normalised the text of {changed} pairs anew: Traditional and Simplified "
                                  "Chinese now match as one text")
        elif not self.normal_form_current and self.con.execute("SELECT 1 FROM pairs LIMIT 1").fetchone():
            self.notes.append("this store was written by an earlier tmbuild and is opened read-only: Traditional "
                              "Chinese is matched as written until a writable open (tmbuild check --repair, or "
                              "a build) brings it up to date")
        return self.column["extra"]

    def _remove_stale_temporaries(self) -> None:
        """Temporary files and folders a killed writer left (``.index-src.faiss.PID.RANDOM.tmp``,
        ``.shards-*``): only this store's writers make them, each under the writer lock this process now holds,
        so one whose process is gone is stale. Links and other files are left alone."""
        for entry in os.scandir(self.path):
            m = _TEMPORARY.fullmatch(entry.name)
            if not m or (m["pid"] and _alive(int(m["pid"]))):
                continue
            try:
                if entry.is_file(follow_symlinks=False):
                    os.unlink(entry.path)
                elif entry.is_dir(follow_symlinks=False) and entry.name.startswith(".shards-"):
                    shutil.rmtree(entry.path)
            except OSError:
                pass  # left for a later writer

    def _renormalise(self) -> int:
        """Each pair's normal forms anew (:func:`.matching.normalise_text` of this tmbuild), in one
        transaction; the lexical index follows through its triggers. How many pairs changed."""
        updates = []
        for rows in iter(functools.partial(
                self.con.execute("SELECT id, src_text, tgt_text, src_norm, tgt_norm FROM pairs").fetchmany,
                10_000), []):
            for i, st, tt, sn, tn in rows:
                ns, nt = normalise_text(st), normalise_text(tt)
                if (ns, nt) != (sn, tn):
                    updates.append((ns, nt, i))
        with self.con:
            self.con.executemany("UPDATE pairs SET src_norm=?, tgt_norm=? WHERE id=?", updates)
            self.con.execute("INSERT OR REPLACE INTO meta VALUES ('normal_form', ?)", (NORMAL_FORM,))
        return len(updates)

    @classmethod
    def discard_empty(cls, path: str | Path) -> bool:
        """Remove a database file that holds nothing at all, so a store can be created there."""
        return _discard_empty(Path(path))

    @classmethod
    def exists(cls, path: str | Path) -> bool:
        return (Path(path) / DB_NAME).is_file()

    @classmethod
    def create(cls, path: str | Path, embedder_signature: str, embedder_name: str, dim: int,
               src_lang: str = "zh", tgt_lang: str = "en", lock: WriterLock | None = None) -> Store:
        path = Path(path)
        lock = lock or WriterLock(path)  # refuses a file
        try:
            if cls.exists(path):
                raise StoreError(f"{path}: a store is already there; open it instead")
            if any(f.name != LOCK_NAME for f in path.iterdir()):
                raise StoreError(f"{path}: folder is not empty and holds no store; give a new or empty folder")
        except StoreError:
            lock.abandon()
            raise
        con = connect(path, readonly=False)
        with con:
            con.executescript(SCHEMA)
            con.execute(f"PRAGMA user_version = {USER_VERSION}")
            con.executemany("INSERT INTO meta VALUES (?, ?)", [
                ("schema", SCHEMA_VERSION), ("embedder", embedder_signature), ("embedder_name", embedder_name),
                ("dim", str(dim)), ("src_lang", src_lang), ("tgt_lang", tgt_lang), ("generation", "0"),
                ("created", now()), ("normal_form", NORMAL_FORM)])
        con.close()
        return cls.open(path, lock=lock)

    @classmethod
    def open(cls, path: str | Path, readonly: bool = False, lock: WriterLock | None = None,
             wait: float | None = None, resident: bool = False) -> Store:
        """Open a store; a writable open takes the writer lock (or uses ``lock``, already taken), waiting up to
        ``wait`` seconds for another writer (:class:`StoreBusy` after that; default ``--wait``). A read-only
        store maps its vector indexes unless ``resident`` (a server, many queries): then they are read into
        memory, which costs their size in RAM and a second per million pairs at open, and searches 3x faster."""
        path = Path(path)
        if not cls.exists(path):
            if lock:
                lock.abandon()
            raise StoreError(f"{path}: no tmbuild store here; build one with: tmbuild build DOCS --store {path}")
        if not readonly and lock is None:
            lock = WriterLock(path, wait)
        try:
            return cls._open(path, readonly, lock, resident)
        except BaseException:
            if lock:
                lock.abandon()
            raise

    @classmethod
    def _open(cls, path: Path, readonly: bool, lock: WriterLock | None, resident: bool = False) -> Store:
        con = connect(path, readonly)
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
            return cls(path, con, readonly, lock, resident)
        except (sqlite3.DatabaseError, KeyError) as e:
            con.close()
            raise StoreError(f"{path / DB_NAME}: not a complete tmbuild store ({e})") from e

    def repair_lexical(self) -> None:
        """Rebuild the lexical index from the pairs, in one transaction."""
        if self.readonly:
            raise StoreError(f"{self.path}: opened read-only")
        with self.con:
            lexical.rebuild(self.con)

    def repair(self) -> list[str]:
        """Rebuild every index from the database (lexical, fuzzy and vector indexes); what was done. Stored
        vectors that are damaged are embedded again from their pair's text first (never indexed as they are);
        a document whose stored text is damaged is marked changed, so that the next build aligns it again."""
        done = []
        bad = self.damaged_rows()
        vectors = sorted({i for i, what in bad if what == "vector"})
        texts = sorted({i for i, what in bad if what == "text"})
        if vectors:
            rows = [r for rows in pairs_by_id(self.con, "id, src_text, tgt_text", vectors) for r in rows]
            emb = self.embedder()
            src = emb.encode([r[1] for r in rows])
            tgt = emb.encode([r[2] for r in rows])
            with self.con:
                self.con.executemany("UPDATE pairs SET src_vec=?, tgt_vec=? WHERE id=?",
                                     [(vec_blob(s), vec_blob(t), r[0]) for r, s, t in zip(rows, src, tgt)])
            done.append(f"embedded again the damaged stored vectors of {len(rows)} pair{'s' * (len(rows) != 1)}")
        if texts:
            docs = [r[0] for r in self.con.execute(
                f"SELECT DISTINCT doc_id FROM pairs WHERE id IN ({','.join('?' * len(texts))})", texts)]
            with self.con:
                self.con.executemany("UPDATE documents SET content_hash='damaged' WHERE id=?", [(d,) for d in docs])
            done.append(f"{len(texts)} pair{'s' * (len(texts) != 1)} of document{'s' * (len(docs) != 1)} "
                        f"{', '.join(map(str, docs))} have damaged text: marked changed, the next tmbuild build of "
                        "their files aligns them again (an imported file: import it again)")
        self.repair_lexical()
        self._indexes = self._build_indexes()
        self._tokens = self._build_tokens()
        self.index_damage = None
        self.flush()
        n = self.con.execute("SELECT COUNT(*) FROM pairs").fetchone()[0]
        return done + [f"rebuilt the lexical index, the fuzzy index and the vector indexes from the {n} pairs in "
                       "the database"]

    def check(self, sample: int = 200) -> list[str]:
        """What is wrong with the store, read-only (empty when nothing): SQLite's integrity check of the
        database; every row read (text that decodes and matches its normal form, vectors of the store's
        dimension, finite and of unit length); FTS5's check of the lexical index against the pairs; the vector
        and fuzzy index files against their checksums and the database's ids, and a sample of pairs found by
        their own vectors and text. The same answer every time: the check ``tmbuild check`` runs."""
        problems = [f"database: {r[0]}" for r in self.con.execute("PRAGMA integrity_check") if r[0] != "ok"]
        bad = self.damaged_rows()
        for what in ("text", "vector"):
            ids = [i for i, w in bad if w == what]
            if ids:
                problems.append(f"database: {len(ids)} pair{'s' * (len(ids) != 1)} with damaged stored {what}"
                                f"{'s' * (what == 'vector')} (ids {', '.join(map(str, ids[:10]))}"
                                f"{', ...' if len(ids) > 10 else ''})")
        if not self.lexical:
            problems.append("lexical index: missing (a store from an earlier tmbuild opened read-only)")
        elif (why := self._lexical_problem()) is not None:
            problems.append(f"lexical index: does not match the pairs ({why})")
        elif not lexical.sample_agrees(self.con, sample):
            problems.append("lexical index: does not find stored segments by their own text")
        db_ids = id_fingerprint(self.con)
        if self.index_damage:
            problems.append(f"vector index: damaged ({self.index_damage})")
        elif (why := self._index_files_problem()) is not None:
            problems.append(f"vector index: damaged ({why})")
        elif self.index_lags:
            problems.append("vector index: the index files are not the database's (a build is running or was "
                            "stopped)")
        elif self._ids != db_ids or any(ix.ntotal != db_ids[0] for ix in self._indexes.values()):
            problems.append(f"vector index: holds {self._indexes['src'].ntotal} pairs, the database {db_ids[0]}")
        elif not self._vectors_agree(sample) or not self._quantised_vectors_agree(min(sample, 64)):
            problems.append("vector index: its vectors differ from the stored ones")
        problems += [f"fuzzy index: {p}" for p in self._token_problems(min(sample, 64))]
        return problems

    def _index_files_problem(self) -> str | None:
        """The index files' bytes against the checksums ``index.json`` records (every byte read), or None. Files
        an earlier tmbuild wrote have none: not damage (the comparison of their vectors with the stored ones
        checks them), and the next save writes them."""
        state = self._state()
        if state.get("generation") != self._generation():
            return None  # not the database's: said as lagging, not as damage
        sums, data_sums = state.get("sums") or {}, state.get("data_sums") or {}
        for side in ("src", "tgt"):
            for f, record in ((self.path / f"index-{side}.faiss", sums.get(side)),
                              (self.path / f"index-{side}.ivfdata", data_sums.get(side))):
                if record is None:  # written by an earlier tmbuild: its vectors are compared below instead
                    continue
                try:
                    why = sums_problem(f, record)
                except OSError as e:
                    why = e.strerror or str(e)
                if why:
                    return f"{f.name}: {why}"
        return None

    def damaged_rows(self) -> list[tuple[int, str]]:
        """(pair id, "text" or "vector") of every pair whose stored row is damaged: text that is not UTF-8 or
        does not give its stored normal form, a vector of another length, not finite, or not of unit length.
        Reads every row."""
        bad: list[tuple[int, str]] = []
        cur = self.con.cursor()
        cur.row_factory = None
        old = self.con.text_factory
        self.con.text_factory = bytes  # decoded here, row by row: one damaged row names itself
        try:
            cur.execute("SELECT id, src_text, tgt_text, src_norm, tgt_norm, src_vec, tgt_vec FROM pairs")
            while rows := cur.fetchmany(10_000):
                for r in rows:
                    try:
                        st, tt, sn, tn = (bytes(x).decode("utf-8") for x in r[1:5])
                        if self.normal_form_current and (normalise_text(st) != sn or normalise_text(tt) != tn):
                            raise ValueError("normal form")
                    except (ValueError, TypeError):
                        bad.append((r[0], "text"))
                ids = [r[0] for r in rows]
                for col in (5, 6):
                    wrong = damaged_vectors([r[col] for r in rows], self.dim)
                    bad += [(ids[k], "vector") for k in np.flatnonzero(wrong)]
        finally:
            self.con.text_factory = old
        return sorted(set(bad))

    def _token_problems(self, sample: int) -> list[str]:
        out = [damage for side in ("src", "tgt") if (damage := TokenIndex.damaged(self._token_stem(side)))]
        if self.tokens_problem and self.readonly:
            out.append(self.tokens_problem)
        elif not out and not self._tokens_agree(sample):
            out.append("does not find stored segments by their own text")
        return out

    def _lexical_problem(self) -> str | None:
        """What FTS5's own integrity check says is wrong with the lexical index, or None."""
        if not self.readonly:
            return lexical.integrity_problem(self.con)
        try:  # FTS5's check is a write (rolled back): it needs a connection that may write
            con = connect(self.path, readonly=False)
        except StoreError:
            return None  # a read-only disk: the sample check below is what can be done
        try:
            why = lexical.integrity_problem(con)
        finally:
            con.close()
        # a read-only database file (the folder is writable): the sample check is what can be done
        return None if why and "readonly" in why else why

    def close(self) -> None:
        try:
            if self._dirty and not self.readonly:
                self.flush()
        finally:
            self.con.close()
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
        """The index state file (which generation and pairs the index files hold, their checksums), or {} when it is
        missing or damaged."""
        try:
            state = json.loads((self.path / STATE_NAME).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as e:
            self.index_damage = f"{STATE_NAME} unreadable ({e})"
            return {}
        if not isinstance(state, dict):
            self.index_damage = f"{STATE_NAME} is not an object"
            return {}
        return state

    def _load_indexes(self, db_ids: list[int]) -> None:
        state = self._state()
        gen = self._generation()
        files = {side: self.path / f"index-{side}.faiss" for side in ("src", "tgt")}
        ok = state.get("generation") == gen and all(f.is_file() for f in files.values())
        if ok and state.get("ids", None if self.readonly else []) not in (None, db_ids):
            ok = False  # the index holds other pairs than the database: another writer, a lost update
        damage = None
        if ok:
            sums = state.get("sums") or {}
            try:
                self._indexes = {side: VectorIndex.load(f, self.dim, state["kind"], state.get("nlist", 0),
                                                   mmap=self.mapped, sums=sums.get(side))
                                 for side, f in files.items()}
                if not all(ix.ntotal == db_ids[0] for ix in self._indexes.values()):
                    ok = False
                elif not all(sums.get(side) for side in files) and not self._vectors_agree():
                    # no checksums (an earlier tmbuild's files): a sample of the vectors instead
                    ok, damage = False, "its vectors differ from the stored ones"
                self._ids = db_ids
            except IndexDamaged as e:
                ok, damage = False, str(e)
            except Exception as e:  # noqa: BLE001 - an unreadable index file is damaged: rebuilt below
                ok, damage = False, f"unreadable ({str(e).strip().splitlines()[-1] if str(e).strip() else e})"
        if not ok:
            self._indexes = {}  # never answer from the files that failed
            damage = damage or self.index_damage
            self.index_damage = damage
            if self.readonly:
                self._indexes = self._build_indexes()  # exact search in memory, from the stored vectors
                self.index_lags = True
                self.notes.append(
                    f"the vector index is damaged ({damage}); searching the stored vectors instead: "
                    f"tmbuild check --store {self.path} --repair rebuilds it" if damage else
                    "the index lags behind the database (a build is running or was stopped); results may miss "
                    "the newest pairs")
                return
            n = self.con.execute("SELECT COUNT(*) FROM pairs").fetchone()[0]
            if damage:
                self.notes.append(f"repaired the vector index: it was damaged ({damage}); rebuilt it from the "
                                  f"{n} pairs in the database")
            elif gen or n:
                self.notes.append(f"repaired the index: rebuilt it from the {n} pairs in the database "
                                  "(an earlier build stopped before saving it)")
            self._indexes = self._build_indexes()
            self.flush()

    def _vector_search(self, side: str, q: NDArray[np.float32], k: int) -> tuple[NDArray, NDArray]:
        """``k`` nearest stored vectors of ``side``; an index found damaged by its answer is replaced by one
        built from the stored vectors (in memory; saved too when the store is writable) and asked again."""
        try:
            return self._indexes[side].search(q, k)
        except IndexDamaged as e:
            self.index_damage = str(e)
            self._indexes = self._build_indexes()
            self.notes.append(f"the vector index was damaged ({e}); rebuilt it from the stored vectors")
            if not self.readonly:
                self._dirty = True
            else:
                self.index_lags = True
            return self._indexes[side].search(q, k)

    def _vectors_agree(self, sample: int = 16) -> bool:
        """Whether a sample of the flat indexes' vectors are the database's (bytes damaged in an index file
        read back as vectors without complaint; similarities of 1e37 followed). The sample is drawn from the
        index's ids and read by primary key: a few page reads at open, whatever the store's size; a store of up
        to ``VECTORS_CHECK_ALL`` pairs has all of them compared."""
        flat = self._indexes["src"]
        if flat.kind != "flat" or not flat.ntotal:
            return True  # IVF vectors are quantised; the id fingerprint checks those indexes
        every = flat.ntotal <= VECTORS_CHECK_ALL  # a small store: all of them (a sample can miss one bad vector)
        where = (np.arange(flat.ntotal) if every
                 else np.random.default_rng().choice(flat.ntotal, min(sample, flat.ntotal), replace=False))
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
                if not np.allclose(got, blob_vecs([r[col]], self.dim)[0], atol=0.01):
                    return False
        return True

    def _quantised_vectors_agree(self, sample: int) -> bool:
        """Whether IVF indexes find a sample of stored pairs by their own stored vectors at the similarity their
        8-bit codes give (each vector encoded and decoded again: damaged list bytes decode to other vectors or
        other ids). Pairs are drawn by random ids through the primary key, so the cost does not grow with the
        store. Flat indexes: True (see :meth:`_vectors_agree`)."""
        if self._indexes["src"].kind == "flat" or not self._indexes["src"].ntotal:
            return True
        rows = {r[0]: r for r in sample_pairs(self.con, "id, src_vec, tgt_vec", sample)}
        ids = np.array(list(rows), dtype=np.int64)
        for side, col in (("src", 1), ("tgt", 2)):
            index = self._indexes[side]
            vecs = blob_vecs([rows[i][col] for i in ids], self.dim)
            expected = np.einsum("ij,ij->i", vecs, index.index.sa_decode(index.index.sa_encode(vecs)))
            sims, found = index.index.search(vecs, QUANTISED_CHECK_K)  # unclipped: compared with the codes
            for want, exp, s_row, f_row in zip(ids, expected, sims, found):
                mine = s_row[f_row == want]
                if mine.size and abs(float(mine[0]) - exp) <= QUANTISED_TOLERANCE:
                    continue
                # not among the nearest: right only when as many other pairs are at least as near (the same
                # sentence in many documents)
                if not (f_row >= 0).all() or s_row[-1] < exp - QUANTISED_TOLERANCE:
                    return False
        return True

    def _token_stem(self, side: str) -> Path:
        return self.path / f"tokens-{side}"

    def _token_state(self) -> dict:
        return {"generation": self._generation(), "ids": self._ids}

    def _load_tokens(self, db_ids: list[int]) -> None:
        """The fuzzy index's files when they are the database's (generation and ``db_ids``) and find a sample of
        its pairs; else rebuilt from the pairs (and saved), or, opened read-only, built in memory when first
        needed."""
        state = {"generation": self._generation(), "ids": db_ids}
        try:
            if self._norms_changed:
                raise TokenIndexError("of the text's earlier normal form")
            self._tokens = {side: TokenIndex.load(self._token_stem(side), state) for side in ("src", "tgt")}
            if self._tokens_agree(TOKENS_CHECK):
                return
            self.tokens_problem = "does not find stored segments by their own text"
        except TokenIndexError as e:
            self.tokens_problem = f"its files cannot be used ({e})"
        self._tokens = {}
        if self.readonly:
            return  # built in memory when first needed
        n = self.con.execute("SELECT COUNT(*) FROM pairs").fetchone()[0]
        self._tokens = self._build_tokens()
        self._save_tokens()
        if n:
            self.notes.append(f"rebuilt the fuzzy index from the {n} pairs in the database")

    def _tokens_agree(self, sample: int) -> bool:
        """Whether the fuzzy index finds a sample of stored pairs by their own text (drawn through the primary
        key: a few page reads and lookups, whatever the store's size)."""
        rows = sample_pairs(self.con, "id, src_norm, tgt_norm", sample)
        for side, col in (("src", 1), ("tgt", 2)):
            ix = self.token_index(side)
            for r in rows:
                found = ix.candidates(r[col], 100.0)
                if found is not None and r[col].strip() and r[0] not in set(found.tolist()):
                    return False
        return True

    def token_index(self, side: str) -> TokenIndex:
        """The fuzzy index of ``side`` (built in memory here when a read-only open found its files stale)."""
        if side not in self._tokens:
            self._tokens = self._build_tokens()
        return self._tokens[side]

    def _build_tokens(self) -> dict[str, TokenIndex]:
        out = {}
        for side, lang in (("src", self.src_lang), ("tgt", self.tgt_lang)):
            cur = self.con.execute(f"SELECT id, {side}_norm FROM pairs ORDER BY id")
            out[side] = TokenIndex.build(iter(functools.partial(cur.fetchmany, 100_000), []), by_characters(lang))
        return out

    def _save_tokens(self) -> None:
        state = self._token_state()
        for side, ix in self._tokens.items():
            try:
                ix.save(self._token_stem(side), state)
            except OSError as e:
                raise index_write_error(self._token_stem(side), e) from None

    def _build_indexes(self) -> dict[str, VectorIndex]:
        """Both sides' vector indexes built from the vectors stored in the database, of the kind the store's size calls
        for."""
        n = self.con.execute("SELECT COUNT(*) FROM pairs").fetchone()[0]
        out = {}
        for side in ("src", "tgt"):
            ix = VectorIndex.choose(n, self.dim)
            if ix.kind != "flat":
                rows = self.con.execute(
                    f"SELECT {side}_vec FROM pairs {TRAINING_ORDER} LIMIT ?", (TRAIN_PER_LIST * ix.nlist,))
                ix.train(blob_vecs([r[0] for r in rows], self.dim))
            cur = self.con.execute(f"SELECT id, {side}_vec FROM pairs ORDER BY id")
            while True:
                chunk = cur.fetchmany(50_000)
                if not chunk:
                    break
                ix.add(np.array([r[0] for r in chunk]), blob_vecs([r[1] for r in chunk], self.dim))
            out[side] = ix
        self._trained_on = n
        self._ids = id_fingerprint(self.con)
        return out

    def flush(self) -> None:
        """Write the index files for the current database generation (temporary file, then rename)."""
        if self.readonly:
            return
        sums = {side: ix.save(self.path / f"index-{side}.faiss") for side, ix in self._indexes.items()}
        self._save_tokens()
        ix = self._indexes["src"]
        state = {"generation": self._generation(), "kind": ix.kind, "nlist": ix.nlist, "ntotal": ix.ntotal,
                 "trained_on": getattr(self, "_trained_on", ix.ntotal), "ids": self._ids, "sums": sums}
        write_state(self.path, state)
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
        """"new", "same" (nothing to do), "changed" (its pairs will be replaced) or "unreviewable" (the same,
        aligned by a tmbuild that stored neither its sentences nor its languages: aligned again, so that it can be
        reviewed)."""
        row = self.con.execute(f"SELECT content_hash, origin, {self.column['src_lang']} FROM documents d "
                               "WHERE key=?", (key,)).fetchone()
        if row is None:
            return "new"
        if row[0] != content_hash:
            return "changed"
        if row[1] == "aligned" and row[2] is None and self.reviewable:
            return "unreviewable"
        return "same"

    def add_document(self, key: str, content_hash: str, units: Sequence[TranslationUnit],
                     src_vecs: NDArray[np.float32], tgt_vecs: NDArray[np.float32], *, src_path: str = "",
                     tgt_path: str = "", symbol: str = "", title: str = "", origin: str = "aligned",
                     sentences: tuple[Sequence[Segment], Sequence[Segment]] | None = None) -> int:
        """Add (or replace) one document's pairs in one transaction; returns the number of pairs added.

        ``sentences`` (both sides' sentences, which the units' ``src_ids``/``tgt_ids`` index) make the
        document reviewable. Replacing a reviewable document by a new version keeps every reviewed bead whose
        sentences are unchanged (:func:`corpus.review.carry_reviews`); what became of each is in
        ``revisions``, and ``dropped_reviews`` counts the reviewed pairs that could not be kept."""
        if self.readonly:
            raise StoreError(f"{self.path}: opened read-only")
        if len(units) != len(src_vecs) or len(units) != len(tgt_vecs):
            raise ValueError("one vector per unit and side")
        if src_vecs.shape[1:] != (self.dim,) and len(units):
            raise StoreError(f"vectors of dimension {src_vecs.shape[1]}, the store holds {self.dim}")
        added = now()
        langs = (units[0].src_lang, units[0].tgt_lang) if units else (self.src_lang, self.tgt_lang)
        with self.con:
            was = self.con.execute("SELECT id FROM documents WHERE key=?", (key,)).fetchone()
            rows = self.con.execute("SELECT id, review NOT IN ('automatic', 'imported') FROM pairs "
                                    "WHERE doc_id=?", was or (None,)).fetchall()
            old = [r[0] for r in rows]
            stamps: list[PairStamp] = []
            if was and rows:
                units, src_vecs, tgt_vecs, stamps, revision = self._revised(
                    was[0], symbol or Path(src_path or key).name, units, src_vecs, tgt_vecs, sentences)
                if revision.kept or revision.dropped:
                    self.revisions.append(revision)
                self.dropped_reviews += len(revision.dropped)
            fields = (key, src_path, tgt_path, symbol, title, content_hash, origin, added, *langs)
            if was:  # a replaced document keeps its number (links to its review page) and its edit history
                doc_id = was[0]
                self.con.execute("UPDATE documents SET key=?, src_path=?, tgt_path=?, symbol=?, title=?, "
                                 "content_hash=?, origin=?, added=?, src_lang=?, tgt_lang=? WHERE id=?",
                                 (*fields, doc_id))
                self.con.execute("DELETE FROM pairs WHERE doc_id=?", (doc_id,))
                if self.reviewable:
                    self.con.execute("DELETE FROM sentences WHERE doc_id=?", (doc_id,))
                    self.con.execute("UPDATE edits SET undone = 2 WHERE doc_id=? AND undone = 0", (doc_id,))
                    if stamps and self.revisions and self.revisions[-1].doc_key == key:
                        self.con.execute("INSERT INTO edits(doc_id, time, action, before, undone) "
                                         "VALUES (?,?,'revised',?,2)",
                                         (doc_id, added, json.dumps(self.revisions[-1].as_dict(),
                                                                    ensure_ascii=False)))
            else:
                doc_id = self.con.execute(
                    "INSERT INTO documents(key, src_path, tgt_path, symbol, title, content_hash, origin, added, "
                    "src_lang, tgt_lang) VALUES (?,?,?,?,?,?,?,?,?,?)", fields).lastrowid
            if sentences is not None:
                edited = revision.edited if was and rows else {}  # the reviewer's text edits carried over
                with_original = self.column["original"] != "NULL"
                self.con.executemany(
                    "INSERT INTO sentences(doc_id, side, idx, paragraph, text"
                    + (", original) VALUES (?,?,?,?,?,?)" if with_original else ") VALUES (?,?,?,?,?)"),
                    [(doc_id, side, i, seg.paragraph, edited.get((side, i), seg.text),
                      *([seg.text if (side, i) in edited else None] if with_original else []))
                     for side, segs in zip(("src", "tgt"), sentences) for i, seg in enumerate(segs)])
            ids = self._insert_pairs(doc_id, units, src_vecs, tgt_vecs, added, with_ids=sentences is not None,
                                     stamps=stamps)
            self.con.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")
        self._apply(old, np.array(ids, dtype=np.int64), src_vecs, tgt_vecs)
        return len(ids)

    def _insert_pairs(self, doc_id: int, units: Sequence[TranslationUnit], src_vecs, tgt_vecs, added: str,
                      with_ids: bool = True, stamps: Sequence[PairStamp] = ()) -> list[int]:
        """Insert a document's pairs (inside the caller's transaction); their new ids. ``stamps``: each pair's
        review state, dates and people, when not those of a pair stored now by ``self.user``."""
        ids = []
        for k, (u, sv, tv) in enumerate(zip(units, src_vecs, tgt_vecs)):
            st = stamps[k] if stamps else PairStamp(u.review or "automatic", None, None, added, self.user)
            cur = self.con.execute(
                "INSERT INTO pairs(doc_id, src_text, tgt_text, src_lang, tgt_lang, paragraph, bead_index, "
                "bead_kind, score, embedder, added, src_norm, tgt_norm, src_vec, tgt_vec, extra, src_ids, tgt_ids, "
                "review, reviewed, added_by, reviewed_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (doc_id, u.src_text, u.tgt_text, u.src_lang, u.tgt_lang, u.paragraph,
                 u.bead if st.bead is None else st.bead, u.bead_kind, float(u.score),
                 u.embedder or self.embedder_signature, st.added or added,
                 normalise_text(u.src_text), normalise_text(u.tgt_text), vec_blob(sv), vec_blob(tv),
                 u.extra or None, " ".join(map(str, u.src_ids)) if with_ids else None,
                 " ".join(map(str, u.tgt_ids)) if with_ids else None, st.review, st.reviewed, st.added_by,
                 st.reviewed_by))
            ids.append(cur.lastrowid)
        return ids

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
        """Bring the in-memory indexes (fuzzy tokens, vectors) up to a change of the database: the pairs
        ``removed`` out, the pairs ``ids`` with their vectors in; written to disk at the next flush."""
        if self._tokens:
            norms = dict.fromkeys(int(i) for i in ids)
            for rows in pairs_by_id(self.con, "id, src_norm, tgt_norm", ids):
                norms.update((r[0], r[1:]) for r in rows)
            for side, ix in self._tokens.items():
                ix.remove(removed)
                ix.add(list(norms), [v[side == "tgt"] for v in norms.values()])
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
            ix.add(ids, as_stored(vecs, self.dim))  # what a rebuild from the database would add
        self._ids = ids_delta(ids_delta(self._ids, removed, -1), ids, +1)
        n = self._indexes["src"].ntotal
        trained = getattr(self, "_trained_on", n)
        kind = self._indexes["src"].kind
        if index_plan(n)[0] != kind or (kind != "flat" and n > 4 * max(trained, 1)):
            self._indexes = self._build_indexes()  # switch kind (flat, IVF, IVF-HNSW), or retrain
        self._dirty = True

    # ------------------------------------------------------------ reading

    def document_keys(self) -> dict[int, str]:
        """Each document's number and key (what identifies it: its two resolved paths, or ``tmx:PATH``)."""
        return dict(self.con.execute("SELECT id, key FROM documents"))

    def export_rows(self, reviewed_only: bool = False) -> Iterator[sqlite3.Row]:
        """Every pair (or the reviewed and imported ones) in document and bead order, with named columns: its
        texts, languages, score, bead, embedder, review, dates and people, and its document's symbol, path
        and key (columns an earlier store lacks read as their defaults)."""
        c = self.column
        cur = self.con.cursor()
        cur.row_factory = sqlite3.Row
        return cur.execute(
            "SELECT p.src_text, p.tgt_text, p.src_lang, p.tgt_lang, p.score, p.bead_kind, p.paragraph, "
            f"p.bead_index, p.embedder, d.symbol, d.src_path, d.key AS doc_key, {c['extra']} AS extra, "
            f"{c['review']} AS review, p.added, {c['reviewed']} AS reviewed, {c['added_by']} AS added_by, "
            f"{c['reviewed_by']} AS reviewed_by FROM pairs p JOIN documents d ON p.doc_id = d.id "
            + (f"WHERE {c['review']} != 'automatic' " if reviewed_only else "")
            + "ORDER BY d.id, p.bead_index, p.id")

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
        """"src" or "tgt": the side a query in ``lang`` (detected from ``text`` for "auto") is stored on."""
        if lang == "auto":
            from ..readers import detect_lang

            lang = detect_lang(text)
        if lang.split("-")[0] == self.src_lang.split("-")[0]:
            return "src"
        if lang.split("-")[0] == self.tgt_lang.split("-")[0]:
            return "tgt"
        raise StoreError(f"this store holds {self.src_lang} and {self.tgt_lang}; --lang {lang} is neither")

    def search(self, text: str, k: int = 10, lang: str = "auto", vector: NDArray[np.float32] | None = None,
               mode: str = "auto", min_similarity: float | None = None) -> list[Hit]:
        """The first ``k`` hits for ``text`` (see :meth:`lookup`)."""
        return self.lookup(text, k=k, lang=lang, vector=vector, mode=mode, min_similarity=min_similarity,
                           renderings=False).hits

    def lookup(self, text: str, k: int = 10, lang: str = "auto", vector: NDArray[np.float32] | None = None,
               mode: str = "auto", min_similarity: float | None = None, min_fuzzy: float = FUZZY_MIN,
               renderings: bool = True) -> Lookup:
        """Exact, concordance, fuzzy and semantic hits for ``text`` in one ranked list (:mod:`.ranking`).

        ``mode`` "auto" runs every kind (fuzzy for queries of a sentence's length; the vectors only when
        the lexical kinds found fewer than ``k`` pairs); "concordance", "fuzzy" or "semantic" runs that
        kind alone (and exact matches). With ``renderings``, the likely translations of the phrase are
        worked out from the concordance hits and marked in each one.
        """
        if mode not in MODES:
            raise StoreError(f"unknown search mode {mode!r}; use one of {', '.join(MODES)}")
        norm = normalise_text(text)
        if not norm:
            raise StoreError("empty query")
        side = self.query_side(text, lang)
        other = "tgt" if side == "src" else "src"
        qlang, tlang = (self.src_lang, self.tgt_lang) if side == "src" else (self.tgt_lang, self.src_lang)
        k = max(1, min(int(k), MAX_K))
        min_sim = (float(min_similarity) if min_similarity is not None
                   else RELATED_SIMILARITY if mode == "auto" else MIN_SIMILARITY)
        found: dict[int, tuple[str, float | None, float]] = {}  # id -> (kind, similarity, match %)
        counts = dict.fromkeys(KINDS, 0)

        for i in self._select_ids(f"SELECT id FROM pairs WHERE {side}_norm=? ORDER BY score DESC LIMIT ?",
                           (norm, max(k, RENDER_HITS))):
            found[i] = ("exact", None, 100.0)
        counts["exact"] = len(found)
        conc: list[int] = []
        if mode in ("auto", "concordance"):
            counts["concordance"], conc = self._containing(side, norm, max(k, RENDER_HITS), qlang)
            for i in conc:
                found.setdefault(i, ("concordance", None, 0.0))
        fuzzy = Fuzzy(text, qlang)
        if mode == "fuzzy" or (mode == "auto" and fuzzy.length >= FUZZY_AUTO_TOKENS):
            for i, pct in self._fuzzy(side, fuzzy, min_fuzzy):
                counts["fuzzy"] += 1
                found.setdefault(i, ("fuzzy", None, pct))
        sims: dict[int, float] = {}
        if mode == "semantic" or (mode == "auto" and (fuzzy.length >= FUZZY_AUTO_TOKENS or not found)):
            q = vector if vector is not None else self.embedder().encode([text])
            n = min(k + len(found), self._indexes[side].ntotal)
            if n:
                scores, ids = self._vector_search(side, np.asarray(q, np.float32).reshape(1, -1), n)
                sims = {int(i): float(s) for i, s in zip(ids[0], scores[0]) if i >= 0}
            for i, sim in sims.items():
                if sim >= min_sim and i not in found:
                    counts["semantic"] += 1
                    found[i] = ("semantic", sim, -1.0)
        # a concordance hit ranks by the share of the segment the query covers (in tokens, as fuzzy matches
        # count): the shortest first. Without renderings (which read every hit), only the shortest concordance
        # hits are read, by the fuzzy index's lengths, until the first k are settled
        n_tokens = len(tokens(norm, qlang))
        later = [] if renderings else self._by_length(
            side, [i for i, f in found.items() if f[0] == "concordance"], 2 * k)
        unread = set().union(*later)
        rows = self._rows(side, other, [i for i in found if i not in unread])

        def candidates(ids: Iterable[int]) -> list[Hit]:
            out = []
            for i in ids:
                kind, sim, pct = found[i]
                r = rows.get(i)
                if r is None:  # deleted since the vector index was written
                    continue
                if kind == "concordance":
                    pct = 100.0 * max(n_tokens, 1) / max(len(tokens(r["norm"], qlang)), 1)
                out.append(Hit(i, kind, r["text"], r["translation"], sims.get(i, sim), max(pct, 0.0), r["score"],
                               r["doc"], r["source"], r["paragraph"], r["bead_kind"]))
            return out

        def same(h: Hit) -> tuple[str, str]:  # the stored normal forms: identical pairs collapse into one hit
            return rows[h.pair_id]["norm"], rows[h.pair_id]["translation_norm"]

        hant = traditional_only(text)

        def own_script(h: Hit) -> bool:
            return traditional_only(h.text) == hant

        cands = candidates(list(rows))
        batches = iter(later)
        while True:
            ranked = rank(cands, k, min_sim, same, own_script)
            # the hits not read are longer than every one read, so they rank after those and before every
            # fuzzy and semantic hit: the first k are settled once they are k exact and concordance hits
            if len(ranked) == k and all(h.kind in KINDS[:2] for h in ranked):
                break
            batch = next(batches, None)
            if batch is None:
                break
            rows.update(self._rows(side, other, batch))
            cands += candidates(batch)
        hits = []
        for h in ranked:  # the match percentage and spans of the hits shown
            pct = fuzzy.score(rows[h.pair_id]["norm"]) if h.kind in ("concordance", "semantic") else h.fuzzy
            spans = tuple(find_spans(h.text, norm)) if h.kind in ("exact", "concordance") else ()
            hits.append(replace(h, fuzzy=pct, spans=spans, min_match=min_fuzzy))
        found_renderings: list[tuple[str, int]] = []
        # a phrase's renderings; a sentence (ending as one, long, or most of a stored segment of a sentence's
        # length) is no phrase
        covers = any(len(norm) >= SENTENCE_COVER * len(rows[i]["norm"]) for i, (kind, _, _) in found.items()
                     if i in rows and kind in ("exact", "concordance"))
        sentence = (_SENTENCE_END.search(norm) or n_tokens > RENDER_MAX_TOKENS
                    or (covers and n_tokens >= (SENTENCE_CHARS if by_characters(qlang) else SENTENCE_WORDS)))
        if renderings and conc and not sentence:
            found_renderings, hits = self._renderings(text, qlang, tlang, other, conc, rows, hits)
        return Lookup(text, side, qlang, hits, counts, found_renderings)

    # ------------------------------------------------------------ lookup parts

    def _select_ids(self, sql: str, args: Sequence) -> list[int]:
        return [r[0] for r in self.con.execute(sql, args)]

    def _containing(self, side: str, norm: str, limit: int, lang: str) -> tuple[int, list[int]]:
        """How many segments of ``side`` contain ``norm`` (up to ``COUNT_CAP``), the newest ``limit`` (ids).

        A query of a sentence's length: the segments holding all its tokens (the fuzzy index's lists, the
        shortest first), checked for the string; FTS5 would read the positions of every trigram, common ones
        included (0.2-1.5 s at a million pairs). Terms, or when those lists are long: the lexical index; an
        old store opened read-only has none, and a scan finds the same segments."""
        if len(tokens(norm, lang)) >= CONTAINING_BY_TOKENS:
            cands = self.token_index(side).containing(norm, CONTAINING_MOST)
            if cands is not None:
                found: list[int] = []
                # newest first, until the count is capped
                for rows in pairs_by_id(self.con, "id", cands[::-1], f"instr({side}_norm, ?) > 0", [norm], 2_000):
                    found += [r[0] for r in rows]
                    if len(found) >= COUNT_CAP:
                        break
                found.sort(reverse=True)
                return min(len(found), COUNT_CAP), found[:limit]
        return lexical.containing(self.con, side, norm, limit, COUNT_CAP, indexed=self.lexical)

    def _by_length(self, side: str, ids: list[int], size: int) -> list[list[int]]:
        """``ids`` in batches of ascending length (tokens) of at least ``size`` pairs, each ending where the
        length changes: a concordance hit's rank depends on its length, so a batch's hits outrank every later
        batch's. The pairs of unknown length come first. One batch of all when the fuzzy index was not loaded
        (a store opened read-only with stale files: building it for a term lookup would cost more)."""
        if side not in self._tokens:
            return [ids] if ids else []
        lens = self._tokens[side].lengths(ids)
        order = np.argsort(lens, kind="stable")
        ids_sorted, lens_sorted = np.asarray(ids, np.int64)[order].tolist(), lens[order]
        changes = np.flatnonzero(lens_sorted[1:] != lens_sorted[:-1]) + 1  # where a new length starts
        out, start = [], 0
        for end in [*changes.tolist(), len(ids_sorted)]:
            if end - start >= size or end == len(ids_sorted):
                if end > start:
                    out.append(ids_sorted[start:end])
                start = end
        return out

    def _fuzzy(self, side: str, fuzzy: Fuzzy, min_fuzzy: float) -> list[tuple[int, float]]:
        """Segments of ``side`` whose match percentage with the query is at least ``min_fuzzy``: the fuzzy
        index (:mod:`.tokens`) gives every segment that can reach it, each is then scored exactly."""
        ids = self.token_index(side).candidates(fuzzy.norm, min_fuzzy)
        col = f"{side}_norm"
        chunks = [self.con.execute(f"SELECT id, {col} FROM pairs")] if ids is None else pairs_by_id(
            self.con, f"id, {col}", ids)
        out = []
        for rows in chunks:
            for i, text in rows:
                pct = fuzzy.score(text, cutoff=min_fuzzy)
                if pct >= min_fuzzy:
                    out.append((i, pct))
        return out

    def _rows(self, side: str, other: str, ids: Sequence[int]) -> dict[int, dict]:
        """What a hit shows of each pair of ``ids``: its text on ``side`` and translation on ``other``, score,
        document, provenance, paragraph, bead kind and both normal forms."""
        if not ids:
            return {}
        out = {}
        for r in self.con.execute(
                f"SELECT p.id, p.{side}_text, p.{other}_text, p.score, d.symbol, d.src_path, d.tgt_path, "
                f"p.paragraph, p.bead_kind, d.key, json_extract({self.extra_sql}, '$.doc'), p.{side}_norm, "
                f"p.{other}_norm "
                f"FROM pairs p JOIN documents d ON p.doc_id=d.id WHERE p.id IN ({','.join('?' * len(ids))})",
                list(ids)):
            out[r[0]] = {"text": r[1], "translation": r[2], "score": round(float(r[3]), 4),
                         "doc": r[10] or r[4] or Path(r[5] or r[9]).name,
                         "source": " | ".join(x for x in (r[5], r[6]) if x) or r[9],
                         "paragraph": int(r[7] or 0), "bead_kind": r[8] or "", "norm": r[11],
                         "translation_norm": r[12]}
        return out

    def _renderings(self, text: str, qlang: str, tlang: str, other: str, conc: list[int], rows: dict,
                    hits: list[Hit]) -> tuple[list[tuple[str, int]], list[Hit]]:
        from .phrases import guess_renderings, locate

        cap = 2 * len(conc) + 20  # beyond this a span is common: its association is low whatever the count

        def frequency(strings: Sequence[str]) -> dict[str, int]:
            return {s: self._capped_count(other, s, cap) for s in strings}

        embed = None
        try:
            embed = self.embedder().encode
        except Exception:  # noqa: BLE001 - renderings work from co-occurrence alone without the model
            pass
        translations = {i: rows[i]["translation"] for i in conc if i in rows}
        guess = guess_renderings(text, list(translations.values()), tlang, frequency, embed,
                                 [rows[i]["text"] for i in translations], qlang)
        chosen = dict(zip(translations, guess.chosen))
        # each rendering as the translations write it (case, script), its most used form: the guess works on
        # normal forms, where 人权 and 人權, Ebola and ebola are one
        where = {i: locate(translations[i], c, tlang) for i, c in chosen.items() if c}
        forms: dict[str, Counter] = {}
        for i, span in where.items():
            if span:
                forms.setdefault(chosen[i], Counter())[translations[i][span[0]:span[1]]] += 1
        shown = [(_most_used(forms[c], c) if c in forms else c, n) for c, n in guess.renderings]
        hits = [replace(h, translation_spans=(where[h.pair_id],)) if where.get(h.pair_id) else h for h in hits]
        return shown, hits

    def _capped_count(self, side: str, norm: str, cap: int) -> int:
        """Segments of ``side`` holding ``norm``, up to ``cap``; ``cap`` when only a scan could say."""
        if not self.lexical or lexical.substring_plan(norm) is None:
            return cap
        return lexical.count(self.con, side, norm, cap)


@dataclass(frozen=True, slots=True)
class Lookup:
    """One query's answer: its hits, how many segments each kind of match found, the phrase's renderings."""
    query: str
    side: str  # "src" or "tgt": where the query's language is stored
    lang: str
    hits: list[Hit]
    counts: dict[str, int]
    renderings: list[tuple[str, int]] = field(default_factory=list)  # (translation, how many hits use it)

    def as_dict(self) -> dict:
        return {"query": self.query, "lang": self.lang, "counts": self.counts,
                "renderings": [{"text": t, "count": n} for t, n in self.renderings],
                "hits": [h.as_dict() for h in self.hits]}
