"""``tmbuild index``: a sharded, memory-mapped vector index for a store of millions of pairs."""

from __future__ import annotations

import argparse
import sys

from .options import WORKERS, add_common, number, store_arg, writer_args


def add(sub) -> None:
    p = sub.add_parser("index", help="build a sharded, memory-mapped index for a large store",
                       description="Train the store's IVF index once, fill SHARDS shards in parallel, merge them "
                                   "on disk and serve the result memory-mapped (for stores of millions of pairs).")
    store_arg(p)
    p.add_argument("--shards", type=number(int, 1, 1024), default=2, metavar="N",
                   help="id ranges filled in parallel, then merged (default 2)")
    p.add_argument("--workers", type=WORKERS, default=2, metavar="N", help="processes filling shards (default 2)")
    p.add_argument("--nlist", type=number(int, 1), metavar="N",
                   help="inverted lists (default 4*sqrt(pairs), at most pairs/39)")
    writer_args(p)
    add_common(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..shards import build_sharded_index

    rep = build_sharded_index(args.store, shards=args.shards, workers=args.workers, nlist=args.nlist)
    for note in rep.notes:
        print(f"tmbuild: {args.store}: {note}", file=sys.stderr)
    print(f"{args.store}: merged {rep.shards} shards of {rep.pairs} pairs into an on-disk {rep.factory} "
          f"index per language side", file=sys.stderr)
    return 0
