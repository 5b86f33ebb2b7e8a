"""Aligning document pairs in parallel: local processes, or Ray Data on one machine or a cluster.

A job is one document pair (both documents already read, so workers need no
access to the files); a worker keeps one embedder loaded and returns the
translation units with their vectors. The store is written by the one
process that runs ``build``, in job order, so the store's guarantees hold
and the result does not depend on the number of workers. A job that fails
comes back as an error for that pair only.

Each worker embeds with one thread (``TMBUILD_THREADS=1``): two BLAS pools
of two threads on two cores made the embedder 30x slower.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from align.aligner import AlignConfig, Aligner
from align.embed import get_embedder
from align.embed.base import Embedder, signature
from align.errors import MissingDependency
from align.model import Document, TranslationUnit

from .pipeline import segment_document, translation_units


@dataclass(frozen=True, slots=True)
class Job:
    index: int
    key: str
    content_hash: str
    zh_path: str
    en_path: str
    zh: Document
    en: Document


@dataclass(frozen=True, slots=True)
class JobResult:
    index: int
    key: str
    content_hash: str
    units: tuple[TranslationUnit, ...] = ()
    src_vecs: np.ndarray | None = None
    tgt_vecs: np.ndarray | None = None
    error: str = ""


class AlignWorker:
    """Holds an embedder and an aligner; calling it runs one job. Used by every executor."""

    def __init__(self, embedder: str | Embedder, config: AlignConfig) -> None:
        self.embedder = get_embedder(embedder) if isinstance(embedder, str) else embedder
        self.aligner = Aligner(self.embedder, config)
        self.signature = signature(self.embedder)

    def __call__(self, job: Job) -> JobResult:
        try:
            zd, ed = job.zh, job.en
            alignment = self.aligner.align(segment_document(zd), segment_document(ed), zd.lang, ed.lang)
            name = zd.meta.symbol or ed.meta.symbol or Path(job.zh_path).name
            units = translation_units(alignment, doc=name, embedder=self.signature)
            src, tgt = self.aligner.pair_vectors(alignment)
            keep = [u.bead for u in units]  # a unit's bead is its index among the alignment's pairs
            return JobResult(job.index, job.key, job.content_hash, tuple(units), src[keep], tgt[keep])
        except Exception as e:  # noqa: BLE001 - one pair's failure must not stop the others
            return JobResult(job.index, job.key, job.content_hash, error=f"{type(e).__name__}: {e}")
        finally:
            self.aligner.cache.clear()


def single_thread_env() -> None:
    os.environ["TMBUILD_THREADS"] = "1"
    os.environ["OMP_NUM_THREADS"] = "1"
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")


# ------------------------------------------------------------------ executors

def run_serial(jobs: Sequence[Job], embedder: str | Embedder, config: AlignConfig) -> Iterator[JobResult]:
    """In this process, with the embedder given (an object need not be in the registry)."""
    worker = AlignWorker(embedder, config)
    for job in jobs:
        yield worker(job)


_worker: AlignWorker | None = None


def _init_process(embedder: str, config: AlignConfig) -> None:
    global _worker
    single_thread_env()
    _worker = AlignWorker(embedder, config)


def _run_in_process(job: Job) -> JobResult:
    assert _worker is not None
    return _worker(job)


def run_processes(jobs: Sequence[Job], workers: int, embedder: str, config: AlignConfig) -> Iterator[JobResult]:
    """Standard-library processes (spawned, so no model or thread pool is shared by fork)."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    with ctx.Pool(workers, initializer=_init_process, initargs=(embedder, config)) as pool:
        yield from pool.imap(_run_in_process, jobs, chunksize=1)


class _RayAligner:
    """Ray Data callable class: one per actor, the embedder loaded once."""

    def __init__(self, embedder: str, config_blob: bytes) -> None:
        single_thread_env()
        self.worker = AlignWorker(embedder, pickle.loads(config_blob))

    def __call__(self, batch: dict) -> dict:
        out = [pickle.dumps(self.worker(pickle.loads(b))) for b in batch["job"]]
        return {"result": np.array(out, dtype=object)}


def run_ray(jobs: Sequence[Job], address: str | None, workers: int, embedder: str,
            config: AlignConfig) -> Iterator[JobResult]:
    try:
        import ray
        import ray.data
    except ImportError as e:
        raise MissingDependency("--ray needs Ray; run: pip install 'tmbuild[ray]'") from e
    if not ray.is_initialized():
        kw = dict(include_dashboard=False, log_to_driver=False, ignore_reinit_error=True,
                  runtime_env={"env_vars": {"TMBUILD_THREADS": "1", "OMP_NUM_THREADS": "1"}})
        if address:
            ray.init(address=address, **kw)
        else:
            ray.init(num_cpus=max(workers, 1), **kw)
    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True
    ctx.enable_progress_bars = False
    ds = ray.data.from_items([{"job": pickle.dumps(j)} for j in jobs],
                             override_num_blocks=max(min(len(jobs) // 4, 200), 1))
    ds = ds.map_batches(_RayAligner, fn_constructor_kwargs={"embedder": embedder,
                                                            "config_blob": pickle.dumps(config)},
                        batch_size=4, concurrency=max(workers, 1), num_cpus=1)
    for row in ds.iter_rows():
        yield pickle.loads(row["result"])
