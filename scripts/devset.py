"""Build the synthetic UN dev set from ../shared/data/unpc-dev: documents of real
sentence pairs with joins, insertions and deletions, and exact gold beads.

    python scripts/devset.py OUT_DIR [--docs 30] [--size 60] [--seed 1]

Writes OUT_DIR/NAME.zh, NAME.en (one sentence a line) and NAME.gold.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from align.evaluate import format_bead
from align.synthetic import Perturbation, perturb

UNPC = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "unpc-dev"


def load_pairs(unpc: Path = UNPC) -> list[tuple[str, str]]:
    zh = (unpc / "unpc.zh").read_text(encoding="utf-8").splitlines()
    en = (unpc / "unpc.en").read_text(encoding="utf-8").splitlines()
    return list(zip(zh, en))


def build(out: Path, docs: int, size: int, seed: int, p: Perturbation | None = None) -> list[str]:
    p = p or Perturbation()
    pairs = load_pairs()
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    names = []
    for d in range(docs):
        chunk = pairs[d * size:(d + 1) * size]
        if len(chunk) < size // 2:
            break
        syn = perturb(chunk, rng, p)
        name = f"unpc{d:03d}"
        (out / f"{name}.zh").write_text("\n".join(syn.src) + "\n", encoding="utf-8")
        (out / f"{name}.en").write_text("\n".join(syn.tgt) + "\n", encoding="utf-8")
        (out / f"{name}.gold").write_text("\n".join(format_bead(s, t) for s, t in syn.gold) + "\n",
                                          encoding="utf-8")
        names.append(name)
    return names


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--docs", type=int, default=30)
    ap.add_argument("--size", type=int, default=60, help="sentence pairs per document before perturbation")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    names = build(a.out, a.docs, a.size, a.seed)
    print(f"wrote {len(names)} documents to {a.out}")


if __name__ == "__main__":
    main()
