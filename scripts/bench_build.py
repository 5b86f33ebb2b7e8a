"""Build benchmark: one process, --workers N, and Ray on the same corpus; the stores must be equal.

    python scripts/bench_build.py [--docs 364] [--size 0] [--workers 2] [--embedder use-m3] [--no-ray] [--busy]

The corpus: the real documents of ../shared/data/unpc-dev (its sentence
pairs grouped by their document id, in order: 364 documents of 1 to 12
sentences, one sentence a paragraph; ``--docs`` takes the first ones), or with
``--size N`` documents of N consecutive sentence pairs; plus the UDHR
(Simplified, Traditional, English) from samples/. Each mode builds
a fresh store; the script checks that every store holds the same pairs (text,
scores to 3 decimals) and answers 50 queries with the same segments, and
prints wall time per mode (pairing included: it runs in the main process in
every mode). ``--busy``: another program keeps one core busy throughout, as on
a user's machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))


def corpus(out: Path, docs: int, size: int) -> int:
    from devset import UNPC, load_pairs

    pairs = load_pairs()
    if size:
        groups = [pairs[k * size:(k + 1) * size] for k in range(len(pairs) // size)]
    else:  # the corpus's own documents
        ids = [line.split()[0] for line in (UNPC / "unpc.ids").read_text(encoding="utf-8").splitlines()]
        by_id: dict[str, list[tuple[str, str]]] = {}
        for doc_id, pair in zip(ids, pairs):
            by_id.setdefault(doc_id, []).append(pair)
        groups = list(by_id.values())
    out.mkdir(parents=True)
    n = 0
    for k, chunk in enumerate(groups[:docs]):
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
    ap.add_argument("--docs", type=int, default=364)
    ap.add_argument("--size", type=int, default=0, help="sentence pairs per document (0: the corpus's documents)")
    ap.add_argument("--embedder", default="use-m3")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-ray", action="store_true")
    ap.add_argument("--busy", action="store_true", help="keep one core busy with another process")
    a = ap.parse_args()
    from devset import load_pairs


    modes = [("one process", {}), (f"--workers {a.workers}", {"workers": a.workers})]
    if not a.no_ray:
        modes.append((f"--ray (local, {a.workers} workers)", {"ray": True, "workers": a.workers}))
    queries = [z for z, _ in load_pairs()[5:2000:40]]
    print(f"command: python scripts/bench_build.py --docs {a.docs} --size {a.size} --workers {a.workers} "
          f"--embedder {a.embedder}" + (" --busy" if a.busy else ""))
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}")
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if a.busy else None
    try:
        run_modes(a, modes, queries)
    finally:
        if busy:
            busy.kill()


def run_modes(a, modes, queries) -> None:
    from corpus.build import build

    with tempfile.TemporaryDirectory() as tmp:
        n = corpus(Path(tmp) / "docs", a.docs, a.size)
        what = f"of {a.size} UN sentence pairs" if a.size else "unpc-dev documents"
        print(f"corpus: {n} document pairs ({n - 2} {what}, and the UDHR twice)")
        print()
        print("| mode | seconds | speed-up | document pairs | translation pairs | same store |")
        print("|---|---|---|---|---|---|")
        base = None
        t_base = None
        for name, kw in modes:
            store = Path(tmp) / f"store-{modes.index((name, kw))}"
            t0 = time.perf_counter()
            rep = build([Path(tmp) / "docs"], store, a.embedder, **kw)
            dt = time.perf_counter() - t0
            snap = snapshot(store, queries)
            if base is None:
                base, t_base = snap, dt
            same = "yes" if snap == base else "NO"
            print(f"| {name} | {dt:.1f} | {t_base / dt:.2f}x | {rep.added_documents} | {rep.pairs_added} | {same} |",
                  flush=True)


if __name__ == "__main__":
    main()
