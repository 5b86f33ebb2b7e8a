"""The banded DP against the plain full-lattice reference."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from align.dp import band_around, dp, full_band, reference_dp

SHAPES = [(1, 0), (0, 1), (1, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1)]


def _cost_tables(rng, n, m):
    """A random cost per (shape, end node), as a function and as band arrays."""
    table = {s: rng.uniform(0.0, 1.0, size=(n + 1, m + 1)) for s in SHAPES}
    for s in [(1, 0), (0, 1)]:
        table[s] = table[s] + 0.6

    def fn(a, b, i, j):
        return float(table[(a, b)][i, j])

    return table, fn


def _band_costs(table, lo, W, n, m):
    out = []
    for a, b in SHAPES:
        c = np.full((n + 1, W), np.inf)
        for i in range(n + 1):
            for k in range(W):
                j = lo[i] + k
                if i >= a and b <= j <= m:
                    c[i, k] = table[(a, b)][i, j]
        out.append(c)
    return out


def _path_cost(path, fn):
    return sum(fn(a, b, i, j) for (a, b), i, j in path)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 12), m=st.integers(0, 12), seed=st.integers(0, 2**32 - 1))
def test_full_band_equals_reference(n, m, seed):
    rng = np.random.default_rng(seed)
    table, fn = _cost_tables(rng, n, m)
    lo, W = full_band(n, m)
    path = dp(_band_costs(table, lo, W, n, m), SHAPES, lo, W, n, m)
    best, ref = reference_dp(fn, SHAPES, n, m)
    assert abs(_path_cost(path, fn) - best) < 1e-9
    # the path is a path: consecutive, covering every sentence once
    i = j = 0
    for (a, b), ie, je in path:
        assert (ie, je) == (i + a, j + b)
        i, j = ie, je
    assert (i, j) == (n, m)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(5, 30), seed=st.integers(0, 2**32 - 1), width=st.integers(2, 6))
def test_band_around_the_best_path_finds_it(n, seed, width):
    """With costs that make one path clearly best, a band around it gives the same path."""
    rng = np.random.default_rng(seed)
    m = n + int(rng.integers(-3, 4))
    m = max(m, 1)
    table, fn = _cost_tables(rng, n, m)
    _, ref = reference_dp(fn, SHAPES, n, m)
    nodes = [(0, 0)] + [(i, j) for _, i, j in ref]
    lo, W = band_around(nodes, n, m, width)
    assert W <= m + 1
    path = dp(_band_costs(table, lo, W, n, m), SHAPES, lo, W, n, m)
    assert path == ref


def test_band_shape_and_corners():
    lo, W = band_around([(0, 0), (1, 1), (2, 2), (3, 3)], 3, 3, 1)
    assert lo[0] == 0 and lo[3] + W > 3
    assert list(lo) == sorted(lo)


@pytest.mark.parametrize("seed, banded", [(0, False), (1, False), (2, True), (3, True)])
def test_posteriors_equal_path_enumeration(seed, banded):
    """Forward-backward gives each bead the probability mass of the paths through it, as counting them does,
    over the whole lattice and inside a narrow band."""
    from align.dp import posteriors

    rng = np.random.default_rng(seed)
    shapes = [(1, 0), (0, 1), (1, 1), (1, 2), (2, 1), (2, 2)]
    n, m = (7, 7) if banded else (4, 5)
    lo, W = band_around([(i, i) for i in range(n + 1)], n, m, 1) if banded else full_band(n, m)
    assert (W < m + 1) == banded
    cols = lo[:, None] + np.arange(W)[None, :]
    scores = [rng.normal(size=(n + 1, W)) for _ in shapes]
    for t, (a, b) in enumerate(shapes):
        scores[t][(np.arange(n + 1)[:, None] < a) | (cols < b) | (cols > m)] = -np.inf

    def score(t, i, j):
        k = j - lo[i]
        return scores[t][i, k] if 0 <= k < W else -np.inf

    paths = []

    def walk(i, j, acc, beads):
        if (i, j) == (n, m):
            paths.append((acc, beads))
            return
        for t, (a, b) in enumerate(shapes):
            if i + a <= n and j + b <= m and np.isfinite(score(t, i + a, j + b)):
                walk(i + a, j + b, acc + score(t, i + a, j + b), beads + [(t, i + a, j + b)])

    walk(0, 0, 0.0, [])
    z = np.logaddexp.reduce([acc for acc, _ in paths])
    mass: dict = {}
    for acc, beads in paths:
        for bead in beads:
            mass[bead] = np.logaddexp(mass.get(bead, -np.inf), acc - z)
    post = posteriors(scores, shapes, lo, W, n, m)
    for t in range(len(shapes)):
        for i in range(n + 1):
            for k in range(W):
                want = mass.get((t, i, int(lo[i] + k)), -np.inf)
                assert np.exp(post[t][i, k]) == pytest.approx(np.exp(want), abs=1e-9)
    # the beads of any path (here the best one, and a path with an insertion) get the same numbers from
    # path_posteriors, which keeps no per-shape arrays
    from align.dp import path_posteriors

    for _, beads in (max(paths, key=lambda p: p[0]), next(p for p in paths if any(t == 1 for t, _, _ in p[1]))):
        steps = [(shapes[t], i, j) for t, i, j in beads]
        got = path_posteriors(scores, shapes, lo, W, n, m, steps)
        for (t, i, j), logp in zip(beads, got):
            assert np.exp(logp) == pytest.approx(np.exp(mass[(t, i, j)]), abs=1e-9)
