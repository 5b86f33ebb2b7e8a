"""The one runner: a worker mapped over jobs in this process, in N spawned processes, or on Ray Data; results
in job order. Every worker process applies the thread policy once (one BLAS thread: parallelism comes from
processes) and builds its worker once, from a picklable factory (``functools.partial`` of a class), so a
model is loaded once per process whatever the number of jobs. ``tmbuild align`` (lists and folders),
``tmbuild build`` and ``tmbuild index`` all run their jobs here."""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from align.embed.base import limit_threads, thread_env
from align.errors import MissingDependency

Worker = Callable[[Any], Any]


class Runner:
    """Runs jobs in order on one kind of pool, kept for every :meth:`map` until :meth:`close`.

    ``workers`` <= 1 and no ``ray``: this process, with ``local`` (a worker built here, which may hold
    objects that do not pickle) or one made by ``make_worker``. ``workers`` > 1: spawned standard-library
    processes (no model or thread pool shared by fork). ``ray``: Ray Data (``True`` for a local Ray, or a
    cluster address), ``workers`` actors.
    """

    def __init__(self, make_worker: Callable[[], Worker], workers: int = 1, ray: bool | str = False,
                 local: Worker | None = None) -> None:
        self.make_worker = make_worker
        self.workers = max(workers, 2) if ray else workers
        self.ray = ray
        self._local = local
        self._pool = None

    def map(self, jobs: Sequence[Any]) -> Iterator[Any]:
        if not jobs:
            return iter(())
        if self.ray:
            return _map_ray(jobs, self.ray if isinstance(self.ray, str) else None, self.workers, self.make_worker)
        if self.workers > 1 and len(jobs) > 1:
            if self._pool is None:
                import multiprocessing as mp

                self._pool = mp.get_context("spawn").Pool(min(self.workers, len(jobs)), initializer=_start,
                                                          initargs=(self.make_worker,))
            return self._pool.imap(_run, jobs, chunksize=1)
        if self._local is None:
            self._local = self.make_worker()
        return map(self._local, jobs)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc) -> None:
        if exc[0] is not None and self._pool is not None:
            self._pool.terminate()
        self.close()


_worker: Worker | None = None  # the worker of this spawned process


def _start(make_worker: Callable[[], Worker]) -> None:
    global _worker
    limit_threads(1)
    _worker = make_worker()


def _run(job: Any) -> Any:
    assert _worker is not None
    return _worker(job)


class _RayWorker:
    """Ray Data callable class: one per actor, its worker built once."""

    def __init__(self, factory_blob: bytes) -> None:
        limit_threads(1)
        self.worker = pickle.loads(factory_blob)()

    def __call__(self, batch: dict) -> dict:
        import numpy as np

        out = [pickle.dumps(self.worker(pickle.loads(b))) for b in batch["job"]]
        return {"result": np.array(out, dtype=object)}


def _map_ray(jobs: Sequence[Any], address: str | None, workers: int, make_worker: Callable[[], Worker]
             ) -> Iterator[Any]:
    try:
        import ray
        import ray.data
    except ImportError as e:
        raise MissingDependency("--ray needs Ray; run: pip install 'tmbuild[ray]'") from e
    if not ray.is_initialized():
        kw = dict(include_dashboard=False, log_to_driver=False, ignore_reinit_error=True,
                  runtime_env={"env_vars": thread_env(1)})
        if address:
            ray.init(address=address, **kw)
        else:
            ray.init(num_cpus=max(workers, 1), **kw)
    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True
    ctx.enable_progress_bars = False
    ds = ray.data.from_items([{"job": pickle.dumps(j)} for j in jobs],
                             override_num_blocks=max(min(len(jobs) // 4, 200), 1))
    ds = ds.map_batches(_RayWorker, fn_constructor_kwargs={"factory_blob": pickle.dumps(make_worker)},
                        batch_size=4, concurrency=max(workers, 1), num_cpus=1)
    for row in ds.iter_rows():
        yield pickle.loads(row["result"])
