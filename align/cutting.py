"""Paths from sentence vectors alone: the cheap first path whose band the search runs in, and where to cut
a long document pair into pieces aligned one by one (memory stays that of a piece)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from .dp import band_around, dp, fits, full_band
from .lattice import band_sims, window_sum_vectors


def approx_path(X: NDArray[np.float32], Y: NDArray[np.float32], band: int, full_cells: int
                ) -> list[tuple[int, int]]:
    """Nodes of a cheap 1-1/1-2/2-1 path through sentence vectors ``X`` and ``Y``, by recursive coarsening
    for inputs of more than ``full_cells`` sentence pairs (each level searched in a band of ``band``
    sentences around the coarser level's path)."""
    n, m = len(X), len(Y)
    if n * m <= full_cells or min(n, m) < 8:
        lo, W = full_band(n, m)
    else:
        coarse = approx_path(block_mean(X, 2), block_mean(Y, 2), band, full_cells)
        nodes = [(min(2 * i, n), min(2 * j, m)) for i, j in coarse]
        lo, W = band_around(nodes, n, m, max(band, 4))
    shapes = [(1, 0), (0, 1), (1, 1), (1, 2), (2, 1)]
    Xw = {1: np.vstack([np.zeros((1, X.shape[1]), np.float32), X]), 2: window_sum_vectors(X, 2)}
    Yw = {1: np.vstack([np.zeros((1, Y.shape[1]), np.float32), Y]), 2: window_sum_vectors(Y, 2)}
    costs = []
    for a, b in shapes:
        if a == 0 or b == 0:
            c = np.full((n + 1, W), 0.3)  # a skipped sentence costs like a poor match
        else:
            sim = band_sims(Xw[a], Yw[b], lo, W).astype(np.float64)
            c = -sim * (1.0 + 0.3 * (a + b - 2)) + 0.05 * (a + b - 2) + 0.3
        c = np.where(fits(lo, W, m, a, b), c, np.inf)
        costs.append(c)
    steps = dp(costs, shapes, lo, W, n, m)
    return [(0, 0)] + [(i, j) for _, i, j in steps]


def cut_points(X: NDArray[np.float32], Y: NDArray[np.float32], block: int, band: int, full_cells: int
               ) -> list[tuple[int, int]]:
    """Where to cut a long document pair into pieces of about ``block`` sentences, each aligned on its own:
    a path over 8-sentence blocks says roughly where each cut falls; a path over the sentences around that
    place (half a block wide) gives the exact node, between two sure 1-1 beads (:func:`sure_cut`). From
    (0, 0) to (n, m)."""
    n, m = len(X), len(Y)
    f = 8
    rough = [(min(f * i, n), min(f * j, m))
             for i, j in approx_path(block_mean(X, f), block_mean(Y, f), band, full_cells)]
    long_src = n >= m
    cuts = [(0, 0)]
    for target in range(block, max(n, m) - block // 2, block):
        lo, hi = target - block // 4, target + block // 4
        near = [(i, j) for i, j in rough if lo - f <= (i if long_src else j) <= hi + f]
        if not near:
            continue
        i0, j0 = max(near[0][0] - 4 * f, cuts[-1][0]), max(near[0][1] - 4 * f, cuts[-1][1])
        i1, j1 = min(near[-1][0] + 4 * f, n), min(near[-1][1] + 4 * f, m)
        if i1 - i0 < 2 or j1 - j0 < 2:
            continue
        local = [(i + i0, j + j0) for i, j in approx_path(X[i0:i1], Y[j0:j1], band, full_cells)]
        cut = sure_cut(local, X, Y, lo, hi, cuts[-1])
        if cut is not None:
            cuts.append(cut)
    cuts.append((n, m))
    return cuts


def sure_cut(nodes: Sequence[tuple[int, int]], X: NDArray[np.float32], Y: NDArray[np.float32], lo: int, hi: int,
              after: tuple[int, int]) -> tuple[int, int] | None:
    """The node of ``nodes`` (a path through ``X`` and ``Y``) to cut at: between two consecutive 1-1 steps whose
    sentences are each other's most similar within 3 sentences, its position on the longer side within
    [lo, hi] and past ``after`` on both; of those, the one whose weaker step is most similar. None if none."""
    long_src = len(X) >= len(Y)
    best, best_how = None, -np.inf
    for k in range(1, len(nodes) - 1):
        (ia, ja), (i, j), (ib, jb) = nodes[k - 1], nodes[k], nodes[k + 1]
        if not lo <= (i if long_src else j) <= hi or i <= after[0] or j <= after[1]:
            continue
        if (i - ia, j - ja) != (1, 1) or (ib - i, jb - j) != (1, 1) or i >= len(X) or j >= len(Y):
            continue
        how = np.inf
        for r, c in ((i - 1, j - 1), (i, j)):
            r0, c0 = max(r - 3, 0), max(c - 3, 0)
            if (Y[c0:c + 4] @ X[r]).argmax() != c - c0 or (X[r0:r + 4] @ Y[c]).argmax() != r - r0:
                how = -np.inf
                break
            how = min(how, float(X[r] @ Y[c]))
        if how > best_how:
            best, best_how = (i, j), how
    return best


def block_mean(X: NDArray[np.float32], f: int) -> NDArray[np.float32]:
    """Unit-length means of ``f`` consecutive rows of ``X`` (the last block padded with zeros)."""
    n = len(X)
    k = (n + f - 1) // f
    pad = np.zeros((k * f, X.shape[1]), np.float32)
    pad[:n] = X
    s = pad.reshape(k, f, -1).sum(axis=1)
    return (s / np.maximum(np.linalg.norm(s, axis=1, keepdims=True), 1e-12)).astype(np.float32)
