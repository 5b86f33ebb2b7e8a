"""The bead model of a document pair: the log-weight of every bead of the lattice, and the search for the
best path and for each bead's posterior. Values in, values out: a model is fitted from a lattice (first from
mutual best partners, then from a search's beads) and nothing is changed in passing, so each piece can be
tested on its own."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from .dp import dp, path_posteriors
from .features import length_ratio
from .lattice import Lattice, Side

if TYPE_CHECKING:
    from .aligner import AlignConfig

_NULL_SAMPLES = 2000
_LENGTH_SPREAD_FIRST, _LENGTH_SPREAD_MIN = 0.3, 0.1
_NULL_DEFAULT = (0.05, 0.12)  # use-m3's similarity of unrelated sentence pairs, for documents of a few sentences
_MIN_GAP = 0.1  # least gap between matched and unrelated similarity the model assumes

# Similarity of translated and of unrelated sentences (median, spread) per built-in embedder, measured on 300
# unpc-dev pairs against the same sentences shifted: the fixed model of ``AlignConfig.reference``.
REFERENCE: dict[str, tuple[float, float, float, float]] = {
    "use-m3": (0.739, 0.087, 0.022, 0.067),
    "me5-small": (0.877, 0.019, 0.775, 0.023),
}

# Temperature of the confidence per embedder: the least log-loss of predicted beads over Text+Berg and the
# synthetic UN sets of seed 1 (scripts/calibrate.py; checked on seed 2 and the UDHR, docs/aligner.md#confidence).
# The ensemble's is clearly higher (mean log-loss 0.086 at 4, 0.098 at 2.5); me5-small's best, 3, is within 0.3%
# of 2.5, and other embedders (sentence-transformers models) cannot be fitted here: they get use-m3's.
TEMPERATURE: dict[str, float] = {"use-m3": 2.5, "use-m3+me5-small": 4.0}

# Bead shapes before any document is seen (the first pass's prior, and the pseudo-counts the re-estimate
# starts from): mostly 1-1, merges of two sentences on either side common, insertions and deletions rare.
# Shapes not listed share OTHER_SHAPES.
SHAPE_PRIOR: dict[tuple[int, int], float] = {
    (1, 1): 0.80, (1, 2): 0.06, (2, 1): 0.06, (1, 0): 0.002, (0, 1): 0.002,
    (2, 2): 0.01, (1, 3): 0.015, (3, 1): 0.015,
}
OTHER_SHAPES = 0.01


@dataclass(frozen=True)
class Model:
    """What a document pair's search is scored with: the similarity log-odds and the shape prior."""

    beta: float  # log-odds per unit of cosine
    c0: dict[tuple[int, int], float]  # per shape: the cosine where a bead is as likely a match as not
    length: tuple[float, float]  # median and spread of the length log ratio of matched windows
    length_null: dict[tuple[int, int], tuple[float, float]]  # the same for unrelated windows, per shape
    log_prior: dict[tuple[int, int], float]  # per shape
    # per shape, median and spread of unrelated window pairs' similarity (:func:`null_statistics`)
    null: dict[tuple[int, int], tuple[float, float]] = field(default_factory=dict)


def null_statistics(S: Side, T: Side, L: Lattice) -> tuple[dict, dict]:
    """Median and spread of the similarity and of the length ratio of unrelated window pairs, per shape.

    Random windows of the document pair, away from its diagonal (where its translations are).
    """
    n, m = len(S.texts), len(T.texts)
    rng = np.random.default_rng(n * 100_003 + m)
    out, length = {}, {}
    for a, b in L.sims:
        if n < a or m < b:
            continue
        ii = rng.integers(a, n + 1, _NULL_SAMPLES)
        jj = rng.integers(b, m + 1, _NULL_SAMPLES)
        far = np.abs((ii - a / 2) / n - (jj - b / 2) / m) > max(4.0 / min(n, m), 0.05)
        if far.sum() < 30:
            # a short document: any pair of windows that misses the diagonal by a sentence or more
            lo_j, hi_j = (ii - a) * m / n - 1, ii * m / n + 1
            far = (jj <= lo_j) | (jj - b >= hi_j)
        if far.sum() < 10:  # too short to tell: what unrelated sentences score with most embedders
            out[(a, b)], length[(a, b)] = _NULL_DEFAULT, (0.0, 1.0)
            continue
        ii, jj = ii[far], jj[far]
        v = np.einsum("rd,rd->r", S.windows[a][ii], T.windows[b][jj]).astype(np.float64)
        # a few distinct pairs say little (and in a short text may still be partial translations)
        out[(a, b)] = robust(v) if len(set(zip(ii.tolist(), jj.tolist()))) >= 30 else _NULL_DEFAULT
        r = length_ratio(S.length[ii] - S.length[ii - a], T.length[jj] - T.length[jj - b], L.ratio)
        length[(a, b)] = robust(r)
    return out, length


def first_model(S: Side, T: Side, L: Lattice, config: AlignConfig) -> Model:
    """Matched similarity from mutual best 1-1 partners (each the other's most similar), priors by default;
    the unrelated pairs' statistics measured on the documents (:func:`null_statistics`)."""
    cols = L.lo[:, None] + np.arange(L.W)[None, :]
    near_lo, near_W = L.near if L.near is not None else (L.lo, L.W)
    inside = (cols >= near_lo[:, None]) & (cols < near_lo[:, None] + near_W)
    s11 = np.where(L.valid[(1, 1)] & inside, L.sims[(1, 1)], -np.inf)
    rows = np.arange(1, len(S.texts) + 1)
    ks = s11[1:].argmax(axis=1)
    col_rows, col_ks = col_argmax(s11, L.lo, L.W, len(T.texts))
    best_row_of_col = dict(zip((L.lo[col_rows] + col_ks).tolist(), col_rows.tolist()))
    mutual = np.array([best_row_of_col.get(int(L.lo[i] + k)) == i for i, k in zip(rows, ks)], dtype=bool)
    ii, kk = np.concatenate([rows, col_rows]), np.concatenate([ks, col_ks])
    # the centre from mutual partners (rarely wrong); the spread from every best partner (a first look
    # should not be sure of itself)
    centre = float(np.median(L.sims[(1, 1)][rows[mutual], ks[mutual]])) if mutual.sum() >= 3 else None
    null, null_length = null_statistics(S, T, L)
    return fit(L, ii, kk, default_prior(L.shapes), config, null, null_length, refit=False, centre=centre)


def refit(L: Lattice, steps, config: AlignConfig, previous: Model) -> Model:
    """The model re-estimated from a search's beads (its 1-1 similarities and its shape counts), with the
    unrelated pairs' statistics of ``previous``."""
    kappa = config.prior_strength
    p0 = default_prior(L.shapes)
    counts = dict.fromkeys(L.shapes, 0.0)
    ii, kk = [], []
    for (a, b), i, j in steps:
        counts[(a, b)] += 1
        if (a, b) == (1, 1):
            ii.append(i)
            kk.append(j - L.lo[i])
    total = sum(counts.values()) + kappa
    prior = {s: (counts[s] + kappa * p0[s]) / total for s in L.shapes}
    return fit(L, np.asarray(ii, dtype=np.int64), np.asarray(kk, dtype=np.int64), prior, config, previous.null,
               previous.length_null)


def fit(L: Lattice, ii: NDArray[np.int64], kk: NDArray[np.int64], prior: dict[tuple[int, int], float],
        config: AlignConfig, null: dict, null_length: dict, refit: bool = True,
        centre: float | None = None) -> Model:
    """The model whose matched pairs are the 1-1 band cells ``(ii, kk)``, against unrelated pairs' ``null``
    and ``null_length`` statistics."""
    matched, lengths = L.sims[(1, 1)][ii, kk], L.lenr[(1, 1)][ii, kk]
    measured = null
    if config.reference is not None:
        mu1, sd1, mu0, sd0 = config.reference
        null = {s: (mu0, sd0) for s in null}
    else:
        mu0, sd0 = null.get((1, 1), (0.0, 0.1))
        if len(matched) >= 3:
            mu1, sd1 = robust(matched)
            mu1 = mu1 if centre is None else centre
        else:
            mu1, sd1 = mu0 + 0.5, 0.1
    mu1 = max(mu1, mu0 + _MIN_GAP)
    beta = config.sim_weight * (mu1 - mu0) / ((sd0 * sd0 + sd1 * sd1) / 2.0)
    c0 = {s: (mu1 + null.get(s, (mu0, sd0))[0]) / 2.0 for s in config.shapes() if s[0] and s[1]}
    if config.skip_prior is not None:
        prior = dict(prior)
        prior[(1, 0)] = prior[(0, 1)] = config.skip_prior
    # matched windows' length ratio is centred on 0 (the expected count comes from the documents' own ratio);
    # its spread comes from a search's 1-1 beads (the best partners of a first look may be partial)
    length = (0.0, max(robust(lengths)[1], _LENGTH_SPREAD_MIN) if refit and len(lengths) >= 3 else
              _LENGTH_SPREAD_FIRST)
    return Model(float(beta), c0, length, null_length, {s: math.log(max(p, 1e-12)) for s, p in prior.items()},
                 measured)


def bead_scores(L: Lattice, model: Model, config: AlignConfig, temperature: float = 1.0
                ) -> list[NDArray[np.float32]]:
    """Log-weight of every bead in the band, per shape (``-inf`` outside the lattice), in float32."""
    out = []
    for s in L.shapes:
        if s in L.sims:
            v = (model.log_prior[s] + config.bead_reward
                 + model.beta * (L.sims[s] - model.c0[s] + L.extra[s]))
            if config.length_weight:
                v = v + config.length_weight * gauss_llr(L.lenr[s], model.length,
                                                         model.length_null.get(s, (0.0, 1.0)))
        else:
            v = np.full(L.valid[s].shape, model.log_prior[s], dtype=np.float32)
        out.append(np.where(L.valid[s], v / temperature, -np.inf))
    return out


def search(L: Lattice, model: Model, config: AlignConfig, n: int, m: int):
    """The best path (Viterbi) under ``model``: its steps ``((a, b), i, j)``."""
    costs = bead_scores(L, model, config)
    for c in costs:
        np.negative(c, out=c)
    return dp(costs, list(L.shapes), L.lo, L.W, n, m)


def confidences(L: Lattice, model: Model, config: AlignConfig, temperature: float, n: int, m: int,
                steps) -> list[float]:
    """Log posterior probability of each bead of ``steps`` at ``temperature``."""
    return path_posteriors(bead_scores(L, model, config, temperature), list(L.shapes), L.lo, L.W, n, m, steps)


def uncertain(steps, post: list[float], n: int, m: int, radius: int = 1) -> tuple[NDArray, NDArray]:
    """Sentences within ``radius`` of a bead that is not a 1-1 with posterior >= 0.5."""
    us = np.zeros(n, dtype=bool)
    ut = np.zeros(m, dtype=bool)
    for ((a, b), i, j), logp in zip(steps, post):
        if (a, b) == (1, 1) and logp >= math.log(0.5):
            continue
        us[max(0, i - a - radius):min(n, i + radius)] = True
        ut[max(0, j - b - radius):min(m, j + radius)] = True
    return us, ut


def robust(v: NDArray[np.float64]) -> tuple[float, float]:
    """Median and a spread from the median absolute deviation (floored: a few equal values say little)."""
    med = float(np.median(v))
    return med, max(1.4826 * float(np.median(np.abs(v - med))), 0.03)


def default_prior(shapes: Sequence[tuple[int, int]]) -> dict[tuple[int, int], float]:
    """:data:`SHAPE_PRIOR` over ``shapes``, normalised."""
    p = {s: SHAPE_PRIOR.get(s, OTHER_SHAPES) for s in shapes}
    z = sum(p.values())
    return {s: v / z for s, v in p.items()}


def col_argmax(s: NDArray[np.float64], lo: NDArray[np.int64], W: int, m: int) -> tuple[NDArray, NDArray]:
    """Band cells (row, offset) holding the largest finite value of each target column 1..m (rows >= 1)."""
    rows = np.broadcast_to(np.arange(len(lo))[:, None], s.shape).ravel()
    offs = np.broadcast_to(np.arange(W)[None, :], s.shape).ravel()
    cols = (lo[:, None] + np.arange(W)[None, :]).ravel()
    vals = s.ravel()
    ok = np.isfinite(vals) & (cols >= 1) & (cols <= m) & (rows >= 1)
    rows, offs, cols, vals = rows[ok], offs[ok], cols[ok], vals[ok]
    order = np.lexsort((-vals, cols))
    first = np.concatenate([[True], cols[order][1:] != cols[order][:-1]])
    pick = order[first]
    return rows[pick], offs[pick]


def gauss_llr(x: NDArray, match: tuple[float, float], null: tuple[float, float]) -> NDArray[np.float64]:
    """log N(x; match) - log N(x; null), the null's spread floored to twice the matched one: a concave
    log-odds, highest at the matched centre, that never rewards a window pair for being far from the null's."""
    (m1, s1), (m0, s0) = match, null
    s0 = max(s0, 2.0 * s1, 0.3)
    return -0.5 * ((x - m1) / s1) ** 2 - math.log(s1) + 0.5 * ((x - m0) / s0) ** 2 + math.log(s0)
