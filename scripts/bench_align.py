"""Aligner benchmark: the native engine and the bertalign engine on the same data, same embedder.

    python scripts/bench_align.py [--embedder use-m3] [--bertalign-python /path/to/python3.12]
                                  [--docs 30] [--size 60] [--seed 2]

Data: synthetic UN documents from ../shared/data/unpc-dev (scripts/devset.py:
real sentence pairs, with Chinese sentences joined into 1-2 / 1-3 beads,
English ones into 2-1, and single sentences dropped on either side), in three
flavours: "un" (the default rates), "hard" (twice the joins and drops) and
"lit-shape" (the bead shapes of the held-out literary set: one Chinese
sentence often faces two or three English ones; the sentences stay UN ones).
The seed differs from the one the aligner's weights were chosen on (1).

Each engine runs in its own process (bertalign needs Python >= 3.12: give
the interpreter of a venv where ``pip install bertalign`` and tmbuild are
installed); the time is end to end over all documents, embedding included,
model loading excluded. Scores are strict and lax F1 (tmbuild eval).
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def worker(engine: str, embedder: str, dev: Path, pred: Path) -> None:
    from align.aligner import AlignConfig
    from align.embed import get_embedder
    from align.model import Segment
    from corpus.pipeline import align_segments

    emb = get_embedder(embedder)
    emb.encode(["warm up", "预热"])
    pred.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    for gold in sorted(dev.glob("*.gold")):
        zh = gold.with_suffix(".zh").read_text(encoding="utf-8").splitlines()
        en = gold.with_suffix(".en").read_text(encoding="utf-8").splitlines()
        a = align_segments([Segment(t) for t in zh], [Segment(t) for t in en], emb, engine=engine.split("/")[0],
                           config=AlignConfig(windows=engine.split("/")[1]) if "/" in engine else AlignConfig())
        (pred / f"{gold.stem}.align").write_text("".join(f"{b}\n" for b in a.beads), encoding="utf-8")
    print(json.dumps({"seconds": time.perf_counter() - t0}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--embedder", default="use-m3")
    ap.add_argument("--bertalign-python", help="Python >= 3.12 with bertalign and tmbuild installed")
    ap.add_argument("--docs", type=int, default=30)
    ap.add_argument("--size", type=int, default=60)
    ap.add_argument("--seed", type=int, default=2)
    ap.add_argument("--worker", nargs=3, metavar=("ENGINE", "DEV", "PRED"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        worker(a.worker[0], a.embedder, Path(a.worker[1]), Path(a.worker[2]))
        return

    from devset import build
    from goldsets import FLAVOURS

    from corpus.evaluation import evaluate_dirs

    # native/text: the native engine with windows embedded as joined text (what it does for embedders
    # that cannot compose), to show what composing windows buys
    engines = [("native", sys.executable), ("native/text", sys.executable)]
    if a.bertalign_python:
        engines.append(("bertalign", a.bertalign_python))
    cmd = f"python scripts/bench_align.py --embedder {a.embedder} --docs {a.docs} --size {a.size} --seed {a.seed}"
    if a.bertalign_python:
        cmd += " --bertalign-python PY312"
    print(f"command: {cmd}")
    print(f"machine: {platform.machine()}, python {platform.python_version()}")
    print()
    print("| data | engine | strict F1 | lax F1 | seconds | speed-up |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for flavour, rates in FLAVOURS.items():
            dev = Path(tmp) / flavour
            build(dev, a.docs, a.size, a.seed, rates)
            times = {}
            for engine, python in engines:
                pred = Path(tmp) / f"{flavour}-{engine}"
                r = subprocess.run([python, __file__, "--embedder", a.embedder, "--worker", engine, str(dev),
                                    str(pred)], capture_output=True, text=True)
                if r.returncode != 0:
                    print(f"| {flavour} | {engine} | failed: {r.stderr.strip().splitlines()[-1]} | | | |")
                    continue
                times[engine] = json.loads(r.stdout.strip().splitlines()[-1])["seconds"]
                s = evaluate_dirs(dev, pred).total
                speed = times["native"] / times[engine] if engine != "native" else 1.0
                print(f"| {flavour} | {engine} | {s.f_strict:.4f} | {s.f_lax:.4f} | {times[engine]:.1f} | "
                      f"{'' if engine == 'native' else f'native is {1 / speed:.1f}x faster'} |", flush=True)


if __name__ == "__main__":
    main()
