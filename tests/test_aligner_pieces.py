"""The aligner's pure pieces against slow references: the lattice's similarities and length ratios cell by
cell, window masks by brute force, the bead model leaving the lattice as it found it, long-document cuts."""

from __future__ import annotations

import copy
import dataclasses
import random

import numpy as np
import pytest
from conftest import ComposableTable, TableEmbedder

from align import beadmodel
from align.aligner import DEFAULT_CONFIG, Aligner
from align.cutting import cut_points
from align.features import length_ratio, or_windows
from align.model import Segment


def _pair(n: int, seed: int, drop: float = 0.1):
    """n source sentences and their "translations" (same key, so near vectors), some dropped or merged."""
    rng = random.Random(seed)
    src = [Segment(f"k{i} s{i} " + "x" * rng.randrange(5, 60), paragraph=i // 4) for i in range(n)]
    tgt = []
    for i in range(n):
        if rng.random() < drop:
            continue
        tgt.append(Segment(f"k{i} t{i} " + "y" * rng.randrange(5, 80), paragraph=i // 4))
    return src, tgt


@pytest.mark.parametrize("embedder", [TableEmbedder(), ComposableTable()])
def test_the_lattice_matches_a_cell_by_cell_reference(embedder):
    src, tgt = _pair(30, 1)
    aligner = Aligner(embedder, DEFAULT_CONFIG)
    S, T, L = aligner._prepare(src, tgt, "en", "en")
    n, m = len(S.texts), len(T.texts)
    checked = 0
    for (a, b), sims in L.sims.items():
        for i in range(n + 1):
            for k in range(L.W):
                j = int(L.lo[i]) + k
                if not L.valid[(a, b)][i, k]:
                    assert sims[i, k] == 0 and L.extra[(a, b)][i, k] == 0
                    continue
                assert a <= i <= n and b <= j <= m
                want = float(S.windows[a][i] @ T.windows[b][j])
                assert sims[i, k] == pytest.approx(want, abs=1e-5)
                ls, lt = S.length[i] - S.length[i - a], T.length[j] - T.length[j - b]
                assert L.lenr[(a, b)][i, k] == pytest.approx(float(length_ratio(ls, lt, L.ratio)), abs=1e-5)
                checked += 1
    assert checked > 500


def test_scoring_leaves_the_lattice_unchanged():
    src, tgt = _pair(40, 2)
    cfg = DEFAULT_CONFIG
    S, T, L = Aligner(TableEmbedder(), cfg)._prepare(src, tgt, "en", "en")
    before = copy.deepcopy(L)
    n, m = len(S.texts), len(T.texts)
    model = beadmodel.first_model(S, T, L, cfg)
    steps = beadmodel.search(L, model, cfg, n, m)
    again = beadmodel.refit(L, steps, cfg, model)
    beadmodel.confidences(L, again, cfg, 2.5, n, m, beadmodel.search(L, again, cfg, n, m))
    for field in dataclasses.fields(L):
        old, new = getattr(before, field.name), getattr(L, field.name)
        if isinstance(old, dict):
            assert old.keys() == new.keys()
            for key in old:
                np.testing.assert_array_equal(old[key], new[key])
        elif isinstance(old, np.ndarray):
            np.testing.assert_array_equal(old, new)
        else:
            assert repr(old) == repr(new), field.name
    with pytest.raises(dataclasses.FrozenInstanceError):
        L.W = 3  # type: ignore[misc]
    # the same inputs give the same model: nothing hidden was changed by the first call
    assert beadmodel.first_model(S, T, L, cfg) == model


def test_window_masks_against_brute_force():
    rng = np.random.default_rng(3)
    masks = rng.integers(0, 2 ** 63, 17, dtype=np.uint64)
    for size in range(1, 5):
        got = or_windows(masks, size)
        for i in range(len(masks) + 1):
            want = 0
            if i >= size:
                for s in range(i - size, i):
                    want |= int(masks[s])
            assert int(got[i]) == want


def test_a_long_pair_is_cut_between_sure_beads():
    rng = np.random.default_rng(4)
    n = 900
    X = rng.standard_normal((n, 32)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    Y = X + 0.05 * rng.standard_normal(X.shape).astype(np.float32)  # each sentence's translation, in order
    Y /= np.linalg.norm(Y, axis=1, keepdims=True)
    cuts = cut_points(X, Y, block=200, band=8, full_cells=250_000)
    assert cuts[0] == (0, 0) and cuts[-1] == (n, n)
    assert all(i0 < i1 and j0 < j1 for (i0, j0), (i1, j1) in zip(cuts, cuts[1:]))
    assert len(cuts) >= 4 and all(i == j for i, j in cuts)  # a 1-1 document: every cut on the diagonal
