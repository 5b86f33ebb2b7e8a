"""Harder alignment cases made from real 1-1 sentence pairs, with exact gold.

Starting from pairs ``(zh_k, en_k)`` in document order, neighbouring
sentences are joined on one side (so one Chinese sentence faces two or three
English ones, or the reverse) and single sentences are dropped on one side
(an insertion or a deletion). The gold beads follow from the construction.
Text is never invented: joined sentences are the real sentences, joined the
way the language writes them.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from .evaluate import BeadT
from .model import join_segments


@dataclass(frozen=True, slots=True)
class Perturbation:
    """How a synthetic test pair departs from 1-1: the rates of joined and dropped sentences."""
    join_src: float = 0.08  # one source sentence made of 2 (or 3) originals -> 1-2 / 1-3
    join_tgt: float = 0.05  # one target sentence made of 2 originals -> 2-1
    join_three: float = 0.25  # share of source joins that take three sentences
    drop_src: float = 0.03  # source sentence dropped -> target insertion
    drop_tgt: float = 0.03  # target sentence dropped -> source deletion


@dataclass(frozen=True, slots=True)
class Synthetic:
    """A synthetic document pair and its gold beads."""
    src: tuple[str, ...]
    tgt: tuple[str, ...]
    gold: tuple[BeadT, ...]


def perturb(pairs: Sequence[tuple[str, str]], rng: random.Random, p: Perturbation = Perturbation(),
            src_lang: str = "zh", tgt_lang: str = "en") -> Synthetic:
    """Return sentences of both sides and the gold beads.

    The source side of a 1-n bead is the join of n real source sentences, and
    its target side their n real translations, so the gold is exact.
    """
    src: list[str] = []
    tgt: list[str] = []
    gold: list[BeadT] = []
    k = 0
    n = len(pairs)
    while k < n:
        r = rng.random()
        if r < p.join_src and k + 1 < n:
            size = 3 if (rng.random() < p.join_three and k + 2 < n) else 2
            group = pairs[k:k + size]
            src.append(join_segments([z for z, _ in group], src_lang))
            j0 = len(tgt)
            tgt.extend(e for _, e in group)
            gold.append(((len(src) - 1,), tuple(range(j0, len(tgt)))))
            k += size
            continue
        r -= p.join_src
        if r < p.join_tgt and k + 1 < n:
            group = pairs[k:k + 2]
            i0 = len(src)
            src.extend(z for z, _ in group)
            tgt.append(join_segments([e for _, e in group], tgt_lang))
            gold.append((tuple(range(i0, len(src))), (len(tgt) - 1,)))
            k += 2
            continue
        r -= p.join_tgt
        z, e = pairs[k]
        k += 1
        if r < p.drop_src:
            tgt.append(e)
            gold.append(((), (len(tgt) - 1,)))
            continue
        r -= p.drop_src
        if r < p.drop_tgt:
            src.append(z)
            gold.append(((len(src) - 1,), ()))
            continue
        src.append(z)
        tgt.append(e)
        gold.append(((len(src) - 1,), (len(tgt) - 1,)))
    return Synthetic(tuple(src), tuple(tgt), tuple(gold))
