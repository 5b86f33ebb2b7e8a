"""Dynamic programming over a band: the pure core of the aligner.

The alignment lattice has a node ``(i, j)`` for "the first ``i`` source and
``j`` target sentences are aligned". A bead of shape ``(a, b)`` goes from
``(i - a, j - b)`` to ``(i, j)``. The band keeps, for every row ``i``, the
columns ``lo[i] .. lo[i] + W - 1``; ``cost[t][i, k]`` is the cost of a bead of
shape ``shapes[t]`` that ends at ``(i, lo[i] + k)`` (``inf`` where it is not
allowed). A full search is the band ``lo = 0, W = m + 1``.

Rows are filled with vector operations: for a bead with ``a > 0`` the
predecessors of row ``i`` are one shifted slice of row ``i - a``; the
``(0, b)`` beads run along the row and are solved with a prefix minimum
(``D[k] = min_l X[l] + S[k] - S[l]``, ``S`` the cumulative cost). Costs are
accumulated in float64. Nothing here modifies its inputs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

Shape = tuple[int, int]


def full_band(n: int, m: int) -> tuple[NDArray[np.int64], int]:
    return np.zeros(n + 1, dtype=np.int64), m + 1


def fits(lo: NDArray[np.int64], W: int, m: int, a: int, b: int) -> NDArray[np.bool_]:
    """(n + 1, W): where a bead of ``a`` source and ``b`` target sentences can end, at row ``i`` and column
    ``lo[i] + k`` of the band (it needs that many sentences before it on each side)."""
    rows = np.arange(len(lo))[:, None]
    cols = lo[:, None] + np.arange(W)[None, :]
    return (rows >= a) & (cols >= b) & (cols <= m)


def band_around(path: Sequence[tuple[int, int]], n: int, m: int, width: int) -> tuple[NDArray[np.int64], int]:
    """A band of ``width`` columns on each side of a monotone path of ``(i, j)`` nodes.

    Returns ``lo`` (n + 1,) and the uniform band width ``W``.
    """
    jmin = np.full(n + 1, m, dtype=np.int64)
    jmax = np.zeros(n + 1, dtype=np.int64)
    nodes = list(path)
    for (i0, j0), (i1, j1) in zip(nodes, nodes[1:] or nodes):
        # the rows a bead spans may use any column between its two ends
        jmin[i0:i1 + 1] = np.minimum(jmin[i0:i1 + 1], j0)
        jmax[i0:i1 + 1] = np.maximum(jmax[i0:i1 + 1], j1)
    # widen: each row covers its neighbours' ranges (monotone envelope) plus width
    lo_rows, hi_rows = jmin.copy(), jmax.copy()
    for d in range(1, width + 1):  # rows near a path node may use its columns too
        lo_rows[d:] = np.minimum(lo_rows[d:], jmin[:-d])
        lo_rows[:-d] = np.minimum(lo_rows[:-d], jmin[d:])
        hi_rows[d:] = np.maximum(hi_rows[d:], jmax[:-d])
        hi_rows[:-d] = np.maximum(hi_rows[:-d], jmax[d:])
    lo = np.minimum.accumulate(lo_rows[::-1])[::-1] - width
    hi = np.maximum.accumulate(hi_rows) + width
    lo = np.clip(lo, 0, m)
    hi = np.clip(hi, 0, m)
    W = int((hi - lo).max()) + 1
    lo = np.clip(lo, 0, max(m + 1 - W, 0))
    return lo.astype(np.int64), W


def dp(costs: Sequence[NDArray], shapes: Sequence[Shape], lo: NDArray[np.int64], W: int,
       n: int, m: int) -> list[tuple[Shape, int, int]]:
    """Least-cost path from ``(0, 0)`` to ``(n, m)``.

    Returns the beads in order as ``((a, b), i, j)``: shape and end node.
    Raises ValueError if the band does not connect the corners.
    """
    if len(costs) != len(shapes):
        raise ValueError("one cost array per bead shape")
    for c in costs:
        if c.shape != (n + 1, W):
            raise ValueError(f"cost array of shape {c.shape}, expected {(n + 1, W)}")
    if lo.shape != (n + 1,):
        raise ValueError(f"lo of shape {lo.shape}, expected {(n + 1,)}")
    if lo[0] != 0 or lo[n] + W <= m:
        raise ValueError("the band does not contain both corners")
    inf = np.inf
    D = np.full((n + 1, W), inf, dtype=np.float64)
    bp = np.full((n + 1, W), -1, dtype=np.int8)
    row_shapes = [(t, a, b) for t, (a, b) in enumerate(shapes) if a > 0]
    ins_shapes = [(t, b) for t, (a, b) in enumerate(shapes) if a == 0]
    if any(b != 1 for _, b in ins_shapes):
        raise ValueError("only (0, 1) insertions are supported")
    ins_t = ins_shapes[0][0] if ins_shapes else -1
    ks = np.arange(W)
    for i in range(n + 1):
        X = np.full(W, inf)
        arg = np.full(W, -1, dtype=np.int8)
        if i == 0:
            X[0 - lo[0]] = 0.0  # the start node (0, 0)
        for t, a, b in row_shapes:
            if i < a:
                continue
            shift = int(lo[i] - lo[i - a] - b)
            src = ks + shift
            ok = (src >= 0) & (src < W)
            if not ok.any():
                continue
            cand = np.full(W, inf)
            cand[ok] = D[i - a, src[ok]] + costs[t][i, ok]
            better = cand < X
            X[better] = cand[better]
            arg[better] = t
        if ins_t >= 0:
            S = _ins_prefix(costs[ins_t][i], 1e12)  # outside the lattice: never on a path to (n, m)
            M = X - S
            Mmin = np.minimum.accumulate(M)
            # an insertion wins where an earlier column's running minimum is strictly below this column's own
            # value: compared before S is added back, so rounding never invents an insertion
            via = np.concatenate([[False], Mmin[:-1] < M[1:]])
            arg[via] = ins_t
            X = np.where(via, Mmin + S, X)
        D[i] = X
        bp[i] = arg
    if not np.isfinite(D[n, m - lo[n]]):
        raise ValueError("no path through the band")
    out: list[tuple[Shape, int, int]] = []
    i, j = n, m
    while i > 0 or j > 0:
        t = int(bp[i, j - lo[i]])
        if t < 0:
            raise ValueError(f"broken back-pointer at {(i, j)}")
        a, b = shapes[t]
        out.append(((a, b), i, j))
        i, j = i - a, j - b
    out.reverse()
    return out


def reference_dp(cost_fn, shapes: Sequence[Shape], n: int, m: int) -> tuple[float, list[tuple[Shape, int, int]]]:
    """The plain O(n m) dynamic programme over the whole lattice, for tests.

    ``cost_fn(a, b, i, j)`` is the cost of the bead of shape ``(a, b)`` ending at ``(i, j)``.
    """
    D = np.full((n + 1, m + 1), np.inf)
    B: dict[tuple[int, int], tuple[int, int]] = {}
    D[0, 0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            for a, b in shapes:
                if i >= a and j >= b and (a or b):
                    v = D[i - a, j - b] + cost_fn(a, b, i, j)
                    if v < D[i, j] - 1e-12:
                        D[i, j] = v
                        B[(i, j)] = (a, b)
    out = []
    i, j = n, m
    while i > 0 or j > 0:
        a, b = B[(i, j)]
        out.append(((a, b), i, j))
        i, j = i - a, j - b
    out.reverse()
    return float(D[n, m]), out


def _ins_prefix(row: NDArray, outside: float) -> NDArray:
    """Cumulative costs or scores of (0, 1) beads along a row: position 0 (no bead ends there) counts 0,
    positions outside the lattice count ``outside``."""
    c = np.asarray(row, dtype=np.float64).copy()
    c[0] = 0.0
    c[~np.isfinite(c)] = outside
    return np.cumsum(c)


def posteriors(scores: Sequence[NDArray], shapes: Sequence[Shape], lo: NDArray[np.int64], W: int,
               n: int, m: int) -> list[NDArray]:
    """Log posterior probability of every bead, for beads scored as log-weights.

    ``scores[t][i, k]`` is the log-weight of the bead of shape ``shapes[t]`` ending at ``(i, lo[i] + k)``
    (``-inf`` where it is not allowed). Every path from ``(0, 0)`` to ``(n, m)`` has the probability of its
    summed weights, normalised over all paths (forward-backward); the result holds, in the same layout, the
    log of the total probability of the paths that use each bead.
    """
    F, B, Z = _forward_backward(scores, shapes, lo, W, n, m)
    ks = np.arange(W)
    out = []
    for t, (a, b) in enumerate(shapes):
        post = np.full((n + 1, W), -np.inf)
        if a > 0:
            for i in range(a, n + 1):
                src = ks + int(lo[i] - lo[i - a] - b)
                ok = (src >= 0) & (src < W)
                post[i, ok] = F[i - a, src[ok]] + scores[t][i, ok] + B[i, ok] - Z
        else:
            post[:, 1:] = F[:, :-1] + scores[t][:, 1:] + B[:, 1:] - Z
        out.append(np.minimum(post, 0.0))
    return out


def path_posteriors(scores: Sequence[NDArray], shapes: Sequence[Shape], lo: NDArray[np.int64], W: int,
                    n: int, m: int, steps: Sequence[tuple[Shape, int, int]]) -> list[float]:
    """:func:`posteriors` of the beads ``steps`` only (``((a, b), i, j)``, as :func:`dp` returns them),
    without the per-shape arrays: what an alignment's confidences need, in the memory of two arrays."""
    F, B, Z = _forward_backward(scores, shapes, lo, W, n, m)
    index = {s: t for t, s in enumerate(shapes)}
    out = []
    for (a, b), i, j in steps:
        k = j - int(lo[i])
        k0 = j - b - int(lo[i - a])
        if not (0 <= k < W and 0 <= k0 < W):
            out.append(-np.inf)
            continue
        out.append(min(float(F[i - a, k0] + scores[index[(a, b)]][i, k] + B[i, k] - Z), 0.0))
    return out


def _forward_backward(scores: Sequence[NDArray], shapes: Sequence[Shape], lo: NDArray[np.int64], W: int,
                      n: int, m: int) -> tuple[NDArray, NDArray, float]:
    """Forward and backward log sums over the band, and the log total ``Z``."""
    ninf = -np.inf
    row_shapes = [(t, a, b) for t, (a, b) in enumerate(shapes) if a > 0]
    ins = [t for t, (a, _) in enumerate(shapes) if a == 0]
    ins_t = ins[0] if ins else -1
    ks = np.arange(W)
    F = np.full((n + 1, W), ninf)
    for i in range(n + 1):
        X = np.full(W, ninf)
        if i == 0:
            X[0] = 0.0
        for t, a, b in row_shapes:
            if i < a:
                continue
            src = ks + int(lo[i] - lo[i - a] - b)
            ok = (src >= 0) & (src < W)
            if ok.any():
                X[ok] = np.logaddexp(X[ok], F[i - a, src[ok]] + scores[t][i, ok])
        if ins_t >= 0:
            S = _ins_prefix(scores[ins_t][i], -1e12)
            with np.errstate(invalid="ignore"):
                X = np.logaddexp.accumulate(X - S) + S
        F[i] = X
    Z = F[n, m - lo[n]]
    if not np.isfinite(Z):
        raise ValueError("no path through the band")
    B = np.full((n + 1, W), ninf)
    for i in range(n, -1, -1):
        Y = np.full(W, ninf)
        if i == n:
            Y[m - lo[n]] = 0.0
        for t, a, b in row_shapes:
            if i + a > n:
                continue
            dst = ks + int(lo[i] + b - lo[i + a])
            ok = (dst >= 0) & (dst < W)
            if ok.any():
                Y[ok] = np.logaddexp(Y[ok], B[i + a, dst[ok]] + scores[t][i + a, dst[ok]])
        if ins_t >= 0:
            S = _ins_prefix(scores[ins_t][i], -1e12)
            with np.errstate(invalid="ignore"):
                Y = np.logaddexp.accumulate((Y + S)[::-1])[::-1] - S
        B[i] = Y
    return F, B, float(Z)
