"""Store benchmark: lookup quality on real UN pairs, and index speed/recall at scale.

    python scripts/bench_store.py [--n 1000000] [--queries 1000] [--threads 1]

1. Lookup quality: the 1,982 pairs of ../shared/data/unpc-dev go into a store
   (as one document, with their real use-m3 vectors); each Chinese sentence is
   searched and the English of the first hit compared with its translation
   (and the same from English).
2. Scale: ``--n`` vectors are made from the real unpc-dev sentence vectors
   (each a normalised mix of two real vectors plus noise, so the data keeps
   the clustered shape of real embeddings; embedding a million real
   sentences here would take hours). The store's large-store index
   (IVF{4*sqrt(N)},SQ8, nprobe 32, trained on 64 vectors per list with every
   core; queries on ``--threads``) is compared with exact search: recall@10
   over ``--queries`` real sentence vectors, p50 / p95 latency of one query
   including embedding it with use-m3, build time, and RAM/disk size.
3. Store writes: pairs per second into SQLite + index, and store size,
   measured on 100,000 pairs and given per million.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from align.embed import encode_batched, get_embedder
from align.embed.base import signature
from align.model import TranslationUnit
from corpus.store import TRAIN_PER_LIST

sys.path.insert(0, str(Path(__file__).resolve().parent))
from devset import load_pairs  # noqa: E402


def lookup_quality(pairs, emb) -> tuple[float, float, float]:
    from corpus.store import Store

    zh = [z for z, _ in pairs]
    en = [e for _, e in pairs]
    vz, ve = encode_batched(emb, zh), encode_batched(emb, en)
    with tempfile.TemporaryDirectory() as d:
        s = Store.create(Path(d) / "s", signature(emb), emb.name, emb.dim)
        units = [TranslationUnit(z, e, doc="unpc-dev", bead=i) for i, (z, e) in enumerate(pairs)]
        s.add_document("unpc-dev", "h", units, vz, ve)
        # identical sentences occur in the corpus (e.g. session headings): a hit counts when its
        # stored translation is the right one
        top_zh = np.mean([s.search(z, k=1, lang="zh", vector=vz[i])[0].translation == en[i]
                          for i, z in enumerate(zh)])
        top_en = np.mean([s.search(e, k=1, lang="en", vector=ve[i])[0].translation == zh[i]
                          for i, e in enumerate(en)])
        # cross-lingual: the English query's nearest stored Chinese segment
        ix = s._indexes["src"]
        _, ids = ix.search(ve, 1)
        cross = float(np.mean(ids[:, 0] == np.arange(1, len(pairs) + 1)))
        s.close()
    return float(top_zh), float(top_en), cross


def synth(real: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    out = np.empty((n, real.shape[1]), np.float32)
    for s in range(0, n, 100_000):
        m = min(100_000, n - s)
        a = real[rng.integers(0, len(real), m)]
        b = real[rng.integers(0, len(real), m)]
        w = rng.uniform(0.55, 0.95, (m, 1)).astype(np.float32)
        x = w * a + (1 - w) * b + rng.normal(0, 0.03, (m, real.shape[1])).astype(np.float32)
        out[s:s + m] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    import faiss

    faiss.omp_set_num_threads(a.threads)
    emb = get_embedder("use-m3")
    pairs = load_pairs()
    print(f"command: python scripts/bench_store.py --n {a.n} --queries {a.queries} --threads {a.threads}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}, "
          f"faiss {faiss.__version__}, embedder {signature(emb)}")
    print()
    tz, te, cross = lookup_quality(pairs, emb)
    print(f"lookup on unpc-dev ({len(pairs)} pairs): top-1 translation right {tz:.4f} (zh query), "
          f"{te:.4f} (en query); cross-lingual en->stored zh top-1 {cross:.4f}")
    print()

    rng = np.random.default_rng(0)
    real = np.concatenate([encode_batched(emb, [z for z, _ in pairs]), encode_batched(emb, [e for _, e in pairs])])
    X = synth(real, a.n, rng)
    qtexts = [pairs[i % len(pairs)][i % 2] for i in rng.permutation(len(pairs))[:a.queries]]
    Q = encode_batched(emb, qtexts)
    ids = np.arange(a.n, dtype=np.int64)
    rows = []
    base = rss_mb()
    t = time.perf_counter()
    flat = faiss.IndexIDMap2(faiss.IndexFlatIP(X.shape[1]))
    flat.add_with_ids(X, ids)
    t_flat = time.perf_counter() - t
    ram_flat = rss_mb() - base
    _, truth = flat.search(Q, 10)
    lat = []
    for q in qtexts[:200]:
        t = time.perf_counter()
        flat.search(emb.encode([q]), 10)
        lat.append(time.perf_counter() - t)
    rows.append(("IDMap2,Flat (exact)", t_flat, ram_flat, np.median(lat) * 1e3, np.percentile(lat, 95) * 1e3, 1.0))
    del flat
    nlist = int(4 * math.sqrt(a.n))
    base = rss_mb()
    faiss.omp_set_num_threads(os.cpu_count() or 1)  # building uses every core, as the store does
    t = time.perf_counter()
    quant = faiss.IndexFlatIP(X.shape[1])
    ivf = faiss.IndexIVFScalarQuantizer(quant, X.shape[1], nlist, faiss.ScalarQuantizer.QT_8bit,
                                        faiss.METRIC_INNER_PRODUCT)
    ivf.train(X[rng.permutation(a.n)[:min(a.n, TRAIN_PER_LIST * nlist)]])
    ivf.add_with_ids(X, ids)
    ivf.nprobe = 32
    t_ivf = time.perf_counter() - t
    faiss.omp_set_num_threads(a.threads)
    ram_ivf = rss_mb() - base
    _, got = ivf.search(Q, 10)
    recall = np.mean([len(set(g) & set(tr)) / 10 for g, tr in zip(got, truth)])
    lat = []
    for q in qtexts[:500]:
        t = time.perf_counter()
        ivf.search(emb.encode([q]), 10)
        lat.append(time.perf_counter() - t)
    rows.append((f"IVF{nlist},SQ8 nprobe 32", t_ivf, ram_ivf, np.median(lat) * 1e3, np.percentile(lat, 95) * 1e3,
                 recall))
    with tempfile.TemporaryDirectory() as d:
        faiss.write_index(ivf, f"{d}/i")
        disk = os.path.getsize(f"{d}/i") / 1e6
        t = time.perf_counter()
        faiss.read_index(f"{d}/i", faiss.IO_FLAG_MMAP)
        t_open = time.perf_counter() - t
    print(f"index at N = {a.n:,} (vectors {X.shape[1]}-d, {a.threads} thread):")
    print()
    print("| index | build s | RAM MB | query p50 ms (with embedding) | p95 ms | recall@10 |")
    print("|---|---|---|---|---|---|")
    for name, tb, ram, p50, p95, rec in rows:
        print(f"| {name} | {tb:.1f} | {ram:.0f} | {p50:.2f} | {p95:.2f} | {rec:.3f} |")
    print()
    print(f"IVF index file: {disk:.0f} MB on disk per side, opened memory-mapped in {t_open * 1e3:.1f} ms")

    # store writes
    from corpus.store import Store

    n_w = min(100_000, a.n)
    with tempfile.TemporaryDirectory() as d:
        s = Store.create(Path(d) / "s", signature(emb), emb.name, emb.dim)
        t = time.perf_counter()
        step = 1000
        for k in range(0, n_w, step):
            units = [TranslationUnit(pairs[(k + i) % len(pairs)][0], pairs[(k + i) % len(pairs)][1], bead=i)
                     for i in range(step)]
            s.add_document(f"doc{k}", "h", units, X[k:k + step], X[k + 1:k + step + 1] if k + step + 1 <= a.n
                           else X[k:k + step])
        s.flush()
        dt = time.perf_counter() - t
        size = sum(f.stat().st_size for f in (Path(d) / "s").iterdir())
        s.close()
    print(f"store writes: {n_w / dt:,.0f} pairs/s into SQLite + both indexes ({n_w:,} pairs in documents of "
          f"1,000); store size {size / 1e6:.0f} MB, i.e. {size / n_w * 1e6 / 1e9:.1f} GB per million pairs "
          "(text, provenance, float16 vectors of both sides, two exact indexes)")


if __name__ == "__main__":
    main()
