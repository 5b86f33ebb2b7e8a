"""Alignment quality and calibration of the native aligner on every gold set.

    python scripts/bench_quality.py [--embedder use-m3] [--seed 2] [--docs 30]
                                    [--sets text-berg,un,hard,lit-shape,udhr] [--set key=value ...]

For each set (scripts/goldsets.py): strict and lax F1 (the vecalign
definitions, ``tmbuild eval``), the expected calibration error of the bead
confidences (10 equal-width bins over every predicted bead, insertions and
deletions included: a bead is right when it is exactly in the gold), the
median confidence of right and of wrong beads, and the seconds spent aligning
(embedding included, model loading excluded). ``--set`` overrides a field of
AlignConfig for experiments (``--set skip_prior=0.01``).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from dataclasses import fields, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from goldsets import SETS, load  # noqa: E402

from align.aligner import DEFAULT_CONFIG, Aligner  # noqa: E402
from align.embed import get_embedder  # noqa: E402
from align.evaluate import Counts, count, scores  # noqa: E402


def ece(conf: np.ndarray, right: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: bead-weighted mean |accuracy - confidence| over equal-width bins."""
    idx = np.minimum((conf * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        sel = idx == b
        if sel.any():
            total += sel.sum() * abs(right[sel].mean() - conf[sel].mean())
    return float(total / max(len(conf), 1))


def run_set(al: Aligner, docs) -> dict:
    c = Counts()
    confs, rights = [], []
    t0 = time.perf_counter()
    preds = [al.align(d.src, d.tgt, d.src_lang, d.tgt_lang) for d in docs]
    secs = time.perf_counter() - t0
    for d, a in zip(docs, preds):
        beads = [(b.src, b.tgt) for b in a.beads]
        c = c + count(list(d.gold), beads)
        gset = set(d.gold)
        for b in a.beads:
            confs.append(b.score)
            rights.append((b.src, b.tgt) in gset)
    s = scores(c)
    conf, right = np.array(confs), np.array(rights, dtype=bool)
    return dict(strict=s.f_strict, lax=s.f_lax, ece=ece(conf, right),
                med_right=float(np.median(conf[right])) if right.any() else float("nan"),
                med_wrong=float(np.median(conf[~right])) if (~right).any() else float("nan"),
                wrong=int((~right).sum()), beads=len(conf), seconds=secs)


def parse_override(s: str):
    key, _, value = s.partition("=")
    names = {f.name: f for f in fields(DEFAULT_CONFIG)}
    if key not in names:
        raise SystemExit(f"--set {s}: AlignConfig has no field {key!r}")
    cur = getattr(DEFAULT_CONFIG, key)
    if isinstance(cur, bool):
        return key, value.lower() in ("1", "true", "yes")
    if isinstance(cur, int):
        return key, int(value)
    if isinstance(cur, float) or cur is None:
        return key, float(value)
    return key, value


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--embedder", default="use-m3")
    ap.add_argument("--seed", type=int, default=2)
    ap.add_argument("--docs", type=int, default=30)
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--set", action="append", default=[], dest="overrides")
    a = ap.parse_args()
    config = replace(DEFAULT_CONFIG, **dict(parse_override(s) for s in a.overrides))
    emb = get_embedder(a.embedder)
    emb.encode(["warm up", "预热"])
    al = Aligner(emb, config)
    cmd = " ".join(["python scripts/bench_quality.py", *sys.argv[1:]])
    print(f"command: {cmd}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}")
    print()
    print("| set | docs | strict F1 | lax F1 | ECE | median conf right | median conf wrong | wrong beads | seconds |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in a.sets.split(","):
        docs = load(name, a.seed, a.docs)
        if not docs:
            continue
        al.cache.clear()
        r = run_set(al, docs)
        print(f"| {name} | {len(docs)} | {r['strict']:.4f} | {r['lax']:.4f} | {r['ece']:.3f} | "
              f"{r['med_right']:.3f} | {r['med_wrong']:.3f} | {r['wrong']}/{r['beads']} | {r['seconds']:.1f} |",
              flush=True)


if __name__ == "__main__":
    main()
