"""``tmbuild align``: two documents (or two folders, or a list of pairs) into sentence pairs, written to files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from align.errors import InputError
from align.progress import progress_bar

from .. import writers
from ..align_jobs import AlignSettings
from ..files import STDIO, is_stdio
from ..langtags import LangCodes
from ..pipeline import DEFAULT_ENGINE, ENGINES
from .options import PROBABILITY, WORKERS, add_common, aligner_args, aligner_config, embedder_arg


def add(sub) -> None:
    p = sub.add_parser("align", help="align two documents (or two pre-split sentence files)",
                       description="Align SRC with TGT and write the pairs.")
    p.add_argument("src", type=Path, nargs="?", help="source document, or - for standard input (plain text); "
                   "or a folder, aligned file by file with TGT's files of the same name")
    p.add_argument("tgt", type=Path, nargs="?", help="target document, or - for standard input (plain text); "
                   "or a folder")
    p.add_argument("--list", type=Path, metavar="PAIRS.tsv", help="align many pairs in one process: one "
                   "SRC<TAB>TGT[<TAB>OUT] line each (OUT default: -o DIR/SRC-name.FORMAT)")
    p.add_argument("--workers", type=WORKERS, default=1, metavar="N",
                   help="with --list or folders: align in N processes (default 1)")
    p.add_argument("-o", "--output", type=Path, action="append",
                   help="output file, - for standard output; repeat for several formats from one alignment "
                        "(default: beads on standard output)")
    p.add_argument("--format", choices=writers.FORMATS, help="output format (default: from -o's suffix, "
                   "else beads on standard output)")
    p.add_argument("--presplit", action="store_true", help="each input line is one sentence; no segmentation")
    p.add_argument("--src-lang", metavar="TAG", help="source language, a BCP 47 tag such as zh, zh-TW, en, de "
                   "(default: detected; checked against the text)")
    p.add_argument("--tgt-lang", metavar="TAG", help="target language (default: detected)")
    p.add_argument("--lang-codes", metavar="A,B", help="how TMX tags each language, in any order: zh-CN,en-US "
                   "(default; Traditional text gets zh-TW), zh-Hans,en (zh-Hant) or ZH-CN,EN-US")
    p.add_argument("--engine", choices=ENGINES, default=DEFAULT_ENGINE,
                   help="aligner: native (default) or bertalign (needs Python >= 3.12 and "
                        "pip install 'tmbuild[bertalign]')")
    aligner_args(p)
    p.add_argument("--min-score", type=PROBABILITY, default=0.0, metavar="X",
                   help="drop pairs with a lower confidence, 0 to 1 (default 0)")
    p.add_argument("--keep-unaligned", action="store_true",
                   help="TSV/JSONL: also write each sentence left unaligned, with the other side empty")
    embedder_arg(p)
    add_common(p)
    p.set_defaults(func=run)


def settings_of(args: argparse.Namespace) -> AlignSettings:
    """The alignment settings the options ask for."""
    return AlignSettings(args.embedder, args.format, LangCodes.parse(args.lang_codes), args.presplit,
                         args.src_lang, args.tgt_lang, args.engine, aligner_config(args), args.min_score,
                         args.keep_unaligned)


def run(args: argparse.Namespace) -> int:
    from align.embed import get_embedder

    from ..align_jobs import align_files
    from ..pipeline import unaligned_counts

    if args.list or (args.src and args.tgt and args.src.is_dir() and args.tgt.is_dir()):
        return _align_many(args)
    if not (args.src and args.tgt):
        raise InputError("give SRC and TGT (files, or two folders), or --list PAIRS.tsv")
    outputs = args.output or []
    if args.format and len(outputs) > 1:
        raise InputError("--format applies to one output; with several -o, each file's suffix gives its format")
    if sum(map(is_stdio, outputs)) > 1:
        raise InputError("only one -o can be - (standard output)")
    settings = settings_of(args)
    alignment, units = align_files(args.src, args.tgt, settings, get_embedder(args.embedder),
                                  progress=not args.no_progress,
                                  on_warning=lambda w: print(f"tmbuild: warning: {w}", file=sys.stderr))
    left_src, left_tgt = unaligned_counts(alignment)
    print(f"aligned {len(alignment.src)} source and {len(alignment.tgt)} target sentences; left unaligned: "
          f"{left_src} source, {left_tgt} target" + (
              "" if args.keep_unaligned or not (left_src or left_tgt) else
              " (--keep-unaligned writes them to TSV/JSONL)"), file=sys.stderr)
    if settings.engine == "native" and settings.config.lexicon_weight > 0:
        print(_dictionary_note(alignment.src_lang, alignment.tgt_lang), file=sys.stderr)
    for out in outputs or [Path(STDIO)]:
        fmt = args.format or ("beads" if is_stdio(out) else writers.format_from_suffix(out))
        summary = writers.write_alignment(alignment, units, fmt, out, settings.codes)
        print(f"wrote {'standard output' if is_stdio(out) else out}: {summary}", file=sys.stderr)
    return 0


def _dictionary_note(src_lang: str, tgt_lang: str) -> str:
    """Which bilingual dictionary the aligner used, or how to install one."""
    from align.lexicon import find_lexicon, install_hint

    lexicon = find_lexicon(src_lang, tgt_lang)
    if lexicon is not None:
        return f"dictionary: {lexicon.source}"
    return f"dictionary: none for {src_lang}-{tgt_lang} ({install_hint(src_lang, tgt_lang)})"


def _align_many(args: argparse.Namespace) -> int:
    """``align --list PAIRS.tsv`` or ``align SRC_DIR TGT_DIR -o OUT_DIR``: many pairs, one model load."""
    from ..align_jobs import align_many, jobs_from_folders, jobs_from_list

    if args.list and (args.src or args.tgt):
        raise InputError("give either --list PAIRS.tsv or SRC and TGT, not both")
    outputs = args.output or []
    if len(outputs) > 1 or any(map(is_stdio, outputs)) or (outputs and outputs[0].is_file()):
        raise InputError("aligning many pairs writes one file each: give -o an output folder")
    out_dir = outputs[0] if outputs else None
    fmt = args.format or "tmx"
    if args.list:
        jobs, unmatched = jobs_from_list(args.list, out_dir, fmt), []
    else:
        if out_dir is None:
            raise InputError("aligning two folders writes one file per pair: give -o an output folder")
        jobs, unmatched = jobs_from_folders(args.src, args.tgt, out_dir, fmt)
        if not jobs:
            raise InputError(f"{args.src} and {args.tgt}: no files with matching names (report.zh.txt and "
                             "report.en.txt match, as do the same name in both folders)")
    for f in unmatched:
        print(f"unmatched {f}: no file of the same name in the other folder", file=sys.stderr)
    settings = settings_of(args)
    bar = progress_bar(total=len(jobs), desc="aligning pairs", unit="pair",
                       show=not args.no_progress and len(jobs) > 1)

    def report(r) -> None:
        msg = f"failed   {r.job.src} + {r.job.tgt}: {r.error}" if r.error else f"wrote {r.job.out}: {r.summary}"
        bar.write(msg, file=sys.stderr)
        bar.update(1)

    results = align_many(jobs, settings, args.workers, on_result=report)
    bar.close()
    failed = sum(1 for r in results if r.error)
    print(f"aligned {len(results) - failed} of {len(results)} document pairs"
          + (f"; {failed} failed" if failed else ""), file=sys.stderr)
    return 1 if failed else 0
