"""``tmbuild documents``: the documents of a store, with their pairs and reviews."""

from __future__ import annotations

import argparse
import json
import sys

from ..files import shown
from .options import add_common, store_arg


def add(sub) -> None:
    p = sub.add_parser("documents", help="list the documents of a store",
                       description="Every document of a store: its number, name, files, pairs, reviewed pairs, "
                                   "mean confidence and when it was added.")
    store_arg(p)
    p.add_argument("--json", action="store_true", help="print them as JSON")
    add_common(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..store import Store

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
