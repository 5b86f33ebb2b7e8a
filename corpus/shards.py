"""A sharded, merged, memory-mapped index for large stores (``tmbuild index --store DIR --shards N``).

For stores of millions of pairs: the IVF quantizer is trained once on a
sample of the stored vectors; each shard (a range of pair ids) adds its
vectors to a copy of the trained, empty index in its own process; the shards
are merged with ``faiss.contrib.ondisk.merge_ondisk`` into one index whose
inverted lists live in an ``.ivfdata`` file beside it; readers open it
memory-mapped (``IO_FLAG_MMAP``) in milliseconds.

The on-disk index serves searches. A store that is changed afterwards (a
build adds or replaces documents) goes back to an in-memory index, rebuilt
from the stored vectors, and says so; run ``tmbuild index`` again after large
builds.
"""

from __future__ import annotations

import math
import os
import shutil
import sqlite3
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from align.errors import StoreError

from .files import file_sums, renamed_into
from .runner import Runner
from .store import (
    DB_NAME,
    MIN_PER_LIST,
    TRAIN_PER_LIST,
    Store,
    blob_vecs,
    id_fingerprint,
    index_plan,
    new_ivf,
)
from .store.store import write_state
from .store.vectors import TRAINING_ORDER


@dataclass(frozen=True, slots=True)
class ShardReport:
    """What ``tmbuild index`` built: pairs, lists, shards, files and the faiss description."""
    pairs: int
    nlist: int
    shards: int
    files: tuple[str, ...]
    factory: str = ""  # the faiss description, e.g. "IVF4000,SQ8" or "IVF64000_HNSW32,SQ8"
    notes: tuple[str, ...] = ()  # choices made for the user (a smaller nlist)


def _vectors(db: Path, side: str, lo: int, hi: int, dim: int):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute(f"SELECT id, {side}_vec FROM pairs WHERE id >= ? AND id < ? ORDER BY id", (lo, hi))
        rows = rows.fetchall()
    finally:
        con.close()
    return np.array([r[0] for r in rows], dtype=np.int64), blob_vecs([r[1] for r in rows], dim)


def _fill_shard(args) -> str:
    """In a worker: add one id range's vectors to the trained empty index and write it."""
    import faiss

    db, side, lo, hi, dim, trained, out = args
    index = faiss.read_index(trained)
    ids, vecs = _vectors(Path(db), side, lo, hi, dim)
    if len(ids):
        index.add_with_ids(vecs, ids)
    faiss.write_index(index, out)
    return out


def _shard_filler():
    """The worker of :class:`~corpus.runner.Runner` that fills shards."""
    return _fill_shard


@contextmanager
def _quiet():
    """Silence what faiss prints from C++ ("resizing ...", clustering warnings) on stdout and stderr."""
    import sys

    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, devnull):
            os.close(fd)


def build_sharded_index(store_dir: Path, shards: int = 2, workers: int = 2, nlist: int | None = None) -> ShardReport:
    import faiss
    from faiss.contrib.ondisk import merge_ondisk

    store_dir = Path(store_dir).resolve()
    writer = Store.open(store_dir)  # repairs the database/index state first; holds the writer lock to the end
    try:
        n = writer.stats().pairs
        dim = writer.dim
        gen = writer._generation()
        lo_id, hi_id = writer.con.execute("SELECT MIN(id), MAX(id) FROM pairs").fetchone()
        ids = id_fingerprint(writer.con)
        if not n:
            raise StoreError(f"{store_dir}: the store is empty; build it first")
        kind, planned = index_plan(n)
        wanted = nlist or max(1, planned or int(4 * math.sqrt(n)))
        nlist = max(1, min(wanted, n // MIN_PER_LIST))  # k-means needs enough points per list
        notes = (f"{wanted} inverted lists need at least {wanted * MIN_PER_LIST} pairs; using {nlist} for "
                 f"{n} pairs",) if nlist < wanted else ()
        hnsw = kind == "ivf-hnsw"
        db = store_dir / DB_NAME
        # a new folder of this process's own: nothing planted in the store folder is written through
        work = Path(tempfile.mkdtemp(prefix=".shards-", dir=store_dir))
        files = []
        sums: dict[str, dict] = {}
        data_sums: dict[str, dict] = {}
        bounds = np.linspace(lo_id, hi_id + 1, shards + 1).astype(np.int64)
        for side in ("src", "tgt"):
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            sample = [r[0] for r in con.execute(f"SELECT {side}_vec FROM pairs {TRAINING_ORDER} LIMIT ?",
                                                (TRAIN_PER_LIST * nlist,))]
            con.close()
            index = new_ivf(dim, nlist, hnsw)
            with _quiet():
                index.train(blob_vecs(sample, dim))
            trained = str(work / f"trained-{side}.index")
            faiss.write_index(index, trained)
            jobs = [(str(db), side, int(bounds[k]), int(bounds[k + 1]), dim, trained, str(work / f"{side}-{k}.index"))
                    for k in range(shards)]
            with Runner(_shard_filler, workers if shards > 1 else 1) as runner:
                shard_files = list(runner.map(jobs))
            merged = faiss.read_index(trained)
            ivfdata = store_dir / f"index-{side}.ivfdata"
            with renamed_into(ivfdata) as tmp, _quiet():  # faiss prints "resizing ..." from C++ on stdout
                merge_ondisk(merged, shard_files, str(tmp))
            # the index records where its lists live; point it at the final file name
            invlists = faiss.downcast_InvertedLists(faiss.extract_index_ivf(merged).invlists)
            invlists.filename = str(ivfdata)
            with renamed_into(store_dir / f"index-{side}.faiss") as tmp:
                faiss.write_index(merged, str(tmp))
                sums[side] = file_sums(tmp)
            data_sums[side] = file_sums(ivfdata)
            files += [str(store_dir / f"index-{side}.faiss"), str(ivfdata)]
        state = {"generation": gen, "kind": "ivf-ondisk", "nlist": nlist, "ntotal": n, "trained_on": n,
                 "shards": shards, "quantizer": "hnsw" if hnsw else "flat", "ids": ids, "sums": sums,
                 "data_sums": data_sums}
        write_state(store_dir, state)
        shutil.rmtree(work)
        return ShardReport(n, nlist, shards, tuple(files), f"IVF{nlist}{'_HNSW32' if hnsw else ''},SQ8", notes)
    finally:
        writer.close()


__all__ = ["ShardReport", "build_sharded_index"]
