"""``tmbuild import``: TMX and bilingual CAT files (XLIFF, PO, TS) added to a store as human translations."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from align.errors import InputError, TmbuildError

from .options import add_common, store_arg, writer_args


def add(sub) -> None:
    p = sub.add_parser("import", help="add TMX and bilingual CAT files (XLIFF, PO, TS) to a store",
                       description="Add the translation units of TMX files (any tool's, TMX 1.4) and bilingual "
                                   "files of finished CAT projects (XLIFF 1.2 and 2.0, gettext PO, Qt TS) to the "
                                   "store: embedded, searchable, with the file as provenance, as human "
                                   "translations (state imported). Untranslated and fuzzy units are left out and "
                                   "counted. A folder imports every such file in it. Re-importing the same file "
                                   "adds nothing; a changed file replaces its units.")
    p.add_argument("tmx_file", nargs="+", type=Path, metavar="FILE",
                   help="TMX, XLIFF (.xlf, .xliff), PO or TS files, or folders of them")
    store_arg(p, "store folder (created when missing)")
    p.add_argument("--embedder", metavar="NAME", help="embedder for a new store (default use-m3); an existing "
                   "store keeps its own")
    writer_args(p)
    add_common(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..transfer import import_tmx, importable_files

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
