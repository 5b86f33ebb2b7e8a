"""``tmbuild terms``: term candidates of a memory with their translations, as a glossary."""

from __future__ import annotations

import argparse
import json
import sys

from ..files import is_stdio
from .options import add_common, number, store_arg


def add(sub) -> None:
    p = sub.add_parser("terms", help="term candidates of a memory, with their translations: a glossary",
                       description="Extract bilingual term candidates from a store: word sequences of one side "
                                   "ranked by termhood (C-value), how consistently the memory translates them and "
                                   "how many segments hold them, each with its renderings and examples. Writes a "
                                   "TBX glossary and OmegaT's tab-separated glossary; prints a table (or JSON).")
    store_arg(p)
    p.add_argument("--lang", choices=("zh", "en"), default=None,
                   help="the side whose terms are extracted (default the store's source language)")
    p.add_argument("--min-freq", type=number(int, 1), default=3, metavar="N",
                   help="segments a term must occur in (default 3)")
    p.add_argument("--limit", type=number(int, 1, 100_000), default=200, metavar="N",
                   help="how many candidates (default 200)")
    p.add_argument("--doc", action="append", default=[], metavar="NAME",
                   help="count only these documents (symbol, key or file path; repeatable)")
    p.add_argument("--tbx", metavar="FILE", help="write the candidates as a TBX glossary ('-' for stdout)")
    p.add_argument("--tsv", metavar="FILE", help="write them as OmegaT's tab-separated glossary (UTF-8 .txt)")
    p.add_argument("--accepted-only", action="store_true",
                   help="the terms accepted on the terms page (tmbuild serve), not new candidates")
    p.add_argument("--json", action="store_true", help="print the candidates as JSON")
    add_common(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..store import Store
    from ..terms import accepted, extract, write_omegat_glossary, write_tbx

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
        n = write_omegat_glossary(found, args.tsv, src)
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
