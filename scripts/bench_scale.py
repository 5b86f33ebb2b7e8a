"""Time and peak memory of one long document pair, to check that both grow linearly with its length.

    python scripts/bench_scale.py [--pairs 4000] [--embedder use-m3] [--seed 3]

The document is made of unpc-dev sentence pairs in order, repeated with a
running number appended to both sides (so that no two sentences are the
same), with joins and drops at the synthetic UN rates (scripts/goldsets.py,
"un"). Prints one line: sentences per side, seconds (embedding included,
model loading excluded), peak resident memory of the process, share of gold
beads found exactly. Run it once per length, each in a fresh process.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from goldsets import FLAVOURS, SHARED  # noqa: E402

from align.aligner import Aligner  # noqa: E402
from align.embed import get_embedder  # noqa: E402
from align.model import Segment  # noqa: E402
from align.synthetic import perturb  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=4000)
    ap.add_argument("--embedder", default="use-m3")
    ap.add_argument("--seed", type=int, default=3)
    a = ap.parse_args()
    d = SHARED / "data" / "unpc-dev"
    zh = (d / "unpc.zh").read_text(encoding="utf-8").splitlines()
    en = (d / "unpc.en").read_text(encoding="utf-8").splitlines()
    pairs = [(f"{zh[k % len(zh)]}（{k}）", f"{en[k % len(en)]} ({k})") for k in range(a.pairs)]
    syn = perturb(pairs, random.Random(a.seed), FLAVOURS["un"])
    emb = get_embedder(a.embedder)
    emb.encode(["warm up", "预热"])
    t0 = time.perf_counter()
    al = Aligner(emb).align([Segment(t) for t in syn.src], [Segment(t) for t in syn.tgt])
    secs = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    exact = len({(b.src, b.tgt) for b in al.beads} & set(syn.gold)) / len(syn.gold)
    print(f"{len(syn.src)} zh / {len(syn.tgt)} en sentences: {secs:.1f} s, peak {peak:.0f} MB, "
          f"{exact:.1%} of gold beads exact")


if __name__ == "__main__":
    main()
