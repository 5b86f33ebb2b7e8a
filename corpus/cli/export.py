"""``tmbuild export``: a store as TMX for CAT tools, or as filtered training data for MT."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from align.errors import InputError

from ..files import is_stdio
from ..langtags import LangCodes
from ..transfer import Filters
from .options import PROBABILITY, add_common, number, store_arg


def add(sub) -> None:
    p = sub.add_parser("export", help="export a store as TMX or MT training data",
                       description="Write the store's pairs as TMX 1.4b for CAT tools (--tmx), or as filtered, "
                                   "deduplicated training data (--moses, --tsv, --jsonl, --parquet).")
    store_arg(p)
    p.add_argument("--tmx", type=Path, help="TMX file to write (- for standard output)")
    p.add_argument("--segtype", choices=("sentence", "paragraph"), default="sentence",
                   help="TMX units: aligned sentences (default) or whole paragraphs")
    p.add_argument("--lang-codes", metavar="A,B", help="how TMX tags each language: zh-CN,en-US (default; "
                   "Traditional text gets zh-TW), zh-Hans,en (zh-Hant) or ZH-CN,EN-US")
    p.add_argument("--min-score", type=PROBABILITY, metavar="X", help="least alignment confidence, 0 to 1 "
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
    p.add_argument("--min-ratio", type=number(float, 0.0), default=Filters().min_ratio, metavar="R",
                   help=f"least English characters per Chinese character (default {Filters().min_ratio})")
    p.add_argument("--max-ratio", type=number(float, 0.0), default=Filters().max_ratio, metavar="R",
                   help=f"most English characters per Chinese character (default {Filters().max_ratio})")
    add_common(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..store import Store
    from ..transfer import export_mt, export_tmx

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
