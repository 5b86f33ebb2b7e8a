"""The jobs of ``tmbuild align``: pairs of files (one, a list ``--list PAIRS.tsv``, or two folders) read,
aligned (:func:`corpus.pipeline.align_pair`) and written (:mod:`corpus.writers`).

The embedder is loaded once per process (not once per pair); ``workers`` > 1 aligns in that many spawned
processes (:class:`corpus.runner.Runner`). A pair that fails is reported and the others go on.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import regex

from align.aligner import DEFAULT_CONFIG, AlignConfig
from align.errors import InputError, TmbuildError
from align.model import Alignment, TranslationUnit

from .langtags import LangCodes

_LANG_MARK = regex.compile(r"(?i)(?:^|[._\-\s])(?:zh|cn|chs|cht|cmn|chinese|en|eng|english)(?=$|[._\-\s])")


@dataclass(frozen=True, slots=True)
class PairJob:
    """One pair of files to align and the file to write."""
    src: Path
    tgt: Path
    out: Path


@dataclass(frozen=True, slots=True)
class PairResult:
    """What became of a :class:`PairJob`: the written file's summary, or the error."""
    job: PairJob
    summary: str = ""
    error: str = ""


def name_key(path: Path) -> str:
    """A file name without suffix and language marks: ``report.zh.txt`` and ``report_en.html`` -> ``report``."""
    stem = path.name[: -len("".join(path.suffixes))] if path.suffixes else path.name
    return _LANG_MARK.sub("", stem).strip("._- ").lower()


def jobs_from_folders(src_dir: Path, tgt_dir: Path, out_dir: Path, fmt: str) -> tuple[list[PairJob], list[str]]:
    """Files of two folders matched by name (:func:`name_key`); what could not be matched is listed."""
    from .readers import SUFFIXES

    def files(d: Path) -> dict[str, Path]:
        out: dict[str, Path] = {}
        for f in sorted(d.iterdir()):
            if f.is_file() and f.suffix.lower() in SUFFIXES and not f.name.startswith("."):
                out.setdefault(name_key(f), f)
        return out

    src, tgt = files(src_dir), files(tgt_dir)
    jobs = [PairJob(src[k], tgt[k], out_dir / f"{src[k].stem}.{fmt}") for k in sorted(src) if k in tgt]
    unmatched = [str(src[k]) for k in sorted(src) if k not in tgt] + [str(tgt[k]) for k in sorted(tgt) if k not in src]
    return jobs, unmatched


def jobs_from_list(path: Path, out_dir: Path | None, fmt: str) -> list[PairJob]:
    """``SRC<TAB>TGT[<TAB>OUT]`` lines (relative paths are relative to the list's folder; # comments); a line
    without OUT writes to ``out_dir``, which must then be given."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read the list of pairs ({e})") from e
    base = path.parent
    jobs = []
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) not in (2, 3) or not all(c.strip() for c in cols):
            raise InputError(f"{path}, line {n}: expected SRC<TAB>TGT or SRC<TAB>TGT<TAB>OUT, "
                             f"found {len(cols)} column(s)")
        src, tgt = (base / cols[0].strip(), base / cols[1].strip())
        if len(cols) == 2 and out_dir is None:
            raise InputError(f"{path}, line {n}: no OUT column; give -o DIR for the outputs of such lines")
        out = base / cols[2].strip() if len(cols) == 3 else out_dir / f"{src.stem}.{fmt}"
        jobs.append(PairJob(src, tgt, out))
    if not jobs:
        raise InputError(f"{path}: no pairs listed; one line per pair: SRC<TAB>TGT[<TAB>OUT]")
    return jobs


@dataclass(frozen=True, slots=True)
class AlignSettings:
    """What ``tmbuild align`` was asked for, beside the files: the same for one pair and for many."""

    embedder: str
    fmt: str | None  # None: from each output's suffix
    codes: LangCodes
    presplit: bool = False
    src_lang: str | None = None
    tgt_lang: str | None = None
    engine: str = "native"
    config: AlignConfig = DEFAULT_CONFIG
    min_score: float = 0.0
    keep_unaligned: bool = False


def align_files(src: Path, tgt: Path, settings: AlignSettings, embedder, progress: bool = False,
                on_warning: Callable[[str], None] | None = None) -> tuple[Alignment, list[TranslationUnit]]:
    """Read and check one pair of files, and align them (:func:`corpus.pipeline.align_pair`): its alignment
    and translation units."""
    from .pipeline import align_pair, read_pair

    sides = read_pair(src, tgt, presplit=settings.presplit, src_lang=settings.src_lang, tgt_lang=settings.tgt_lang)
    settings.codes.check((sides.src_lang, sides.tgt_lang))
    for w in sides.warnings if on_warning else ():
        on_warning(w)
    done = align_pair(sides.src, sides.tgt, sides.src_lang, sides.tgt_lang, embedder, doc=src.name,
                      engine=settings.engine, config=settings.config, min_score=settings.min_score,
                      keep_unaligned=settings.keep_unaligned, progress=progress)
    return done.alignment, done.units


def align_one(job: PairJob, settings: AlignSettings, embedder) -> PairResult:
    """Align one pair and write its output; errors come back as text."""
    from . import writers
    from .files import os_error_text
    from .pipeline import unaligned_counts

    try:
        alignment, units = align_files(job.src, job.tgt, settings, embedder)
        fmt = settings.fmt or writers.format_from_suffix(job.out)
        summary = writers.write_alignment(alignment, units, fmt, job.out, settings.codes)
        us, ut = unaligned_counts(alignment)
        return PairResult(job, f"{summary}; left unaligned: {us} source, {ut} target")
    except TmbuildError as e:
        return PairResult(job, error=str(e))
    except OSError as e:
        return PairResult(job, error=os_error_text(e))


class PairWorker:
    """Aligns and writes one :class:`PairJob` at a time, with the embedder it loaded once."""

    def __init__(self, settings: AlignSettings, embedder=None) -> None:
        from align.embed import get_embedder

        self.settings = settings
        self.embedder = embedder or get_embedder(settings.embedder)

    def __call__(self, job: PairJob) -> PairResult:
        return align_one(job, self.settings, self.embedder)


def align_many(jobs: list[PairJob], settings: AlignSettings, workers: int = 1,
               on_result: Callable[[PairResult], None] | None = None) -> list[PairResult]:
    """Align every job, in one process or ``workers`` spawned ones (:class:`~corpus.runner.Runner`);
    results in job order."""
    from .runner import Runner

    results: list[PairResult] = []
    with Runner(functools.partial(PairWorker, settings), workers) as runner:  # one job: this process
        for r in runner.map(jobs):
            results.append(r)
            if on_result:
                on_result(r)
    return results
