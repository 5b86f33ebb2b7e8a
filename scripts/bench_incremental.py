"""Adding one document pair to a large store, against aligning that pair alone.

    python scripts/bench_incremental.py [--docs 364] [--rounds 3] [--busy]

The corpus of scripts/bench_build.py (unpc-dev's real documents and the UDHR) is built into a store, less
one document pair held out. Each round copies the store, puts the held-out pair into the folder and times
``tmbuild build FOLDER`` on it, and times ``tmbuild align ZH EN -o x.tsv`` on the pair alone (both whole
commands, as a user runs them: start, model, work). The rounds alternate the two commands; the script prints
each time and the ratio of the medians. ``--busy``: another program keeps one core busy throughout.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchkit import busy_core, machine, rounds_parser  # noqa: E402

CMD = [sys.executable, "-m", "corpus"]


def timed(*args: str | Path) -> float:
    start = time.perf_counter()
    r = subprocess.run([*CMD, *map(str, args), "--no-progress"], capture_output=True, text=True, cwd=ROOT)
    if r.returncode:
        sys.exit(f"{args[0]} failed: {r.stderr}")
    return time.perf_counter() - start


def main() -> None:
    a = rounds_parser(__doc__.splitlines()[0], 364).parse_args()
    from bench_build import corpus

    with busy_core(a.busy):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            docs, held = tmp / "docs", tmp / "held"
            n = corpus(docs, a.docs, 0)
            held.mkdir()
            last = sorted(docs.glob("doc*_zh.txt"))[-1].name.removesuffix("_zh.txt")
            pair = [docs / f"{last}_zh.txt", docs / f"{last}_en.txt"]
            for f in pair:
                shutil.move(f, held / f.name)
            full = timed("build", docs, "--store", tmp / "store")
            added, alone = [], []
            for k in range(a.rounds):
                for what in (("add", "align") if k % 2 == 0 else ("align", "add")):
                    if what == "align":
                        alone.append(timed("align", held / pair[0].name, held / pair[1].name, "-o", tmp / "x.tsv"))
                        continue
                    store = tmp / f"store-{k}"
                    shutil.copytree(tmp / "store", store)
                    for f in held.iterdir():
                        shutil.copy(f, docs / f.name)
                    added.append(timed("build", docs, "--store", store))
                    for f in held.iterdir():
                        (docs / f.name).unlink()
                    shutil.rmtree(store)
    print(machine(a.busy))
    print(f"store of {n - 1} document pairs (built from scratch in {full:.1f} s); one pair ({last}) added")
    print(f"  build with the pair added: {', '.join(f'{x:.1f}' for x in added)} s")
    print(f"  align of the pair alone:   {', '.join(f'{x:.1f}' for x in alone)} s")
    print(f"  ratio (median build / median align): {statistics.median(added) / statistics.median(alone):.2f}")


if __name__ == "__main__":
    main()
