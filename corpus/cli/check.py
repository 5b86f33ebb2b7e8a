"""``tmbuild check``: a store's database and indexes checked, and the indexes repaired."""

from __future__ import annotations

import argparse
import os
import sys

from .options import add_common, store_arg, writer_args


def add(sub) -> None:
    p = sub.add_parser("check", help="check a store's database and indexes, and repair the indexes",
                       description="Check the database (SQLite's integrity check), the lexical index against "
                                   "the pairs, the fuzzy index's checksums and the vector indexes against the "
                                   "stored vectors; with --repair, rebuild every index from the database. Exit "
                                   "status 1 when a problem remains.")
    store_arg(p)
    p.add_argument("--repair", action="store_true",
                   help="rebuild the lexical, fuzzy and vector indexes from the database")
    writer_args(p)
    add_common(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..store import Store

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
