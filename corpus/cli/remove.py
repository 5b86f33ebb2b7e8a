"""``tmbuild remove``: documents and all their pairs out of a store."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from align.errors import InputError

from ..files import shown
from .options import add_common, store_arg, writer_args


def add(sub) -> None:
    p = sub.add_parser("remove", help="remove documents and their pairs from a store",
                       description="Remove documents (by number, symbol, name or file path, as tmbuild documents "
                                   "lists them) and all their pairs; every index follows.")
    store_arg(p)
    p.add_argument("documents", nargs="+", metavar="DOC", help="document number, symbol, name or file path")
    writer_args(p)
    add_common(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..store import Store

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
