"""Aligner benchmark: the native engine and the bertalign engine on the same gold sets, same embedder.

    python scripts/bench_align.py [--embedder use-m3] [--bertalign-python /path/to/python3.12]
                                  [--sets text-berg,un,hard,lit-shape,udhr] [--seed 2]

The sets are those of scripts/goldsets.py (Text+Berg, the synthetic UN sets
of real unpc-dev sentence pairs, the UDHR), the same as bench_quality.py's.
Engines:

- ``native``: tmbuild's aligner as configured by default.
- ``native/text``: the same with multi-sentence windows embedded as joined
  text where the search is unsure (what it does for embedders that cannot
  compose windows), to show what composing buys.
- ``bertalign``: bertalign 2.x with tmbuild's embedder passed in through its
  ``Encoder`` interface, so both engines see the same vectors and the
  comparison measures the alignment method alone. bertalign needs Python
  >= 3.12: give the interpreter of a venv where tmbuild is installed with
  its ``bertalign`` extra.

Each engine runs in its own process; the time is end to end over a set's
documents, embedding included, model loading excluded. Scores are strict and
lax F1 (tmbuild eval).
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


def worker(engine: str, embedder: str, name: str, seed: int, pred: Path) -> None:
    from goldsets import load

    from align.aligner import AlignConfig
    from align.embed import get_embedder
    from corpus.pipeline import align_segments

    emb = get_embedder(embedder)
    emb.encode(["warm up", "预热"])
    pred.mkdir(parents=True, exist_ok=True)
    base, _, windows = engine.partition("/")
    config = AlignConfig(windows=windows) if windows else AlignConfig()
    t0 = time.perf_counter()
    for k, d in enumerate(load(name, seed)):
        a = align_segments(d.src, d.tgt, emb, src_lang=d.src_lang, tgt_lang=d.tgt_lang, engine=base, config=config)
        (pred / f"{k:03d}.align").write_text("".join(f"{b}\n" for b in a.beads), encoding="utf-8")
    print(json.dumps({"seconds": time.perf_counter() - t0}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--embedder", default="use-m3")
    ap.add_argument("--bertalign-python", help="Python >= 3.12 with tmbuild[bertalign] installed")
    ap.add_argument("--sets", default="text-berg,un,hard,lit-shape,udhr")
    ap.add_argument("--seed", type=int, default=2)
    ap.add_argument("--worker", nargs=3, metavar=("ENGINE", "SET", "PRED"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        worker(a.worker[0], a.embedder, a.worker[1], a.seed, Path(a.worker[2]))
        return

    from goldsets import load

    from align.evaluate import format_bead
    from corpus.evaluation import evaluate_dirs

    engines = [("native", sys.executable), ("native/text", sys.executable)]
    if a.bertalign_python:
        engines.append(("bertalign", a.bertalign_python))
    cmd = f"python scripts/bench_align.py --embedder {a.embedder} --sets {a.sets} --seed {a.seed}"
    if a.bertalign_python:
        cmd += " --bertalign-python PY312"
    print(f"command: {cmd}")
    print(f"machine: {platform.machine()}, python {platform.python_version()}")
    print()
    print("| set | engine | strict F1 | lax F1 | seconds | time against native |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name in a.sets.split(","):
            docs = load(name, a.seed)
            if not docs:
                continue
            gold = Path(tmp) / name
            gold.mkdir()
            for k, d in enumerate(docs):
                (gold / f"{k:03d}.gold").write_text("".join(f"{format_bead(s, t)}\n" for s, t in d.gold),
                                                    encoding="utf-8")
            times = {}
            for engine, python in engines:
                pred = Path(tmp) / f"{name}-{engine.replace('/', '-')}"
                r = subprocess.run([python, __file__, "--embedder", a.embedder, "--seed", str(a.seed),
                                    "--worker", engine, name, str(pred)], capture_output=True, text=True)
                if r.returncode != 0:
                    last = (r.stderr.strip().splitlines() or ["no message"])[-1]
                    print(f"| {name} | {engine} | failed: {last} | | | |", flush=True)
                    continue
                times[engine] = json.loads(r.stdout.strip().splitlines()[-1])["seconds"]
                s = evaluate_dirs(gold, pred).total
                ratio = f"{times[engine] / times['native']:.1f}x" if engine != "native" and "native" in times else ""
                print(f"| {name} | {engine} | {s.f_strict:.4f} | {s.f_lax:.4f} | {times[engine]:.1f} | {ratio} |",
                      flush=True)


if __name__ == "__main__":
    main()
