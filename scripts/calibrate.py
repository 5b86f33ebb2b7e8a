"""Calibrate bead confidence: fit the logistic curve that turns a bead's score into a probability.

    python scripts/calibrate.py [--embedder use-m3] [--docs 30] [--fit-seed 1] [--test-seed 2]

Fitting data (synthetic UN documents from scripts/devset.py, seed --fit-seed):
every gold bead with text on both sides is a correct bead; its near misses
are wrong beads: the target window shifted by one sentence either way, one
target or source sentence too many, one too few. The aligner scores all of
them (``Aligner.score_beads``) and a logistic regression of correct/wrong on
the score, with both classes weighted equally, gives ``conf_center`` (the score
where a bead is as likely right as wrong) and ``conf_scale``.

Check (seed --test-seed, other documents): the same near-miss test, and on
the aligner's own output, how many beads at confidence >= 0.5 are right and
how many wrong beads it flags below 0.5. Paste the two figures into
AlignConfig when they move.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from devset import build  # noqa: E402

from align.aligner import DEFAULT_CONFIG, Aligner  # noqa: E402
from align.embed import get_embedder  # noqa: E402
from align.evaluate import parse_beads  # noqa: E402
from align.model import Segment  # noqa: E402


def near_misses(bead, n, m):
    s, t = bead
    out = []
    for d in (-1, 1):
        tt = tuple(j + d for j in t)
        if tt[0] >= 0 and tt[-1] < m:
            out.append((s, tt))
    if t[-1] + 1 < m:
        out.append((s, t + (t[-1] + 1,)))
    if len(t) > 1:
        out.append((s, t[:-1]))
    if s[-1] + 1 < n:
        out.append((s + (s[-1] + 1,), t))
    if len(s) > 1:
        out.append((s[:-1], t))
    return out


def collect(al: Aligner, dev: Path):
    xs, ys, docs = [], [], []
    for gold_path in sorted(dev.glob("*.gold")):
        zh = gold_path.with_suffix(".zh").read_text(encoding="utf-8").splitlines()
        en = gold_path.with_suffix(".en").read_text(encoding="utf-8").splitlines()
        gold = [b for b in parse_beads(gold_path.read_text(encoding="utf-8").splitlines()) if b[0] and b[1]]
        gset = set(gold)
        cands = list(gold)
        for b in gold:
            cands += [c for c in near_misses(b, len(zh), len(en)) if c not in gset]
        src, tgt = [Segment(t) for t in zh], [Segment(t) for t in en]
        sc = al.score_beads(src, tgt, cands)
        for c, v in zip(cands, sc):
            if np.isfinite(v):
                xs.append(v)
                ys.append(c in gset)
        docs.append((src, tgt, gset))
    return np.array(xs), np.array(ys, dtype=float), docs


def fit(x, y):
    """Logistic regression with the two classes weighted equally (near misses outnumber correct beads)."""
    xm, xs = x.mean(), x.std() or 1.0
    z = (x - xm) / xs
    sw = np.where(y == 1, 0.5 / max(y.sum(), 1), 0.5 / max((1 - y).sum(), 1)) * len(y)
    w = np.zeros(2)
    for _ in range(50):
        p = 1 / (1 + np.exp(-(w[0] + w[1] * z)))
        X = np.stack([np.ones_like(z), z], axis=1)
        H = X.T @ (X * (sw * p * (1 - p))[:, None]) + 1e-6 * np.eye(2)
        w = w + np.linalg.solve(H, X.T @ (sw * (y - p)))
    center = xm - w[0] / w[1] * xs
    scale = xs / w[1]
    return float(center), float(scale)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--embedder", default="use-m3")
    ap.add_argument("--docs", type=int, default=30)
    ap.add_argument("--fit-seed", type=int, default=1)
    ap.add_argument("--test-seed", type=int, default=2)
    a = ap.parse_args()
    emb = get_embedder(a.embedder)
    with tempfile.TemporaryDirectory() as tmp:
        fit_dir, test_dir = Path(tmp) / "fit", Path(tmp) / "test"
        build(fit_dir, a.docs, 60, a.fit_seed)
        build(test_dir, a.docs, 60, a.test_seed)
        al = Aligner(emb)
        x, y, _ = collect(al, fit_dir)
        center, scale = fit(x, y)
        print(f"command: python scripts/calibrate.py --embedder {a.embedder} --docs {a.docs} "
              f"--fit-seed {a.fit_seed} --test-seed {a.test_seed}")
        print(f"fit: {int(y.sum())} correct beads, {int((1 - y).sum())} near misses; "
              f"conf_center={center:.4f} conf_scale={scale:.4f}")
        cal = Aligner(emb, replace(DEFAULT_CONFIG, conf_center=center, conf_scale=scale))
        xt, yt, docs = collect(cal, test_dir)
        pt = xt >= center
        print(f"test near-miss separation at confidence 0.5: {np.mean(pt == (yt == 1)):.4f} accuracy; "
              f"correct kept {np.mean(pt[yt == 1]):.4f}, near misses rejected {np.mean(~pt[yt == 0]):.4f}")
        right = wrong = right_hi = wrong_lo = 0
        for src, tgt, gset in docs:
            for b in cal.align(src, tgt).beads:
                if not (b.src and b.tgt):
                    continue
                ok = (b.src, b.tgt) in gset
                right += ok
                wrong += not ok
                right_hi += ok and b.score >= 0.5
                wrong_lo += (not ok) and b.score < 0.5
        print(f"test alignments: {right} right and {wrong} wrong beads with text on both sides; "
              f"{right_hi / max(right, 1):.4f} of right beads have confidence >= 0.5, "
              f"{wrong_lo / max(wrong, 1):.4f} of wrong beads < 0.5")


if __name__ == "__main__":
    main()
