"""``tmbuild pair``: which Chinese document translates which English one, and why the others are unpaired."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..files import shown
from ..pairing import DEFAULT_THRESHOLD
from .options import PROBABILITY, add_common, embedder_arg, existing


def add(sub) -> None:
    p = sub.add_parser("pair", help="pair each Chinese document with its English counterpart",
                       description="Read every document under PATH (files or folders), pair Chinese with English "
                                   "by UN symbol or by content, and list every input: paired (score, method) "
                                   "or unpaired (reason).")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="documents or folders (read recursively)")
    p.add_argument("--threshold", type=PROBABILITY, default=DEFAULT_THRESHOLD, metavar="X",
                   help=f"least share of both texts in confident paragraph beads, 0 to 1 "
                        f"(default {DEFAULT_THRESHOLD})")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    embedder_arg(p)
    add_common(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from align.embed import get_embedder

    from ..pairing import pair_documents

    existing(args.paths)
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
