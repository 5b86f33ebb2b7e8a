"""Glossary benchmark: how many of the best-scored term candidates of the unpc-dev store are terms with a
right translation, by hand-made judgments (scripts/terms_judged.tsv).

    python scripts/bench_terms.py [--top 200] [--lang zh] [--list]

The 1,982 unpc-dev pairs go into a store (real use-m3 vectors, one document per UN document, as
scripts/bench_lookup.py builds it); ``tmbuild terms`` extracts the ``--top`` best candidates. Each is looked up
in the judgments file (lang, term, target, verdict: ``y`` a term with a right translation, ``n`` not a term
or a wrong translation, with a reason); the share of ``y`` among the judged is printed with the unjudged
count. ``--list`` prints the candidates as judgment lines to fill in.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
JUDGED = HERE / "terms_judged.tsv"


def load_judgments() -> dict[tuple[str, str, str], tuple[str, str]]:
    out = {}
    if JUDGED.exists():
        for line in JUDGED.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                lang, term, target, verdict, *why = line.split("\t")
                out[(lang, term, target)] = (verdict, why[0] if why else "")
    return out


def main() -> int:
    from bench_lookup import dev_store

    from align.embed import get_embedder
    from corpus.terms import extract

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--top", type=int, default=200)
    ap.add_argument("--lang", default="zh")
    ap.add_argument("--list", action="store_true", help="print judgment lines for the candidates")
    args = ap.parse_args()
    judged = load_judgments()
    with tempfile.TemporaryDirectory() as d:
        store = dev_store(Path(d) / "s", get_embedder("use-m3"))
        found = extract(store, lang=args.lang, min_freq=3, limit=args.top)
        store.close()
    if args.list:
        for c in found:
            v = judged.get((args.lang, c.term, c.target), ("?", ""))
            print(f"{args.lang}\t{c.term}\t{c.target}\t{v[0]}\t{v[1]}")
        return 0
    verdicts = [judged.get((args.lang, c.term, c.target), ("?", ""))[0] for c in found]
    yes, no = verdicts.count("y"), verdicts.count("n")
    print(f"machine: {platform.machine()}, Python {platform.python_version()}; command: python scripts/bench_terms.py "
          f"--top {args.top} --lang {args.lang}")
    print(f"best {len(found)} candidates: {yes} terms with a right translation, {no} not, "
          f"{len(found) - yes - no} unjudged; precision {yes / max(yes + no, 1):.1%} of the judged")
    for k in (50, 100, 200):
        part = verdicts[:k]
        if len(part) == k and "?" not in part:
            print(f"  top {k}: {part.count('y') / k:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
