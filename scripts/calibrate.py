"""Calibrate bead confidence: the temperature at which a bead's posterior probability is the probability
that it is exactly right.

    python scripts/calibrate.py [--embedder use-m3] [--fit text-berg,un,hard,lit-shape] [--check udhr]
                                [--fit-seed 1] [--check-seed 2]

A bead's confidence is its posterior probability under the aligner's model
with every log-weight divided by a temperature (forward-backward over the
band). The model's evidence is not independent (similarity, length and
numbers see the same sentences), so at temperature 1 the posteriors are too
sure; the temperature that makes them honest is fitted here by the log-loss
of every predicted bead (right = exactly in the gold), each fitting set
weighted equally, so that no one kind of text decides. The synthetic UN sets
are built with --fit-seed; the check sets (and the synthetic ones again, on
--check-seed) report the expected calibration error and the median
confidence of right and wrong beads at the chosen temperature. Paste the
temperature into AlignConfig when it moves.
"""

from __future__ import annotations

import argparse
import platform
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_quality import ece  # noqa: E402
from goldsets import load  # noqa: E402

from align.aligner import DEFAULT_CONFIG, Aligner  # noqa: E402
from align.embed import get_embedder  # noqa: E402

TEMPERATURES = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)


def beads(al: Aligner, docs) -> tuple[np.ndarray, np.ndarray]:
    conf, right = [], []
    for d in docs:
        gold = set(d.gold)
        for b in al.align(d.src, d.tgt, d.src_lang, d.tgt_lang).beads:
            conf.append(b.score)
            right.append((b.src, b.tgt) in gold)
    return np.array(conf), np.array(right, dtype=bool)


def log_loss(conf: np.ndarray, right: np.ndarray) -> float:
    p = np.clip(conf, 1e-4, 1 - 1e-4)
    return float(-np.mean(np.where(right, np.log(p), np.log(1 - p))))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--embedder", default="use-m3")
    ap.add_argument("--fit", default="text-berg,un,hard,lit-shape")
    ap.add_argument("--check", default="text-berg,un,hard,lit-shape,udhr")
    ap.add_argument("--fit-seed", type=int, default=1)
    ap.add_argument("--check-seed", type=int, default=2)
    a = ap.parse_args()
    emb = get_embedder(a.embedder)
    fit_sets = {name: load(name, a.fit_seed) for name in a.fit.split(",")}
    fit_sets = {k: v for k, v in fit_sets.items() if v}
    print(f"command: python scripts/calibrate.py {' '.join(sys.argv[1:])}".rstrip())
    print(f"machine: {platform.machine()}, python {platform.python_version()}")
    print()
    print("| temperature | " + " | ".join(f"{k} log-loss" for k in fit_sets) + " | mean |")
    print("|---|" + "---|" * (len(fit_sets) + 1))
    best = (np.inf, 1.0)
    al = Aligner(emb)  # one aligner, so every sentence is embedded once for all temperatures
    for t in TEMPERATURES:
        al.config = replace(DEFAULT_CONFIG, temperature=t)
        losses = [log_loss(*beads(al, docs)) for docs in fit_sets.values()]
        mean = float(np.mean(losses))
        best = min(best, (mean, t))
        print(f"| {t:g} | " + " | ".join(f"{x:.4f}" for x in losses) + f" | {mean:.4f} |", flush=True)
    t = best[1]
    print(f"\nchosen temperature: {t:g} (least mean log-loss over {', '.join(fit_sets)}, seed {a.fit_seed})\n")
    print(f"check at temperature {t:g} (synthetic sets on seed {a.check_seed}):\n")
    print("| set | ECE (10 bins) | median confidence, right beads | median confidence, wrong beads | beads |")
    print("|---|---|---|---|---|")
    al.config = replace(DEFAULT_CONFIG, temperature=t)
    for name in a.check.split(","):
        docs = load(name, a.check_seed)
        if not docs:
            continue
        conf, right = beads(al, docs)
        print(f"| {name} | {ece(conf, right):.3f} | {np.median(conf[right]):.3f} | "
              f"{np.median(conf[~right]) if (~right).any() else float('nan'):.3f} | {len(conf)} |", flush=True)


if __name__ == "__main__":
    main()
