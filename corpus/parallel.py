"""Embedding and aligning documents in parallel: local processes, or Ray Data on one machine or a cluster.

A build has two parallel steps, both here: embedding the documents that
content pairing compares (:class:`EmbedJob`, one document), and aligning
document pairs (:class:`Job`, one pair, documents already read, so workers
need no access to the files). A worker keeps one embedder loaded; an
:class:`Executor` keeps its workers for both steps. With an embedder that
composes (use-m3) the first step's sentence parts travel with the pair, so
each document is embedded once in the whole build. The store is written by
the one process that runs ``build``, in job order, so the store's guarantees
hold and the result does not depend on the number of workers. A job that
fails comes back as an error for that job only.

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
from align.model import Document, Segment, TranslationUnit

from .pipeline import DocVectors, embed_document, segment_document, translation_units


@dataclass(frozen=True, slots=True)
class Job:
    index: int
    key: str
    content_hash: str
    zh_path: str
    en_path: str
    zh: Document
    en: Document
    zh_vectors: DocVectors | None = None  # from the embedding step, when it embedded these documents
    en_vectors: DocVectors | None = None


@dataclass(frozen=True, slots=True)
class EmbedJob:
    index: int
    doc: Document


@dataclass(frozen=True, slots=True)
class EmbedResult:
    index: int
    vectors: DocVectors | None = None
    error: str = ""


@dataclass(frozen=True, slots=True)
class JobResult:
    index: int
    key: str
    content_hash: str
    units: tuple[TranslationUnit, ...] = ()
    src_vecs: np.ndarray | None = None
    tgt_vecs: np.ndarray | None = None
    sentences: tuple[tuple[Segment, ...], tuple[Segment, ...]] | None = None  # what the units' ids index
    error: str = ""


class AlignWorker:
    """Holds an embedder and an aligner; calling it runs one job. Used by every executor."""

    def __init__(self, embedder: str | Embedder, config: AlignConfig) -> None:
        self.embedder = get_embedder(embedder) if isinstance(embedder, str) else embedder
        self.aligner = Aligner(self.embedder, config)
        self.signature = signature(self.embedder)

    def __call__(self, job: Job | EmbedJob) -> JobResult | EmbedResult:
        if isinstance(job, EmbedJob):
            return self.embed(job)
        try:
            zd, ed = job.zh, job.en
            for dv in (job.zh_vectors, job.en_vectors):
                if dv is not None:
                    dv.prefill(self.aligner, "sentence")
            alignment = self.aligner.align(segment_document(zd), segment_document(ed), zd.tag, ed.tag)
            name = zd.meta.symbol or ed.meta.symbol or Path(job.zh_path).name
            units = translation_units(alignment, doc=name, embedder=self.signature)
            src, tgt = self.aligner.pair_vectors(alignment)
            keep = [u.bead for u in units]  # a unit's bead is its index among the alignment's pairs
            return JobResult(job.index, job.key, job.content_hash, tuple(units), src[keep], tgt[keep],
                             (alignment.src, alignment.tgt))
        except Exception as e:  # noqa: BLE001 - one pair's failure must not stop the others
            return JobResult(job.index, job.key, job.content_hash, error=f"{type(e).__name__}: {e}")
        finally:
            self.aligner.cache.clear()

    def embed(self, job: EmbedJob) -> EmbedResult:
        try:
            return EmbedResult(job.index, embed_document(job.doc, self.embedder))
        except Exception as e:  # noqa: BLE001 - the document is embedded again where it is needed
            return EmbedResult(job.index, error=f"{type(e).__name__}: {e}")


def single_thread_env() -> None:
    os.environ["TMBUILD_THREADS"] = "1"
    os.environ["OMP_NUM_THREADS"] = "1"
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")


# ------------------------------------------------------------------ executors

class Executor:
    """Runs jobs in order on one kind of worker pool, kept for every ``map`` until ``close``.

    ``workers`` <= 1 and no ``ray``: this process, with the embedder object given (it need not be in the
    registry). ``workers`` > 1: spawned standard-library processes (no model or thread pool shared by
    fork). ``ray``: Ray Data (``True`` for a local Ray, or a cluster address), ``workers`` actors.
    """

    def __init__(self, embedder: Embedder, config: AlignConfig, workers: int = 1,
                 ray: bool | str = False) -> None:
        self.embedder, self.config = embedder, config
        self.workers = max(workers, 2) if ray else workers
        self.ray = ray
        self._local: AlignWorker | None = None
        self._pool = None

    def map(self, jobs: Sequence[Job | EmbedJob]) -> Iterator[JobResult | EmbedResult]:
        if not jobs:
            return iter(())
        if self.ray:
            return _map_ray(jobs, self.ray if isinstance(self.ray, str) else None, self.workers,
                            self.embedder.name, self.config)
        if self.workers > 1 and len(jobs) > 1:
            if self._pool is None:
                import multiprocessing as mp

                self._pool = mp.get_context("spawn").Pool(self.workers, initializer=_init_process,
                                                          initargs=(self.embedder.name, self.config))
            return self._pool.imap(_run_in_process, jobs, chunksize=1)
        if self._local is None:
            self._local = AlignWorker(self.embedder, self.config)
        return map(self._local, jobs)

    def embed_documents(self, docs: list[Document]) -> list[DocVectors | None]:
        """The embedding step for content pairing (``pair_documents(embed=...)``)."""
        return [r.vectors for r in self.map([EmbedJob(k, d) for k, d in enumerate(docs)])]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc) -> None:
        if exc[0] is not None and self._pool is not None:
            self._pool.terminate()
        self.close()


_worker: AlignWorker | None = None


def _init_process(embedder: str, config: AlignConfig) -> None:
    global _worker
    single_thread_env()
    _worker = AlignWorker(embedder, config)


def _run_in_process(job: Job | EmbedJob) -> JobResult | EmbedResult:
    assert _worker is not None
    return _worker(job)


class _RayAligner:
    """Ray Data callable class: one per actor, the embedder loaded once."""

    def __init__(self, embedder: str, config_blob: bytes) -> None:
        single_thread_env()
        self.worker = AlignWorker(embedder, pickle.loads(config_blob))

    def __call__(self, batch: dict) -> dict:
        out = [pickle.dumps(self.worker(pickle.loads(b))) for b in batch["job"]]
        return {"result": np.array(out, dtype=object)}


def _map_ray(jobs: Sequence[Job | EmbedJob], address: str | None, workers: int, embedder: str,
             config: AlignConfig) -> Iterator[JobResult | EmbedResult]:
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
