"""Embedder benchmark: retrieval accuracy on real UN sentence pairs, and throughput.

    python scripts/bench_embedders.py [--embedders use-m3,me5-small,ensemble] [--doc-size 100]

The 1,982 pairs of ../shared/data/unpc-dev are cut into pseudo-documents of
``--doc-size`` consecutive pairs. For every sentence, P@1 asks whether its
translation is the best of all sentences of the other side of its document,
scored with the ratio margin (cosine over the mean cosine of the 4 nearest
neighbours of both sides). Throughput is sentences per second over all
3,964 sentences, one process, batches of 256, after a warm-up.
Prints a markdown table and the command that made it.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time

import numpy as np

from align.embed import encode_batched, get_embedder
from align.embed.base import signature

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from devset import load_pairs  # noqa: E402


def margin_p1(a: np.ndarray, b: np.ndarray, k: int = 4) -> tuple[float, float]:
    s = a @ b.T
    kk = min(k, s.shape[1])
    ra = -np.sort(-s, axis=1)[:, :kk].mean(axis=1)
    rb = -np.sort(-s, axis=0)[:kk, :].mean(axis=0)
    m = s / ((ra[:, None] + rb[None, :]) / 2)
    n = len(s)
    return float((m.argmax(axis=1) == np.arange(n)).mean()), float((m.argmax(axis=0) == np.arange(n)).mean())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--embedders", default="use-m3,me5-small,ensemble")
    ap.add_argument("--doc-size", type=int, default=100)
    a = ap.parse_args()
    pairs = load_pairs()
    zh = [z for z, _ in pairs]
    en = [e for _, e in pairs]
    print(f"command: python scripts/bench_embedders.py --embedders {a.embedders} --doc-size {a.doc_size}")
    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, python {platform.python_version()}")
    print()
    print("| embedder | P@1 zh->en | P@1 en->zh | sentences/s | load s |")
    print("|---|---|---|---|---|")
    for name in a.embedders.split(","):
        t0 = time.perf_counter()
        emb = get_embedder(name)
        emb.encode(["warm up", "预热"])
        load = time.perf_counter() - t0
        t0 = time.perf_counter()
        vz = encode_batched(emb, zh)
        ve = encode_batched(emb, en)
        rate = (len(zh) + len(en)) / (time.perf_counter() - t0)
        p_ze, p_ez, n = 0.0, 0.0, 0
        for s in range(0, len(pairs), a.doc_size):
            x, y = margin_p1(vz[s:s + a.doc_size], ve[s:s + a.doc_size])
            w = len(vz[s:s + a.doc_size])
            p_ze += x * w
            p_ez += y * w
            n += w
        print(f"| {signature(emb)} | {p_ze / n:.3f} | {p_ez / n:.3f} | {rate:.0f} | {load:.1f} |", flush=True)


if __name__ == "__main__":
    main()
