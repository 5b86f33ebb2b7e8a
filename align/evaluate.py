"""Strict and lax precision, recall and F1 of sentence alignments.

The definitions are those of the vecalign scorer, which bertalign reuses
(Sennrich & Volk 2011 via Thompson & Koehn 2019):

* a document's gold and predicted beads become sets; beads empty on both
  sides are dropped;
* precision looks at every predicted bead, insertions and deletions
  included: strict when the identical bead is in the gold, lax when some of
  its target sentences are linked in the gold to some of its source
  sentences;
* recall does the same the other way round, after removing beads with an
  empty side from both gold and prediction;
* counts are summed over documents (micro average) before P, R and F1.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import regex

from .errors import FormatError

BeadT = tuple[tuple[int, ...], tuple[int, ...]]
_BEAD = regex.compile(r"^\[([0-9,\s]*)\]\s*:\s*\[([0-9,\s]*)\]$")


def parse_beads(lines: Iterable[str], name: str = "<input>") -> list[BeadT]:
    out = []
    for n, line in enumerate(lines, 1):
        line = line.strip().lstrip("\ufeff")
        if not line:
            continue
        m = _BEAD.match(line)
        if not m:
            raise FormatError(f"{name}:{n}: cannot read bead {line[:60]!r}; expected a line like [0, 1]:[2]")
        out.append((tuple(int(x) for x in m.group(1).split(",") if x.strip()),
                    tuple(int(x) for x in m.group(2).split(",") if x.strip())))
    return out


def format_bead(src: Sequence[int], tgt: Sequence[int]) -> str:
    return f"[{', '.join(map(str, src))}]:[{', '.join(map(str, tgt))}]"


@dataclass(frozen=True, slots=True)
class Counts:
    """Precision counts (strict tp, fp; lax tp, fp) and recall counts (same order)."""

    p: tuple[int, int, int, int] = (0, 0, 0, 0)
    r: tuple[int, int, int, int] = (0, 0, 0, 0)

    def __add__(self, o: Counts) -> Counts:
        return Counts(tuple(a + b for a, b in zip(self.p, o.p)), tuple(a + b for a, b in zip(self.r, o.r)))


@dataclass(frozen=True, slots=True)
class Scores:
    """Strict and lax precision, recall and F1 of predicted beads (vecalign's definitions)."""
    p_strict: float
    r_strict: float
    f_strict: float
    p_lax: float
    r_lax: float
    f_lax: float


def _count(reference: Iterable[BeadT], hypothesis: Iterable[BeadT]) -> tuple[int, int, int, int]:
    """Strict true and false positives of ``hypothesis`` (a bead is right when it is in ``reference``) and lax
    ones (right when one of its source sentences is linked by ``reference`` to one of its target sentences)."""
    ref = {b for b in reference if b[0] or b[1]}
    hyp = {b for b in hypothesis if b[0] or b[1]}
    linked: dict[int, set[int]] = defaultdict(set)
    for s, t in ref:
        for i in s:
            linked[i].update(t)
    stp = sfp = ltp = lfp = 0
    for s, t in hyp:
        if (s, t) in ref:
            stp += 1
            ltp += 1
            continue
        sfp += 1
        reach: set[int] = set()
        for i in s:
            reach |= linked.get(i, set())
        if reach.intersection(t):
            ltp += 1
        else:
            lfp += 1
    return stp, sfp, ltp, lfp


def count(gold: Sequence[BeadT], pred: Sequence[BeadT]) -> Counts:
    g = [b for b in gold if b[0] and b[1]]
    p = [b for b in pred if b[0] and b[1]]
    return Counts(_count(gold, pred), _count(p, g))


def _div(a: float, b: float) -> float:
    return a / b if b else 0.0


def scores(c: Counts) -> Scores:
    ps, pl = _div(c.p[0], c.p[0] + c.p[1]), _div(c.p[2], c.p[2] + c.p[3])
    rs, rl = _div(c.r[0], c.r[0] + c.r[1]), _div(c.r[2], c.r[2] + c.r[3])
    return Scores(ps, rs, _div(2 * ps * rs, ps + rs), pl, rl, _div(2 * pl * rl, pl + rl))
