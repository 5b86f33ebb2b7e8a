"""``tmbuild eval``: predicted beads scored against gold (strict and lax precision, recall, F1)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .options import add_common


def add(sub) -> None:
    p = sub.add_parser("eval", help="strict and lax P/R/F1 of predicted beads against gold",
                       description="Score DOC.align (or DOC.gold) files in PRED_DIR against DOC.gold "
                                   "(or DOC.align) in GOLD_DIR; one bead per line, [0, 1]:[2].")
    p.add_argument("gold_dir", type=Path, help="folder of gold bead files")
    p.add_argument("pred_dir", type=Path, help="folder of predicted bead files (tmbuild align --format beads)")
    p.add_argument("--allow-missing", action="store_true",
                   help="score a gold document with no prediction as empty instead of failing")
    p.add_argument("--json", action="store_true", help="machine-readable output: per document and overall")
    add_common(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..evaluation import evaluate_dirs

    report = evaluate_dirs(args.gold_dir, args.pred_dir, allow_missing=args.allow_missing)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(report.table())
    return 0
