"""Build benchmark: one process, --workers N, and Ray on the same corpus; the stores must be equal.

    python scripts/bench_build.py [--docs 190] [--size 10] [--workers 2] [--no-ray]

The corpus: ``--docs`` document pairs of ``--size`` consecutive real
sentence pairs from ../shared/data/unpc-dev (one sentence a paragraph), plus
the UDHR (Simplified, Traditional, English) from samples/. Each mode builds
a fresh store; the script checks that every store holds the same pairs (text,
scores to 3 decimals) and answers 50 queries with the same segments, and
prints wall time per mode (pairing included: it runs in the main process in
every mode).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))


def corpus(out: Path, docs: int, size: int) -> int:
    from devset import load_pairs

    pairs = load_pairs()
    out.mkdir(parents=True)
    n = 0
    for k in range(docs):
        chunk = pairs[k * size:(k + 1) * size]
        if len(chunk) < size:
            break
        (out / f"doc{k:03d}_zh.txt").write_text("\n\n".join(z for z, _ in chunk), encoding="utf-8")
        (out / f"doc{k:03d}_en.txt").write_text("\n\n".join(e for _, e in chunk), encoding="utf-8")
        n += 1
    for f in ("cmn_hans.html", "cmn_hant.html", "eng.html"):
        shutil.copy(ROOT / "samples" / "udhr" / f, out / f)
    return n + 2


def snapshot(store_dir: Path, queries: list[str]):
    from corpus.store import Store

    with Store.open(store_dir, readonly=True) as s:
        rows = sorted(s.con.execute("SELECT d.key, p.src_text, p.tgt_text, round(p.score, 3) FROM pairs p "
                                    "JOIN documents d ON p.doc_id = d.id"))
        hits = [tuple(h.text for h in s.search(q, k=5)) for q in queries]
    return rows, hits


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=190)
    ap.add_argument("--size", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-ray", action="store_true")
    a = ap.parse_args()
    from devset import load_pairs

    from corpus.build import build

    modes = [("one process", {}), (f"--workers {a.workers}", {"workers": a.workers})]
    if not a.no_ray:
        modes.append((f"--ray (local, {a.workers} workers)", {"ray": True, "workers": a.workers}))
    queries = [z for z, _ in load_pairs()[5:2000:40]]
    print(f"command: python scripts/bench_build.py --docs {a.docs} --size {a.size} --workers {a.workers}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        n = corpus(Path(tmp) / "docs", a.docs, a.size)
        print(f"corpus: {n} document pairs ({a.docs} of {a.size} UN sentence pairs, and the UDHR twice)")
        print()
        print("| mode | seconds | speed-up | document pairs | translation pairs | same store |")
        print("|---|---|---|---|---|---|")
        base = None
        t_base = None
        for name, kw in modes:
            store = Path(tmp) / f"store-{modes.index((name, kw))}"
            t0 = time.perf_counter()
            rep = build([Path(tmp) / "docs"], store, "use-m3", **kw)
            dt = time.perf_counter() - t0
            snap = snapshot(store, queries)
            if base is None:
                base, t_base = snap, dt
            same = "yes" if snap == base else "NO"
            print(f"| {name} | {dt:.1f} | {t_base / dt:.2f}x | {rep.added_documents} | {rep.pairs_added} | {same} |",
                  flush=True)


if __name__ == "__main__":
    main()
