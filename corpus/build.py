"""``tmbuild build``: read, pair, align and store every document pair under some paths."""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from align.aligner import DEFAULT_CONFIG, AlignConfig
from align.embed import DEFAULT_EMBEDDER, get_embedder
from align.embed.base import Embedder, signature, thread_limit
from align.errors import TmbuildError
from align.progress import progress_bar

from .files import path_text
from .pairing import DEFAULT_THRESHOLD, DocPair, PairReport, Unpaired, find_documents, pair_documents
from .readers import read_document
from .store import Store, WriterLock

FLUSH_EVERY = 50  # documents between index checkpoints
PAIRING_KEY = "last_pairing"  # meta: the last complete build's input fingerprint and pairing


@dataclass
class BuildReport:
    """What a build did: pairs found, documents added, replaced and kept, pairs stored, failures, revisions."""
    paired: int = 0
    added_documents: int = 0
    replaced_documents: int = 0
    unchanged_documents: int = 0
    pairs_added: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (document pair, error)
    unpaired: list[Unpaired] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dropped_reviews: int = 0  # reviewed pairs of changed documents that could not be kept
    revisions: list = field(default_factory=list)  # store.Revision of each changed document that had reviews
    warnings: list[str] = field(default_factory=list)  # about documents aligned (large ones), printed as found
    pruned: list[str] = field(default_factory=list)  # documents removed by --prune (their files are gone)
    pruned_pairs: int = 0
    pruned_reviews: int = 0

    def summary(self) -> str:
        kept = sum(r.kept for r in self.revisions)
        dropped = (f"; reviews of changed documents: {kept} kept, {self.dropped_reviews} dropped"
                   if self.revisions or self.dropped_reviews else "")
        pruned = (f"; {len(self.pruned)} documents whose files are no longer among the inputs removed "
                  f"({self.pruned_pairs} pairs, {self.pruned_reviews} of them reviewed)") if self.pruned else ""
        return (f"{self.paired} document pairs found: {self.added_documents} added, {self.replaced_documents} "
                f"replaced, {self.unchanged_documents} unchanged, {len(self.failed)} failed; "
                f"{self.pairs_added} translation pairs added; {len(self.unpaired)} inputs unpaired{dropped}{pruned}")


def content_hash(*paths: str | Path) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(Path(p).read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def inputs_fingerprint(found: tuple[list[Path], list[Unpaired]], embedder: Embedder, threshold: float) -> str:
    """What pairing depends on, cheaply: every input file's path, size and modification time (as make and
    rsync judge files; ``found`` is :func:`corpus.pairing.find_documents` of the inputs), the embedder and the
    threshold. Equal fingerprints give equal pairings."""
    from align import __version__

    files, skipped = found
    h = hashlib.sha256(f"{__version__}|{signature(embedder)}|{threshold}".encode())
    for f in sorted(files):
        try:
            st = f.stat()
            h.update(f"|{f.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode("utf-8", "surrogateescape"))
        except OSError:
            h.update(f"|{f}|unreadable".encode("utf-8", "surrogateescape"))
    for u in skipped:
        h.update(f"|skipped:{u.path}".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def open_or_create(store_dir: Path, embedder: Embedder, src_lang: str = "zh", tgt_lang: str = "en",
                   lock: WriterLock | None = None) -> Store:
    """The store in ``store_dir`` (created when missing), opened for writing: this process holds its writer
    lock (``lock``, or taken here) until the store is closed, so two builds never interleave."""
    # first (it refuses a file): deciding "missing, create it" must not race another build
    lock = lock or WriterLock(store_dir)
    try:
        Store.discard_empty(store_dir)
    except BaseException:
        lock.abandon()
        raise
    if Store.exists(store_dir):
        store = Store.open(store_dir, lock=lock)
        try:
            store.check_embedder(signature(embedder))
        except BaseException:
            store.close()
            raise
        return store
    return Store.create(store_dir, signature(embedder), embedder.name, embedder.dim, src_lang, tgt_lang, lock=lock)


def build(paths: Sequence[Path], store_dir: Path, embedder: str | Embedder = DEFAULT_EMBEDDER,
          config: AlignConfig = DEFAULT_CONFIG, threshold: float = DEFAULT_THRESHOLD,
          progress: bool = False, workers: int = 1, ray: bool | str = False, prune: bool = False,
          user: str | None = None, wait: float | None = None) -> BuildReport:
    """Pair, align and store every document pair under ``paths``; with ``prune``, remove the stored documents
    (aligned ones, not imported files) whose files are no longer among the inputs.

    ``workers`` > 1 embeds and aligns in that many local processes; ``ray``
    (True, or a cluster address) on Ray Data. Either way this process alone
    pairs the documents and writes the store, in the same order as a
    single-process build. ``user`` (the login name by default) is who the new pairs are by; ``wait``: how long
    to wait for another writer.
    """
    with thread_limit():  # one BLAS thread in this process: parallelism comes from the workers
        return _build(paths, store_dir, embedder, config, threshold, progress, workers, ray, prune, user, wait)


def _build(paths: Sequence[Path], store_dir: Path, embedder: str | Embedder, config: AlignConfig,
           threshold: float, progress: bool, workers: int, ray: bool | str, prune: bool = False,
           user: str | None = None, wait: float | None = None) -> BuildReport:
    """The build itself (:func:`build` applies the thread policy around it): open or create the store, find and pair
    the documents, keep what did not change, align the rest on the runner and store each pair in job order,
    prune."""
    from .build_jobs import Executor, Job

    emb = get_embedder(embedder) if isinstance(embedder, str) else embedder
    report = BuildReport()
    store = open_or_create(Path(store_dir), emb, lock=WriterLock(Path(store_dir), wait))
    if user:
        store.user = user
    report.notes.extend(store.notes)
    try:
        # an error ends the workers at once (terminate), a normal end lets them finish
        with Executor(emb, config, workers, ray) as executor:
            found = find_documents(paths)
            fingerprint = inputs_fingerprint(found, emb, threshold)
            pairing = _cached_pairing(store, fingerprint)
            if pairing is None:
                pairing = _pair_what_changed(store, paths, found, emb, threshold, progress, executor, report)
            else:
                report.notes.append("no input changed since the last build: its document pairing was reused")
            report.unpaired = list(pairing.unpaired)
            report.paired = len(pairing.pairs)
            jobs, statuses = [], {}
            inputs = {path_text(Path(f).resolve()) for f in found[0]}
            for pair in pairing.pairs:
                key = path_text(f"{Path(pair.zh).resolve()}|{Path(pair.en).resolve()}")
                try:
                    h = content_hash(pair.zh, pair.en)
                except OSError as e:
                    report.failed.append((f"{pair.zh} + {pair.en}", str(e)))
                    continue
                status = store.document_status(key, h)
                if status == "same":
                    report.unchanged_documents += 1
                    continue
                statuses[key] = status
                try:
                    for path in (pair.zh, pair.en):  # a reused pairing read nothing
                        if path not in pairing.documents:
                            pairing.documents[path] = read_document(path)
                except TmbuildError as e:
                    report.failed.append((f"{pair.zh} + {pair.en}", str(e)))
                    continue
                for path in (pair.zh, pair.en):  # said now, before the long alignment it warns of
                    for w in pairing.documents[path].warnings:
                        report.warnings.append(f"{path}: {w}")
                        print(f"tmbuild: {path}: {w}", file=sys.stderr, flush=True)
                jobs.append(Job(len(jobs), key, h, str(pair.zh), str(pair.en), pairing.documents[pair.zh],
                                pairing.documents[pair.en], pairing.vectors.get(pair.zh),
                                pairing.vectors.get(pair.en)))
            results = executor.map(jobs)
            bar = progress_bar(total=len(jobs), desc="aligning", unit="doc", show=progress and bool(jobs), leave=True)
            done = upgraded = 0
            for res in results:
                job = jobs[res.index]
                if res.error:
                    report.failed.append((f"{job.zh_path} + {job.en_path}", res.error))
                else:
                    zd = job.zh
                    report.pairs_added += store.add_document(
                        res.key, res.content_hash, res.units, res.src_vecs, res.tgt_vecs,
                        src_path=path_text(job.zh_path), tgt_path=path_text(job.en_path),
                        symbol=zd.meta.symbol or job.en.meta.symbol, title=zd.meta.title or job.en.meta.title,
                        sentences=res.sentences)
                    if statuses[res.key] == "new":
                        report.added_documents += 1
                    else:
                        report.replaced_documents += 1
                        upgraded += statuses[res.key] == "unreviewable"
                done += 1
                if done % FLUSH_EVERY == 0:
                    store.flush()
                bar.update(1)
                bar.set_postfix_str(Path(job.zh_path).name[:30])
            bar.close()
            if upgraded:
                report.notes.append(f"{upgraded} documents stored by an earlier tmbuild were aligned again, to keep "
                                    "their sentences for review (tmbuild serve)")
            _prune(store, inputs, report, prune)
            cached = json.dumps({"fingerprint": fingerprint, "setup": _setup(emb, threshold),
                                 "files": file_stamps(found[0]), **pairing.as_dict()})
            if not report.failed and store.meta(PAIRING_KEY) != cached:
                store.set_meta(PAIRING_KEY, cached)
        report.dropped_reviews = store.dropped_reviews
        report.revisions = list(store.revisions)
    finally:
        store.close()
    return report


def _prune(store: Store, inputs: set[str], report: BuildReport, prune: bool) -> None:
    """Stored documents (aligned from files) whose files are no longer among this build's input files:
    removed with ``prune``, else counted in a note that says how to remove them. A file that is there but
    failed to read or pair this time is still an input: its document stays."""
    keys = store.document_keys()

    def present(key: str) -> bool:  # the key is "ZH|EN", both resolved paths (which may hold a | themselves)
        return any(key[:i] in inputs and key[i + 1:] in inputs for i, c in enumerate(key) if c == "|")

    gone = [d for d in store.documents() if d["origin"] == "aligned" and not present(keys[d["id"]])]
    if not gone:
        return
    if not prune:
        report.notes.append(f"{len(gone)} stored documents are not among these inputs (tmbuild build --prune "
                            "removes them; tmbuild documents lists them)")
        return
    for d in gone:
        report.pruned_pairs += store.delete_document(keys[d["id"]])
        report.pruned_reviews += d["reviewed"]
        report.pruned.append(d["name"])


def _setup(embedder: Embedder, threshold: float) -> str:
    """What pairing depends on besides the files."""
    from align import __version__

    return f"{__version__}|{signature(embedder)}|{threshold}"


def file_stamps(files: Sequence[Path]) -> dict[str, list[int]]:
    """Each input file's size and modification time (as make and rsync judge a file unchanged)."""
    out = {}
    for f in files:
        try:
            st = f.stat()
            out[str(f)] = [st.st_size, st.st_mtime_ns]
        except OSError:
            pass
    return out


def _pair_what_changed(store: Store, paths: Sequence[Path], found: tuple[list[Path], list[Unpaired]],
                       emb: Embedder, threshold: float, progress: bool, executor, report: BuildReport
                       ) -> PairReport:
    """The last build's pairs whose two files are unchanged, kept as they were; every other input file (new,
    changed, or unpaired last time) paired anew among themselves. Adding one document pair to a large store
    then reads and embeds that pair (and the files left unpaired), not every input. A kept pair is not
    compared with new files: a new file that is a better partner for an already paired one is not found
    (``tmbuild pair`` on the folder compares everything)."""
    last = _last_pairing(store)
    stamps = file_stamps(found[0])
    kept: list[DocPair] = []
    if last and last.get("setup") == _setup(emb, threshold):
        before = last.get("files", {})
        same = {f for f, st in stamps.items() if before.get(f) == st}
        kept = [DocPair(**p) for p in last.get("pairs", []) if p["zh"] in same and p["en"] in same]
    held = {f for p in kept for f in (p.zh, p.en)}
    rest = [f for f in found[0] if str(f) not in held]
    if not rest:
        return PairReport(tuple(kept), tuple(found[1]))
    new = pair_documents(paths, emb, threshold=threshold, progress=progress, embed=executor.embed_documents,
                         found=(rest, found[1]))
    if kept:
        report.notes.append(f"{len(kept)} document pairs of unchanged files kept from the last build; "
                            f"{len(rest)} files paired anew")
    return PairReport(tuple(sorted(kept + list(new.pairs), key=lambda p: p.zh)), new.unpaired,
                      new.aligned_candidates, new.documents, new.vectors)


def _last_pairing(store: Store) -> dict | None:
    try:
        data = json.loads(store.meta(PAIRING_KEY) or "null")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _cached_pairing(store: Store, fingerprint: str) -> PairReport | None:
    """The pairing of the last complete build, when its inputs are the same (see :func:`inputs_fingerprint`)."""
    raw = store.meta(PAIRING_KEY)
    if not raw:
        return None
    try:
        data = json.loads(raw)
        if data.get("fingerprint") != fingerprint:
            return None
        return PairReport(tuple(DocPair(**p) for p in data["pairs"]),
                          tuple(Unpaired(**u) for u in data["unpaired"]), data.get("aligned_candidates", 0))
    except (ValueError, KeyError, TypeError):
        return None  # written by another version: pair again

