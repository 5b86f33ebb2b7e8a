"""The gold-aligned document sets the aligner is chosen and checked on.

Each set is a list of :class:`GoldDoc` (sentences of both sides, languages,
gold beads). Sets whose data is missing (../shared not beside the checkout)
are left out with a note on stderr.

- ``text-berg``: 7 German-French documents of free human translation
  (../shared/data/text-berg), the benchmark of vecalign and bertalign.
- ``un`` / ``hard`` / ``lit-shape``: synthetic UN documents from real
  unpc-dev sentence pairs (scripts/devset.py), seed chosen by the caller.
- ``udhr``: the Universal Declaration, Simplified Chinese against English,
  segmented by tmbuild, gold beads checked by hand (scripts/udhr.gold,
  indices only).
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from pathlib import Path

from devset import load_pairs

from align.evaluate import BeadT, parse_beads
from align.model import Segment
from align.synthetic import Perturbation, perturb

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared"

FLAVOURS = {
    "un": Perturbation(),
    "hard": Perturbation(join_src=0.16, join_tgt=0.10, join_three=0.35, drop_src=0.06, drop_tgt=0.06),
    # the bead shapes of the held-out literary set (62% 1-1, 21% 1-2, 6.5% 1-3, 4% 2-1), with UN sentences
    "lit-shape": Perturbation(join_src=0.275, join_three=0.236, join_tgt=0.04, drop_src=0.02, drop_tgt=0.02),
}


@dataclass(frozen=True)
class GoldDoc:
    name: str
    src: tuple[Segment, ...]
    tgt: tuple[Segment, ...]
    src_lang: str
    tgt_lang: str
    gold: tuple[BeadT, ...]


def text_berg(root: Path = SHARED / "data" / "text-berg") -> list[GoldDoc]:
    out = []
    for gold in sorted(root.glob("*.gold")):
        de = gold.with_suffix(".de").read_text(encoding="utf-8").splitlines()
        fr = gold.with_suffix(".fr").read_text(encoding="utf-8").splitlines()
        beads = parse_beads(gold.read_text(encoding="utf-8").splitlines(), str(gold))
        out.append(GoldDoc(gold.stem, tuple(Segment(t) for t in de), tuple(Segment(t) for t in fr), "de", "fr",
                           tuple(beads)))
    return out


def synthetic(flavour: str, seed: int, docs: int = 30, size: int = 60,
              unpc: Path = SHARED / "data" / "unpc-dev") -> list[GoldDoc]:
    pairs = load_pairs(unpc)
    rng = random.Random(seed)
    out = []
    for d in range(docs):
        chunk = pairs[d * size:(d + 1) * size]
        if len(chunk) < size // 2:
            break
        syn = perturb(chunk, rng, FLAVOURS[flavour])
        out.append(GoldDoc(f"unpc{d:03d}", tuple(Segment(t) for t in syn.src), tuple(Segment(t) for t in syn.tgt),
                           "zh", "en", syn.gold))
    return out


def udhr(root: Path = SHARED / "data" / "udhr", gold: Path = HERE / "udhr.gold") -> list[GoldDoc]:
    from corpus.pipeline import load_segments

    src, _, _ = load_segments(root / "cmn_hans.html", False, None)
    tgt, _, _ = load_segments(root / "eng.html", False, None)
    beads = parse_beads(gold.read_text(encoding="utf-8").splitlines(), str(gold))
    ns = sum(len(s) for s, _ in beads)
    nt = sum(len(t) for _, t in beads)
    if (ns, nt) != (len(src), len(tgt)):
        raise SystemExit(f"{gold}: written for {ns} and {nt} sentences, the segmenter now gives "
                         f"{len(src)} and {len(tgt)}; check the gold again by hand")
    return [GoldDoc("udhr", tuple(src), tuple(tgt), "zh", "en", tuple(beads))]


def load(name: str, seed: int = 2, docs: int = 30) -> list[GoldDoc]:
    """One set by name; [] (with a note) when its data is not there."""
    try:
        if name == "text-berg":
            return text_berg()
        if name == "udhr":
            return udhr()
        return synthetic(name, seed, docs)
    except FileNotFoundError as e:
        print(f"note: set {name} left out: {e}", file=sys.stderr)
        return []


SETS = ("text-berg", "un", "hard", "lit-shape", "udhr")
