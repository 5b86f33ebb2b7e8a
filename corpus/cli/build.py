"""``tmbuild build``: every document pair found under the inputs, aligned into the store."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..files import shown
from ..pairing import DEFAULT_THRESHOLD
from .options import (
    PROBABILITY,
    WORKERS,
    add_common,
    aligner_args,
    aligner_config,
    clip,
    embedder_arg,
    existing,
    store_arg,
    writer_args,
)


def add(sub) -> None:
    p = sub.add_parser("build", help="read, pair, align and store every document pair found",
                       description="Read every document under PATH, pair Chinese with English, align each pair "
                                   "and add its sentence pairs to the store (created when missing). Re-running "
                                   "adds nothing twice; a changed document replaces its old pairs.")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="documents or folders (read recursively)")
    store_arg(p, "store folder (created when missing)")
    p.add_argument("--threshold", type=PROBABILITY, default=DEFAULT_THRESHOLD, metavar="X",
                   help=f"pairing threshold, 0 to 1 (default {DEFAULT_THRESHOLD}; see tmbuild pair --help)")
    p.add_argument("--workers", type=WORKERS, default=1, metavar="N",
                   help="align document pairs in N local processes (default 1)")
    p.add_argument("--ray", nargs="?", const=True, default=False, metavar="ADDRESS",
                   help="align on Ray Data: a local Ray by default, or the cluster at ADDRESS (pip install "
                        "'tmbuild[ray]')")
    p.add_argument("--prune", action="store_true",
                   help="remove the stored documents whose files are no longer among the inputs")
    writer_args(p)
    aligner_args(p, build=True)
    embedder_arg(p)
    add_common(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..build import build

    existing(args.paths)
    report = build(args.paths, args.store, embedder=args.embedder, config=aligner_config(args),
                   threshold=args.threshold, progress=not args.no_progress, workers=args.workers, ray=args.ray,
                   prune=args.prune)
    for note in report.notes:
        print(f"tmbuild: {shown(args.store)}: {shown(note)}", file=sys.stderr)
    for rev in report.revisions:  # a changed document's reviews: which were kept, which could not be
        print(f"revised  {shown(rev.summary())}", file=sys.stderr)
        for src, tgt, why in rev.dropped:
            print(f"  dropped review of {shown(clip(src))} = {shown(clip(tgt))}: {why}", file=sys.stderr)
    for u in report.unpaired:
        print(f"unpaired {shown(u.path)}: {shown(u.reason)}", file=sys.stderr)
    for what, err in report.failed:
        print(f"failed   {shown(what)}: {shown(err)}", file=sys.stderr)
    print(report.summary(), file=sys.stderr)
    return 1 if report.failed else 0
