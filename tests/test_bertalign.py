"""The bertalign engine (PyPI bertalign 2.x, Python >= 3.12 and torch), run where it installs.

`make test-bertalign` builds a Python 3.12 environment with the ``bertalign``
extra and runs these; under Python 3.11 (`make test`) they are skipped and
test_cli checks that asking for the engine explains what it needs.
"""

import json
import random

import pytest
from conftest import TableEmbedder, shared

from align.evaluate import count, parse_beads, scores
from align.model import Segment
from align.synthetic import Perturbation, perturb

pytest.importorskip("bertalign", reason="bertalign needs Python >= 3.12: make test-bertalign")

from align.engines.bertalign_engine import align_with_bertalign  # noqa: E402

pytestmark = pytest.mark.bertalign


def test_bertalign_recovers_known_beads_with_our_vectors():
    pairs = [(f"k{i}", f"k{i}") for i in range(40)]
    syn = perturb(pairs, random.Random(3), Perturbation(join_src=0.12, join_tgt=0.08), src_lang="en", tgt_lang="en")
    a = align_with_bertalign([Segment(t) for t in syn.src], [Segment(t) for t in syn.tgt], TableEmbedder(),
                             src_lang="en", tgt_lang="en")
    assert [i for b in a.beads for i in b.src] == list(range(len(syn.src)))
    assert [j for b in a.beads for j in b.tgt] == list(range(len(syn.tgt)))
    assert all(0.0 <= b.score <= 1.0 for b in a.beads)
    assert scores(count(list(syn.gold), [(b.src, b.tgt) for b in a.beads])).f_strict > 0.9
    assert a.method.startswith("bertalign ") and "embedder=table" in a.method


@pytest.mark.slow
def test_bertalign_engine_from_the_cli(tmp_path):
    """A Text+Berg document through `tmbuild align --engine bertalign`, as a user of Python 3.12 would run it."""
    from test_cli import run

    d = shared("data", "text-berg")
    r = run("align", "--presplit", "--engine", "bertalign", "--src-lang", "de", "--tgt-lang", "fr",
            "--format", "jsonl", d / "001.de", d / "001.fr", "-o", tmp_path / "out.jsonl")
    assert r.returncode == 0, r.stderr
    recs = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    gold = set(parse_beads((d / "001.gold").read_text(encoding="utf-8").splitlines(), "001.gold"))
    right = sum((tuple(r["src_ids"]), tuple(r["tgt_ids"])) in gold for r in recs)
    assert right / len(recs) > 0.8
