"""The jobs of ``tmbuild build``: embedding and aligning documents, in this process, local processes, or Ray
Data on one machine or a cluster (:class:`corpus.runner.Runner`).

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

Each worker embeds with one thread (``limit_threads(1)``; docs/performance.md says why).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from align.aligner import AlignConfig, Aligner
from align.embed import get_embedder
from align.embed.base import Embedder
from align.model import Document, Segment, TranslationUnit

from .pipeline import DocVectors, align_pair, embed_document, segment_document
from .runner import Runner


@dataclass(frozen=True, slots=True)
class Job:
    """One document pair of a build to align, the documents already read (workers need no files)."""
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
    """One document to embed for content pairing."""
    index: int
    doc: Document


@dataclass(frozen=True, slots=True)
class EmbedResult:
    """An :class:`EmbedJob`'s vectors, or its error."""
    index: int
    vectors: DocVectors | None = None
    error: str = ""


@dataclass(frozen=True, slots=True)
class JobResult:
    """A :class:`Job`'s translation units and their vectors, ready for the store, or its error."""
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

    def __call__(self, job: Job | EmbedJob) -> JobResult | EmbedResult:
        if isinstance(job, EmbedJob):
            return self.embed(job)
        try:
            zd, ed = job.zh, job.en
            for dv in (job.zh_vectors, job.en_vectors):
                if dv is not None:
                    dv.prefill(self.aligner, "sentence")
            name = zd.meta.symbol or ed.meta.symbol or Path(job.zh_path).name
            done = align_pair(segment_document(zd), segment_document(ed), zd.tag, ed.tag, self.embedder, doc=name,
                              aligner=self.aligner, vectors=True)
            return JobResult(job.index, job.key, job.content_hash, tuple(done.units), done.src_vecs, done.tgt_vecs,
                             (done.alignment.src, done.alignment.tgt))
        except Exception as e:  # noqa: BLE001 - one pair's failure must not stop the others
            return JobResult(job.index, job.key, job.content_hash, error=f"{type(e).__name__}: {e}")
        finally:
            self.aligner.cache.clear()

    def embed(self, job: EmbedJob) -> EmbedResult:
        try:
            return EmbedResult(job.index, embed_document(job.doc, self.embedder))
        except Exception as e:  # noqa: BLE001 - the document is embedded again where it is needed
            return EmbedResult(job.index, error=f"{type(e).__name__}: {e}")


# ------------------------------------------------------------------ the build's executor

class Executor:
    """A build's jobs (:class:`EmbedJob`, :class:`Job`) on one :class:`~corpus.runner.Runner`, kept for both
    steps until ``close``: this process with the embedder object given (it need not be in the registry),
    ``workers`` spawned processes, or Ray (``ray``: ``True`` for a local Ray, or a cluster address)."""

    def __init__(self, embedder: Embedder, config: AlignConfig, workers: int = 1,
                 ray: bool | str = False) -> None:
        self.embedder, self.config = embedder, config
        local = AlignWorker(embedder, config) if workers <= 1 and not ray else None
        self.runner = Runner(functools.partial(AlignWorker, embedder.name, config), workers, ray, local=local)

    def map(self, jobs: Sequence[Job | EmbedJob]) -> Iterator[JobResult | EmbedResult]:
        return self.runner.map(jobs)

    def embed_documents(self, docs: list[Document]) -> list[DocVectors | None]:
        """The embedding step for content pairing (``pair_documents(embed=...)``)."""
        return [r.vectors for r in self.map([EmbedJob(k, d) for k, d in enumerate(docs)])]

    def close(self) -> None:
        self.runner.close()

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc) -> None:
        self.runner.__exit__(*exc)
