"""The alignment lattice: every bead the band allows, with the similarity of its two windows and the other
evidence a bilingual reader sees (lengths, numbers, names, paragraphs, labels, dictionary words), per shape.
:func:`build_lattice` is a pure function of the two sides, the band and the settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from .dp import fits
from .features import agreement, is_zh, length_ratio, or_windows, prefix_sums, shared_name_masks
from .lexicon import coverage, find_lexicon

if TYPE_CHECKING:
    from .aligner import AlignConfig

LEXICON_MIN_WORDS = 4  # window pairs with fewer dictionary words get no dictionary evidence


@dataclass
class Side:
    """One document's sentences as the lattice reads them: sentence and window vectors, lengths, numbers,
    paragraphs. The aligner's working copy: it replaces summed window vectors by embedded ones in place."""

    texts: list[str]
    vec: NDArray[np.float32]  # (n, d) sentence vectors
    length: NDArray[np.float64]  # prefix sums of character counts (n + 1)
    nums: NDArray[np.uint64]  # per sentence
    para: NDArray[np.int64]  # paragraph index per sentence
    anchors: list[str]  # paragraph label anchor per sentence ("" for most)
    windows: dict[int, NDArray[np.float32]]  # size -> (n + 1, d): window ending at each row
    parts: NDArray[np.float32] | None = None  # per-sentence parts of a composable embedder
    lang: str = ""


@dataclass(frozen=True)
class Lattice:
    """Per-shape arrays over the band: window similarities and the other evidence (cosine units). Built once
    per document pair (:func:`build_lattice`); models only reweigh it, and nothing changes it."""

    shapes: tuple[tuple[int, int], ...]
    lo: NDArray[np.int64]
    W: int
    # float32 (half the memory of a long document's lattice; the searches add them up in float64)
    sims: dict[tuple[int, int], NDArray[np.float32]]
    lenr: dict[tuple[int, int], NDArray[np.float32]]  # log ratio of target characters to the expected count
    extra: dict[tuple[int, int], NDArray[np.float32]]
    valid: dict[tuple[int, int], NDArray[np.bool_]]
    ratio: float  # characters of the target per character of the source, over the whole documents
    near: tuple[NDArray[np.int64], int] | None = None  # (lo, W) of the band around a cheap first path


def window_sum_vectors(vec: NDArray[np.float32], size: int,
                        weight: NDArray[np.float64] | None = None) -> NDArray[np.float32]:
    """(n + 1, d): normalised sum of the ``size`` vectors ending before each row (zeros where too short), each
    vector times its ``weight`` where given."""
    n, d = vec.shape
    out = np.zeros((n + 1, d), dtype=np.float32)
    if n >= size:
        rows = vec if weight is None else vec * weight[:, None]
        c = np.concatenate([np.zeros((1, d), np.float64), np.cumsum(rows, axis=0, dtype=np.float64)])
        s = c[size:] - c[:-size]
        out[size:] = (s / np.maximum(np.linalg.norm(s, axis=1, keepdims=True), 1e-12)).astype(np.float32)
    return out


def band_columns(lo: NDArray[np.int64], W: int, m: int, rows: slice) -> tuple[NDArray, NDArray]:
    """The target column of each band cell of ``rows`` (clipped to ``m``), and whether it is inside."""
    cols = lo[rows, None] + np.arange(W)[None, :]
    valid = cols <= m
    return np.minimum(cols, m), valid


def band_sims(X: NDArray[np.float32], Y: NDArray[np.float32], lo: NDArray[np.int64], W: int,
               chunk: int = 256) -> NDArray[np.float32]:
    """sims[i, k] = X[i] . Y[lo[i] + k] for every band cell (rows of X: n + 1; rows of Y: m + 1)."""
    n1, m1 = X.shape[0], Y.shape[0]
    out = np.zeros((n1, W), dtype=np.float32)
    for s in range(0, n1, chunk):
        rows = slice(s, min(s + chunk, n1))
        cols, _ = band_columns(lo, W, m1 - 1, rows)
        out[rows] = np.einsum("rd,rkd->rk", X[rows], Y[cols], optimize=True)
    return out


def build_lattice(S: Side, T: Side, lo: NDArray[np.int64], W: int, cfg: AlignConfig,
                  near: tuple[NDArray[np.int64], int] | None = None) -> Lattice:
    """Similarities and evidence of every bead in the band ``(lo, W)`` (computed once; models only reweigh
    them); ``near``: the band around a cheap first path, where a first model looks for best partners."""
    shapes = cfg.shapes()
    n, m = len(S.texts), len(T.texts)
    rows = np.arange(n + 1)[:, None]
    cols = np.minimum(lo[:, None] + np.arange(W)[None, :], m)
    ri = np.broadcast_to(rows, (n + 1, W))
    ratio = max(T.length[-1], 1.0) / max(S.length[-1], 1.0)
    # paragraph starts: sentence i starts a paragraph if its paragraph differs from i - 1's
    startS = np.concatenate([[True], S.para[1:] != S.para[:-1]])
    startT = np.concatenate([[True], T.para[1:] != T.para[:-1]])
    # anchors: ids shared by both sides, 0 for none
    names = {x: k + 1 for k, x in enumerate(sorted((set(S.anchors) | set(T.anchors)) - {""}))}
    ancS = np.array([names.get(x, 0) for x in S.anchors], dtype=np.int64)
    ancT = np.array([names.get(x, 0) for x in T.anchors], dtype=np.int64)
    use_anchors = bool(ancS.any() and ancT.any()) and cfg.anchor_weight > 0
    cntS, cntT = prefix_sums(ancS != 0), prefix_sums(ancT != 0)
    sims, lenr, extra, valid = {}, {}, {}, {}
    # names: where one side is Chinese (pinyin against capitalised words, Latin-script codes on both)
    use_names = cfg.name_weight > 0 and is_zh(S.lang) != is_zh(T.lang)
    if use_names:
        names_s, names_t = shared_name_masks(S.texts, S.lang, T.texts, T.lang)
    lexicon = find_lexicon(S.lang, T.lang) if cfg.lexicon_weight > 0 else None
    if lexicon is not None:
        covered = coverage([lexicon.keys(t, S.lang) for t in S.texts], [lexicon.keys(t, T.lang) for t in T.texts],
                           lo, W, shapes)
    for a, b in shapes:
        ok = valid[(a, b)] = fits(lo, W, m, a, b)
        if a == 0 or b == 0:
            continue
        sims[(a, b)] = np.where(ok, band_sims(S.windows[a], T.windows[b], lo, W), np.float32(0))
        i0 = np.clip(ri - a, 0, n)
        j0 = np.clip(cols - b, 0, m)
        # length: log ratio of target characters to the expected count
        ls = S.length[ri] - S.length[i0]
        lt = T.length[cols] - T.length[j0]
        lenr[(a, b)] = np.where(ok, length_ratio(ls, lt, ratio), 0.0).astype(np.float32)
        ev = np.zeros((n + 1, W))
        # shared numbers
        ns = or_windows(S.nums, a)[ri]
        nt = or_windows(T.nums, b)[cols]
        ev += cfg.number_weight * agreement(ns, nt)
        ev -= cfg.number_weight * 0.5 * ((ns != 0) ^ (nt != 0)) * (np.bitwise_count(ns ^ nt) > 1)
        # shared names: a window pair whose names agree, or disagree
        if use_names:
            ev += cfg.name_weight * agreement(or_windows(names_s, a)[ri], or_windows(names_t, b)[cols])
        # words with a translation in the other window (a few words say nothing)
        if lexicon is not None:
            hits, total = covered[(a, b)]
            ev += cfg.lexicon_weight * np.where(total >= LEXICON_MIN_WORDS,
                                                hits / np.maximum(total, 1) - cfg.lexicon_neutral, 0.0)
        # paragraphs: windows should not cross boundaries; beads should start paragraphs together
        crossS = S.para[np.clip(ri - 1, 0, n - 1)] - S.para[np.clip(i0, 0, n - 1)]
        crossT = T.para[np.clip(cols - 1, 0, m - 1)] - T.para[np.clip(j0, 0, m - 1)]
        ev -= cfg.paragraph_weight * (crossS + crossT)
        ev -= cfg.paragraph_start_weight * (startS[np.clip(i0, 0, n - 1)] != startT[np.clip(j0, 0, m - 1)])
        if use_anchors:
            aS = ancS[np.clip(i0, 0, n - 1)]
            aT = ancT[np.clip(j0, 0, m - 1)]
            both = (aS != 0) & (aT != 0)
            ev += cfg.anchor_weight * np.where(both, np.where(aS == aT, 1.0, -2.0), 0.0)
            # a label inside a window (not at its start) means the bead runs into the next numbered paragraph
            inner = (cntS[ri] - cntS[np.minimum(i0 + 1, ri)]) + (cntT[cols] - cntT[np.minimum(j0 + 1, cols)])
            ev -= cfg.anchor_weight * inner
        extra[(a, b)] = np.where(ok, ev, 0.0).astype(np.float32)
    return Lattice(tuple(shapes), lo, W, sims, lenr, extra, valid, ratio, near)
