"""The store's vector part: one FAISS index per language side, ids = SQLite pair ids.

Small stores use exact search (``IDMap2,Flat``); from ``IVF_MIN`` pairs on, a
trained ``IVF{4*sqrt(N)},SQ8`` index with ``nprobe`` 32, and from ``HNSW_MIN``
on ``IVF{16*sqrt(N)}_HNSW32,SQ8`` (tens of thousands of lists, whose centroids
an HNSW graph searches instead of a scan of them all); retrained when the
store has grown 4x since training. Vectors are kept in the database as float16
(``vec_blob``) so that an index can always be rebuilt without embedding again.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from align.errors import StoreError

from ..files import BlockSums, replacing, sums_problem

IVF_MIN = 200_000
HNSW_MIN = 2_000_000
NPROBE = 32
HNSW_EF_SEARCH = 128  # centroids the HNSW quantizer visits per query (>= NPROBE)
TRAIN_PER_LIST = 64  # k-means sample per inverted list
NORM_TOLERANCE = 0.01  # a stored (float16) embedding's length may be this far from 1
MIN_PER_LIST = 39  # faiss's k-means warns with fewer training points per inverted list
VERIFY_ON_OPEN = 256 << 20  # index files up to this size are checked against their checksums at every open
# float error allowed beyond [-1, 1] before a similarity is taken for damage: exact (flat) indexes, and
# 8-bit codes (IVF SQ8 answers up to about 1.004 for a vector's own code)
SIMILARITY_SLACK = {"flat": 1e-3, "quantised": 0.05}


class IndexDamaged(StoreError):
    """An index file whose bytes are not those written (checksums), or that answers what no intact index
    can (a similarity outside [-1, 1])."""


class VectorIndex:
    """One FAISS index of one language side."""

    def __init__(self, dim: int, kind: str = "flat", nlist: int = 0) -> None:
        import faiss

        self.dim, self.kind, self.nlist = dim, kind, nlist
        if kind == "flat":
            self.index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        else:
            self.index = new_ivf(dim, nlist, hnsw=kind == "ivf-hnsw")

    @staticmethod
    def choose(n: int, dim: int) -> VectorIndex:
        kind, nlist = index_plan(n)
        return VectorIndex(dim, kind, nlist)

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
        """The ``k`` nearest (cosine similarities, ids) of each query vector (made unit length here);
        :class:`IndexDamaged` when the index answers a similarity that unit vectors cannot have (damaged bytes
        read back as vectors)."""
        q = np.asarray(q, dtype=np.float32).reshape(-1, self.dim)
        q = q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)
        sims, ids = self.index.search(np.ascontiguousarray(q), k)
        real = sims[ids >= 0]
        slack = SIMILARITY_SLACK["flat" if self.kind == "flat" else "quantised"]
        if real.size and not (np.isfinite(real).all() and np.abs(real).max() <= 1 + slack):
            raise IndexDamaged(f"the {self.kind} vector index answered a similarity of "
                               f"{float(np.nanmax(np.abs(real))):.3g}: its bytes are damaged")
        return np.clip(sims, -1.0, 1.0), ids

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    def save(self, path: Path) -> dict:
        """Write the index to ``path`` (whole or not at all); its checksums (:func:`corpus.files.file_sums`)."""
        import faiss

        try:
            # through a Python file: faiss's own writer only prints a failed close (a full disk) and goes on
            with replacing(path) as f:
                sums = BlockSums(f)
                faiss.write_index(self.index, faiss.PyCallbackIOWriter(sums.write))
        except (RuntimeError, OSError) as e:
            raise index_write_error(path, e) from None
        return sums.record()

    @staticmethod
    def load(path: Path, dim: int, kind: str, nlist: int, mmap: bool = False, sums: dict | None = None
             ) -> VectorIndex:
        """The index in ``path``, its bytes checked against ``sums`` (:class:`IndexDamaged` when they differ).
        A file larger than ``VERIFY_ON_OPEN``, mapped or read, is checked by ``tmbuild check`` only (and by
        every search's similarities)."""
        import faiss

        ix = VectorIndex.__new__(VectorIndex)
        ix.dim, ix.kind, ix.nlist = dim, kind, nlist
        # a trained IVF file is memory-mapped for readers; a merged on-disk index maps its lists itself
        # (and crashes faiss 1.15 when asked for IO_FLAG_MMAP on top)
        flags = faiss.IO_FLAG_MMAP if (mmap and kind in ("ivf", "ivf-hnsw")) else 0
        large = path.stat().st_size > VERIFY_ON_OPEN
        if flags or kind == "ivf-ondisk" or large:  # a large file read by faiss itself, checked like a mapped one
            if sums is not None and not large:
                check_file(path, sums)
            ix.index = faiss.read_index(str(path), flags) if flags else faiss.read_index(str(path))
        else:
            data = path.read_bytes()
            if sums is not None and (why := sums_problem(data, sums)):
                raise IndexDamaged(f"{path.name}: {why}")
            ix.index = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
        if kind != "flat":
            set_search_params(ix.index)
        return ix


def check_file(path: Path, sums: dict | None) -> None:
    """:class:`IndexDamaged` when the file's bytes differ from its recorded checksums."""
    if why := sums_problem(path, sums):
        raise IndexDamaged(f"{path.name}: {why}")


def index_write_error(path: Path, e: BaseException) -> StoreError:
    """One line for an index file that could not be written: the database has the pairs, the next open
    rebuilds the index from it."""
    text = getattr(e, "strerror", None) or str(e)
    why = "No space left on device" if "No space left" in text or "ENOSPC" in text else text.strip().splitlines()[-1]
    return StoreError(f"{path}: cannot write the index ({why}); the pairs are saved in the database: free some "
                      "space, and the next tmbuild command on this store rebuilds the index")


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
# the pairs an IVF index is trained on: spread over the store like a random sample, but the same at every
# build, so that two builds of one store give the same index and the same answers
TRAINING_ORDER = f"ORDER BY (id * {_ID_MIX[0]}) % {_ID_MIX[1]}"


def id_fingerprint(con: sqlite3.Connection) -> list[int]:
    """Count, sum and mixed sum of the pair ids in the database: what the index must hold, in three numbers
    that change whenever a pair is added or removed (unlike a count or a generation alone)."""
    a, p = _ID_MIX
    row = con.execute(f"SELECT COUNT(*), COALESCE(SUM(id), 0), COALESCE(SUM((id * {a}) % {p}), 0) "
                      "FROM pairs").fetchone()
    return [int(x) for x in row]


def ids_delta(fp: list[int], ids: Sequence[int], sign: int) -> list[int]:
    a, p = _ID_MIX
    return [fp[0] + sign * len(ids), fp[1] + sign * sum(int(i) for i in ids),
            fp[2] + sign * sum(int(i) * a % p for i in ids)]


def vec_blob(v: NDArray[np.float32]) -> bytes:
    return np.asarray(v, dtype=np.float16).tobytes()


def _unpacked(blobs: Sequence[bytes], dim: int) -> tuple[NDArray[np.float32], NDArray, NDArray[np.bool_]]:
    """Stored vectors as float32 rows, their lengths, and which of them are damaged: a blob of another length
    (a zero row here), values that are not finite, or a length far from 1."""
    size = 2 * dim
    whole = b"".join(b if isinstance(b, bytes) and len(b) == size else bytes(size) for b in blobs)
    arr = np.frombuffer(whole, dtype=np.float16).reshape(len(blobs), dim).astype(np.float32)
    with np.errstate(invalid="ignore", over="ignore"):
        norms = np.linalg.norm(arr, axis=1)
    return arr, norms, ~np.isfinite(norms) | (np.abs(norms - 1) > NORM_TOLERANCE)


def damaged_vectors(blobs: Sequence[bytes], dim: int) -> NDArray[np.bool_]:
    """Which stored vectors are damaged (see :func:`blob_vecs`)."""
    return _unpacked(blobs, dim)[2] if len(blobs) else np.zeros(0, dtype=bool)


def blob_vecs(blobs: Sequence[bytes], dim: int) -> NDArray[np.float32]:
    """Stored vectors as unit float32 rows. A damaged one (:func:`damaged_vectors`: ``tmbuild check`` names
    it) becomes a zero row, which no query comes near: an index built from the database never holds it as if
    it were the pair's embedding."""
    if not blobs:
        return np.zeros((0, dim), np.float32)
    arr, norms, bad = _unpacked(blobs, dim)
    arr[bad] = 0.0
    return arr / np.where(bad, 1.0, np.maximum(norms, 1e-12))[:, None]


def as_stored(vecs: NDArray[np.float32], dim: int) -> NDArray[np.float32]:
    """Vectors as the database keeps them (float16, normalised again): an index filled with these and one
    rebuilt from the database answer alike."""
    v = np.asarray(vecs, dtype=np.float32).reshape(-1, dim).astype(np.float16).astype(np.float32)
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
