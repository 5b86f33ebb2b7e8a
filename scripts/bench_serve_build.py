"""A build beside a running server: does the build slow down, and does the server keep answering?

    python scripts/bench_serve_build.py [--docs 40] [--rounds 3] [--busy]

The served store is the demo store (``make demo``: the bundled UDHR samples). The build adds ``--docs``
real documents of ../shared/data/unpc-dev (as scripts/bench_build.py writes them) to a copy of it, once
alone and once while ``tmbuild serve`` serves that copy and a client searches it without pause (a concordance
query, then a semantic one, in turn). Rounds alternate the two, so both see the same machine; the script prints
the build times, their ratio (median of the rounds) and the search latencies during the builds (median, p99,
max). ``--busy``: another program keeps one core busy throughout, as on a user's machine.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchkit import busy_core, machine, rounds_parser  # noqa: E402

CMD = [sys.executable, "-m", "corpus"]
QUERIES = ["人权", "human rights", "人人有权享有生命、自由和人身安全", "freedom of expression", "联合国", "torture"]


def build(docs: Path, store: Path) -> float:
    start = time.perf_counter()
    r = subprocess.run([*CMD, "build", str(docs), "--store", str(store), "--no-progress"], capture_output=True,
                       text=True, cwd=ROOT)
    if r.returncode:
        sys.exit(f"build failed: {r.stderr}")
    return time.perf_counter() - start


def beside_server(docs: Path, store: Path) -> tuple[float, list[float]]:
    server = subprocess.Popen([*CMD, "serve", "--store", str(store), "--port", "0", "--no-token"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        line = server.stdout.readline()
        if not line.startswith("tmbuild serve: http://"):
            sys.exit(f"serve did not start: {line}{server.stderr.read()}")
        url = line.split()[2].rstrip("/")
        latencies: list[float] = []
        stop = threading.Event()

        def client() -> None:
            k = 0
            while not stop.is_set():
                q = QUERIES[k % len(QUERIES)]
                mode = "semantic" if k % 2 else "auto"
                start = time.perf_counter()
                with urllib.request.urlopen(f"{url}/api/search?q={urllib.parse.quote(q)}&mode={mode}",
                                            timeout=60) as r:
                    json.loads(r.read())
                latencies.append(time.perf_counter() - start)
                k += 1

        for q in QUERIES:  # warm: the first answers load the model and the pages' files
            urllib.request.urlopen(f"{url}/api/search?q={urllib.parse.quote(q)}", timeout=60).read()
        t = threading.Thread(target=client, daemon=True)
        t.start()
        took = build(docs, store)
        stop.set()
        t.join(timeout=60)
        return took, latencies
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    a = rounds_parser(__doc__.splitlines()[0], 40).parse_args()
    from bench_build import corpus

    with busy_core(a.busy):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            demo = tmp / "demo"
            r = subprocess.run([*CMD, "build", str(ROOT / "samples"), "--store", str(demo), "--no-progress"],
                               capture_output=True, text=True, cwd=ROOT)
            if r.returncode:
                sys.exit(r.stderr)
            docs = tmp / "docs"
            corpus(docs, a.docs, 0)
            for f in ("cmn_hans.html", "cmn_hant.html", "eng.html"):
                (docs / f).unlink()  # already in the demo store
            alone, beside, lat = [], [], []
            for k in range(a.rounds):
                for mode in (("alone", "beside") if k % 2 == 0 else ("beside", "alone")):
                    store = tmp / f"store-{k}-{mode}"
                    shutil.copytree(demo, store)
                    if mode == "alone":
                        alone.append(build(docs, store))
                    else:
                        took, ms = beside_server(docs, store)
                        beside.append(took)
                        lat += ms
                    shutil.rmtree(store)
    lat_ms = sorted(x * 1000 for x in lat)
    p99 = lat_ms[min(len(lat_ms) - 1, int(0.99 * len(lat_ms)))]
    print(machine(a.busy))
    print(f"build of {a.docs} unpc-dev documents into the demo store, {a.rounds} rounds")
    print(f"  alone:        {', '.join(f'{x:.1f}' for x in alone)} s")
    print(f"  beside serve: {', '.join(f'{x:.1f}' for x in beside)} s")
    print(f"  ratio (median beside / median alone): {statistics.median(beside) / statistics.median(alone):.2f}")
    print(f"  searches during the builds: {len(lat_ms)}, median {statistics.median(lat_ms):.1f} ms, "
          f"p99 {p99:.1f} ms, max {lat_ms[-1]:.1f} ms")


if __name__ == "__main__":
    main()
