"""The native sentence aligner.

Two passes, both linear in document length:

1. An approximate path from sentence vectors only (1-1, 1-2, 2-1, skips),
   found on a coarsened copy of the documents when they are large (blocks of
   2, 4, 8 ... sentences averaged, as vecalign does) and refined level by
   level inside a band around the coarser path.
2. The real search inside a band around that path, over beads of up to
   ``max_size`` sentences a side. A window of consecutive sentences gets the
   vector of its joined text: composed from per-sentence parts when the
   embedder can (use-m3: exact up to the joins, no text embedded twice), else
   summed sentence vectors with the joined text embedded where the first
   search is unsure (each window once, cached).

A bead's score combines the cosine similarity of its two windows, made
relative to how similar each side is to its other near neighbours (a margin
that tames hub sentences), a length model in characters fitted to the
document pair, shared numbers, and paragraph boundaries; a skipped sentence
scores ``skip``. Every bead gets a confidence in [0, 1] from a logistic
curve over the bead score, fitted by scripts/calibrate.py.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import regex
from numpy.typing import NDArray

from .dp import band_around, dp, full_band
from .embed.base import Composable, Embedder, compose_runs, encode_batched, signature
from .errors import AlignmentError
from .model import Alignment, Bead, Segment, join_segments
from .numerals import CN_NUMERAL, chinese_number


@dataclass(frozen=True, slots=True)
class AlignConfig:
    max_size: int = 4  # most sentences on one side of a bead
    max_total: int = 5  # most sentences in a bead, both sides together
    band: int = 8  # band half-width around the approximate path, in sentences
    full_cells: int = 250_000  # documents with n*m up to this skip the coarse pass
    margin_k: int = 4  # neighbours averaged for the margin
    margin_weight: float = 1.0
    skip: float = 0.0  # score of a sentence left unaligned
    size_weight: float = 0.0  # extra weight of a bead per sentence beyond 1-1
    merge_penalty: float = 0.0  # per sentence beyond 1-1 (a bead scores once, whatever its size)
    length_weight: float = 0.08
    number_weight: float = 0.08
    paragraph_weight: float = 0.06  # per paragraph boundary crossed inside a window
    paragraph_start_weight: float = 0.04  # bead starts a paragraph on one side only
    # multi-sentence windows: "compose" from per-sentence parts (embedders that can, exact up to the joins),
    # "text": summed sentence vectors, then the joined text embedded where the search is unsure,
    # "sum": summed sentence vectors only; "auto": compose when the embedder can, else text
    windows: str = "auto"
    anchor_weight: float = 0.15  # same paragraph label ("3.", "(a)") starting both sides; -2x if they differ
    # the confidence curve; None: the embedder's entry in CALIBRATION (scripts/calibrate.py)
    conf_center: float | None = None  # the bead score of an even bet
    conf_scale: float | None = None

    def shapes(self) -> list[tuple[int, int]]:
        out = [(1, 0), (0, 1)]
        for a in range(1, self.max_size + 1):
            for b in range(1, self.max_size + 1):
                if a + b <= self.max_total:
                    out.append((a, b))
        return out

    def describe(self) -> str:
        return f"native(max={self.max_size},band={self.band},skip={self.skip})"


DEFAULT_CONFIG = AlignConfig()

# (conf_center, conf_scale) per embedder, from ``python scripts/calibrate.py --embedder NAME`` on synthetic UN
# documents: bead scores live on each embedder's own scale (e5's cosines are bunched near 0.8). Other
# embedders get use-m3's curve, which makes their confidences a ranking only.
CALIBRATION: dict[str, tuple[float, float]] = {
    "use-m3": (0.2505, 0.0676),
    "me5-small": (0.0111, 0.0256),  # --docs 10
    "use-m3+me5-small": (0.1363, 0.0454),  # the ensemble, --docs 10
}

_NUM = regex.compile(r"\d+(?:[.,]\d+)*")
def _number_masks(texts: Sequence[str]) -> NDArray[np.uint64]:
    """A 64-bit mask per text with one bit per number it contains (hashed)."""
    out = np.zeros(len(texts), dtype=np.uint64)
    for i, t in enumerate(texts):
        mask = 0
        norm = unicodedata.normalize("NFKC", t)
        toks = [tok.replace(",", "") for tok in _NUM.findall(norm)]
        for cn in CN_NUMERAL.findall(norm):
            v = chinese_number(cn)
            if v is not None:
                toks.append(str(v))
        for tok in toks:
            mask |= 1 << (hash_num(tok) % 64)
        out[i] = mask
    return out


def hash_num(tok: str) -> int:
    h = 1469598103934665603
    for ch in tok.encode():
        h = ((h ^ ch) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def _char_len(texts: Sequence[str]) -> NDArray[np.float64]:
    return np.array([len(regex.sub(r"\s+", "", t)) for t in texts], dtype=np.float64)


class EmbeddingCache:
    """Embeds each distinct text once per aligner run."""

    def __init__(self, embedder: Embedder, progress: bool = False) -> None:
        self.embedder = embedder
        self.progress = progress
        self._vecs: dict[str, NDArray[np.float32]] = {}
        self._parts: dict[str, NDArray[np.float32]] = {}

    def encode(self, texts: Sequence[str], desc: str = "embedding") -> NDArray[np.float32]:
        return self._lookup(self._vecs, texts, desc, parts=False)

    def parts(self, texts: Sequence[str], desc: str = "embedding") -> NDArray[np.float32]:
        """Per-text parts of a :class:`Composable` embedder, each distinct text computed once."""
        return self._lookup(self._parts, texts, desc, parts=True)

    def _lookup(self, known: dict[str, NDArray[np.float32]], texts: Sequence[str], desc: str,
                parts: bool) -> NDArray[np.float32]:
        todo = list(dict.fromkeys(t for t in texts if t not in known))
        if todo:
            rows = encode_batched(self.embedder, todo, progress=self.progress and len(todo) > 200, desc=desc,
                                  parts=parts)
            known.update(zip(todo, rows))
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        return np.stack([known[t] for t in texts])

    def add(self, texts: Sequence[str], rows: NDArray[np.float32], parts: bool = False) -> None:
        """Take rows computed elsewhere (another process, an earlier step): vectors, or parts with ``parts``."""
        (self._parts if parts else self._vecs).update(zip(texts, rows))

    def clear(self) -> None:
        self._vecs.clear()
        self._parts.clear()


@dataclass
class _Side:
    """Per-side arrays: window vectors, lengths, numbers, paragraphs."""

    texts: list[str]
    vec: NDArray[np.float32]  # (n, d) sentence vectors
    length: NDArray[np.float64]  # prefix sums of character counts (n + 1)
    nums: NDArray[np.uint64]  # per sentence
    para: NDArray[np.int64]  # paragraph index per sentence
    anchors: list[str]  # paragraph label anchor per sentence ("" for most)
    windows: dict[int, NDArray[np.float32]]  # size -> (n + 1, d): window ending at each row
    bg: NDArray[np.float64] | None = None  # margin background per sentence
    parts: NDArray[np.float32] | None = None  # per-sentence parts of a composable embedder


def _prefix(x: NDArray) -> NDArray:
    return np.concatenate([[0.0], np.cumsum(x)])


def _window_sum_vectors(vec: NDArray[np.float32], size: int) -> NDArray[np.float32]:
    """(n + 1, d): normalised sum of the ``size`` vectors ending before each row (zeros where too short)."""
    n, d = vec.shape
    out = np.zeros((n + 1, d), dtype=np.float32)
    if n >= size:
        c = np.concatenate([np.zeros((1, d), np.float64), np.cumsum(vec, axis=0, dtype=np.float64)])
        s = c[size:] - c[:-size]
        out[size:] = (s / np.maximum(np.linalg.norm(s, axis=1, keepdims=True), 1e-12)).astype(np.float32)
    return out


def _band_columns(lo: NDArray[np.int64], W: int, m: int, rows: slice) -> tuple[NDArray, NDArray]:
    cols = lo[rows, None] + np.arange(W)[None, :]
    valid = cols <= m
    return np.minimum(cols, m), valid


def _band_sims(X: NDArray[np.float32], Y: NDArray[np.float32], lo: NDArray[np.int64], W: int,
               chunk: int = 256) -> NDArray[np.float32]:
    """sims[i, k] = X[i] . Y[lo[i] + k] for every band cell (rows of X: n + 1; rows of Y: m + 1)."""
    n1, m1 = X.shape[0], Y.shape[0]
    out = np.zeros((n1, W), dtype=np.float32)
    for s in range(0, n1, chunk):
        rows = slice(s, min(s + chunk, n1))
        cols, _ = _band_columns(lo, W, m1 - 1, rows)
        out[rows] = np.einsum("rd,rkd->rk", X[rows], Y[cols], optimize=True)
    return out


class Aligner:
    def __init__(self, embedder: Embedder, config: AlignConfig = DEFAULT_CONFIG, progress: bool = False) -> None:
        self.embedder = embedder
        self.config = config
        self.cache = EmbeddingCache(embedder, progress)
        default = CALIBRATION.get(embedder.name, CALIBRATION["use-m3"])
        self._center = config.conf_center if config.conf_center is not None else default[0]
        self._scale = config.conf_scale if config.conf_scale is not None else default[1]

    # ------------------------------------------------------------ public

    def align(self, src: Sequence[Segment], tgt: Sequence[Segment], src_lang: str = "zh",
              tgt_lang: str = "en") -> Alignment:
        src, tgt = tuple(src), tuple(tgt)
        method = f"{self.config.describe()} embedder={signature(self.embedder)}"
        n, m = len(src), len(tgt)
        if n == 0 or m == 0:
            beads = [Bead((i,), (), 1.0) for i in range(n)] + [Bead((), (j,), 1.0) for j in range(m)]
            return Alignment(src, tgt, tuple(beads), src_lang, tgt_lang, method)
        S, T, shapes, lo, W, costs, margs = self._prepare(src, tgt, src_lang, tgt_lang, banded=True)
        try:
            steps = dp(costs, shapes, lo, W, n, m)
            if self._windows() == "text":
                # windows were scored with summed sentence vectors; embed the real text of the windows
                # near every bead that is not a confident 1-1 and search again
                us, ut = self._uncertain(steps, margs, shapes, lo, n, m)
                if us.any() or ut.any():
                    self._text_windows(S, src_lang, max(a for a, _ in shapes), us)
                    self._text_windows(T, tgt_lang, max(b for _, b in shapes), ut)
                    costs, margs = self._costs(S, T, shapes, lo, W, self._ratio(S, T))
                    steps = dp(costs, shapes, lo, W, n, m)
        except ValueError as e:  # pragma: no cover - the band always holds the corners
            raise AlignmentError(f"alignment search failed: {e}") from e
        beads = []
        best_row = np.where(np.isfinite(margs[shapes.index((1, 1))]), margs[shapes.index((1, 1))], -1).max(axis=1)
        for (a, b), i, j in steps:
            t = shapes.index((a, b))
            if a and b:
                conf = self._confidence(float(margs[t][i, j - lo[i]]))
            elif a:
                conf = 1.0 - self._confidence(float(best_row[i]))
            else:
                conf = 1.0 - self._confidence(float(self._best_col(margs[shapes.index((1, 1))], lo, j)))
            beads.append(Bead(tuple(range(i - a, i)), tuple(range(j - b, j)), round(conf, 4)))
        return Alignment(src, tgt, tuple(beads), src_lang, tgt_lang, method)

    def pair_vectors(self, alignment: Alignment) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """Vectors of both sides of every bead with text on both sides, in ``alignment.pairs()`` order.

        Each side's vector is that of its sentences joined: composed from the sentences' parts when the
        embedder composes (nothing embedded again after :meth:`align`), else the joined text embedded.
        """
        beads = [b for b in alignment.beads if b.src and b.tgt]
        out = []
        for segs, lang, runs in ((alignment.src, alignment.src_lang, [b.src for b in beads]),
                                 (alignment.tgt, alignment.tgt_lang, [b.tgt for b in beads])):
            if self._windows() == "compose":
                out.append(compose_runs(self.embedder, self.cache.parts([s.text for s in segs]), runs))
            else:
                out.append(self.cache.encode([join_segments([segs[i].text for i in r], lang) for r in runs]))
        return out[0], out[1]

    def score_beads(self, src: Sequence[Segment], tgt: Sequence[Segment], beads: Sequence[tuple[tuple, tuple]],
                    src_lang: str = "zh", tgt_lang: str = "en") -> NDArray[np.float64]:
        """The aligner's score of arbitrary beads (both sides non-empty, shapes it allows) over a full search.

        For calibration and diagnostics; NaN for a bead of a shape the configuration does not allow.
        """
        src, tgt = tuple(src), tuple(tgt)
        _, _, shapes, lo, _, _, scores = self._prepare(src, tgt, src_lang, tgt_lang, banded=False,
                                                       text_windows=self._windows() == "text")
        out = np.full(len(beads), np.nan)
        for k, (bs, bt) in enumerate(beads):
            shape = (len(bs), len(bt))
            if shape in shapes and bs and bt:
                i, j = bs[-1] + 1, bt[-1] + 1
                out[k] = scores[shapes.index(shape)][i, j - lo[i]]
        return out

    def _windows(self) -> str:
        mode = self.config.windows
        if mode not in ("auto", "compose", "text", "sum"):
            raise AlignmentError(f"unknown windows mode {mode!r}: choose auto, compose, text or sum")
        composable = isinstance(self.embedder, Composable)
        if mode == "compose" and not composable:
            raise AlignmentError(f"embedder {self.embedder.name} cannot compose windows; use windows=text")
        if mode == "auto":
            return "compose" if composable else "text"
        return mode

    @staticmethod
    def _ratio(S: _Side, T: _Side) -> float:
        return max(T.length[-1], 1.0) / max(S.length[-1], 1.0)

    def _prepare(self, src, tgt, src_lang, tgt_lang, banded: bool, text_windows: bool = False):
        n, m = len(src), len(tgt)
        S = self._side([s.text for s in src], [s.paragraph for s in src], src_lang, [s.anchor for s in src])
        T = self._side([t.text for t in tgt], [t.paragraph for t in tgt], tgt_lang, [t.anchor for t in tgt])
        ratio = self._ratio(S, T)
        if not banded or n * m <= self.config.full_cells:
            lo, W = full_band(n, m)
        else:
            lo, W = band_around(self._approx_path(S.vec, T.vec), n, m, self.config.band)
        self._margins(S, T, lo, W)
        shapes = self.config.shapes()
        for side, lang, size in ((S, src_lang, max(a for a, _ in shapes)), (T, tgt_lang, max(b for _, b in shapes))):
            for k in range(2, size + 1):
                if side.parts is not None:
                    side.windows[k] = np.zeros((n + 1 if side is S else m + 1, side.vec.shape[1]), np.float32)
                    side.windows[k][k:] = self.embedder.compose(side.parts, k)  # type: ignore[attr-defined]
                else:
                    side.windows[k] = _window_sum_vectors(side.vec, k)
            if text_windows:
                self._text_windows(side, lang, size, np.ones(len(side.texts), dtype=bool))
        costs, scores = self._costs(S, T, shapes, lo, W, ratio)
        return S, T, shapes, lo, W, costs, scores

    def _uncertain(self, steps, scores, shapes, lo, n, m, radius: int = 1) -> tuple[NDArray, NDArray]:
        """Sentences within ``radius`` of a bead that is not a 1-1 with confidence >= 0.5."""
        us = np.zeros(n, dtype=bool)
        ut = np.zeros(m, dtype=bool)
        one = shapes.index((1, 1))
        for (a, b), i, j in steps:
            if (a, b) == (1, 1) and self._confidence(float(scores[one][i, j - lo[i]])) >= 0.5:
                continue
            us[max(0, i - a - radius):min(n, i + radius)] = True
            ut[max(0, j - b - radius):min(m, j + radius)] = True
        return us, ut

    # ------------------------------------------------------------ parts

    def _side(self, texts: list[str], paras: list[int], lang: str, anchors: list[str]) -> _Side:
        parts = None
        if self._windows() == "compose":
            parts = self.cache.parts(texts, desc=f"embedding {lang}")
            vec = self.embedder.compose(parts, 1)  # type: ignore[attr-defined]
        else:
            vec = self.cache.encode(texts, desc=f"embedding {lang}")
        return _Side(texts, vec, _prefix(_char_len(texts)), _number_masks(texts),
                     np.asarray(paras, dtype=np.int64), anchors,
                     {1: np.vstack([np.zeros((1, vec.shape[1]), np.float32), vec])}, parts=parts)

    def _text_windows(self, side: _Side, lang: str, max_size: int, where: NDArray[np.bool_]) -> None:
        """Replace summed window vectors by embeddings of the joined text, for windows starting in ``where``."""
        n = len(side.texts)
        for size in range(2, max_size + 1):
            ends = [i for i in range(size, n + 1) if where[i - size]]
            if not ends:
                continue
            texts = [join_segments(side.texts[i - size:i], lang) for i in ends]
            side.windows[size][ends] = self.cache.encode(texts, desc=f"embedding {lang} windows of {size}")

    def _approx_path(self, X: NDArray[np.float32], Y: NDArray[np.float32]) -> list[tuple[int, int]]:
        """Nodes of a cheap 1-1/1-2/2-1 path, by recursive coarsening for large inputs."""
        n, m = len(X), len(Y)
        if n * m <= self.config.full_cells or min(n, m) < 8:
            lo, W = full_band(n, m)
        else:
            Xc = _block_mean(X, 2)
            Yc = _block_mean(Y, 2)
            coarse = self._approx_path(Xc, Yc)
            nodes = [(min(2 * i, n), min(2 * j, m)) for i, j in coarse]
            lo, W = band_around(nodes, n, m, max(self.config.band, 4))
        shapes = [(1, 0), (0, 1), (1, 1), (1, 2), (2, 1)]
        Xw = {1: np.vstack([np.zeros((1, X.shape[1]), np.float32), X]), 2: _window_sum_vectors(X, 2)}
        Yw = {1: np.vstack([np.zeros((1, Y.shape[1]), np.float32), Y]), 2: _window_sum_vectors(Y, 2)}
        costs = []
        rows = np.arange(n + 1)[:, None]
        cols = lo[:, None] + np.arange(W)[None, :]
        for a, b in shapes:
            if a == 0 or b == 0:
                c = np.full((n + 1, W), 0.3)  # a skipped sentence costs like a poor match
            else:
                sim = _band_sims(Xw[a], Yw[b], lo, W).astype(np.float64)
                c = -sim * (1.0 + 0.3 * (a + b - 2)) + 0.05 * (a + b - 2) + 0.3
            c = np.where((rows >= a) & (cols >= b) & (cols <= m), c, np.inf)
            costs.append(c)
        steps = dp(costs, shapes, lo, W, n, m)
        return [(0, 0)] + [(i, j) for _, i, j in steps]

    def _margins(self, S: _Side, T: _Side, lo: NDArray[np.int64], W: int) -> None:
        """Background similarity of each sentence: mean of its k best neighbours in the band."""
        n, m = len(S.texts), len(T.texts)
        k = self.config.margin_k
        sims = _band_sims(S.windows[1], T.windows[1], lo, W).astype(np.float64)
        cols = lo[:, None] + np.arange(W)[None, :]
        valid = (cols >= 1) & (cols <= m) & (np.arange(n + 1)[:, None] >= 1)
        sims = np.where(valid, sims, -np.inf)
        # sentence i (0-based) is row i + 1, target sentence j is column j + 1
        kk = min(k, W)
        top = -np.sort(-sims[1:], axis=1)[:, :kk]
        top = np.where(np.isfinite(top), top, np.nan)
        S.bg = np.nan_to_num(np.nanmean(top, axis=1), nan=0.0)
        flat_i, flat_k = np.nonzero(valid)
        vals = sims[flat_i, flat_k]
        tcol = cols[flat_i, flat_k] - 1
        order = np.lexsort((-vals, tcol))
        tcol, vals = tcol[order], vals[order]
        starts = np.searchsorted(tcol, np.arange(m))
        ends = np.searchsorted(tcol, np.arange(m), side="right")
        bg_t = np.zeros(m)
        csum = np.concatenate([[0.0], np.cumsum(vals)])
        take = np.minimum(ends - starts, kk)
        has = take > 0
        bg_t[has] = (csum[starts[has] + take[has]] - csum[starts[has]]) / take[has]
        T.bg = bg_t

    def _costs(self, S: _Side, T: _Side, shapes: list[tuple[int, int]], lo: NDArray[np.int64], W: int,
               ratio: float) -> tuple[list[NDArray], list[NDArray]]:
        cfg = self.config
        n, m = len(S.texts), len(T.texts)
        rows = np.arange(n + 1)[:, None]
        cols_raw = lo[:, None] + np.arange(W)[None, :]
        cols = np.minimum(cols_raw, m)
        bgS, bgT = _prefix(S.bg), _prefix(T.bg)
        # paragraph starts: sentence i starts a paragraph if its paragraph differs from i - 1's
        startS = np.concatenate([[True], S.para[1:] != S.para[:-1]]) if n else np.zeros(0, bool)
        startT = np.concatenate([[True], T.para[1:] != T.para[:-1]]) if m else np.zeros(0, bool)
        # anchors: ids shared by both sides, 0 for none
        names = {x: k + 1 for k, x in enumerate(sorted((set(S.anchors) | set(T.anchors)) - {""}))}
        ancS = np.array([names.get(x, 0) for x in S.anchors], dtype=np.int64)
        ancT = np.array([names.get(x, 0) for x in T.anchors], dtype=np.int64)
        use_anchors = bool(ancS.any() and ancT.any()) and cfg.anchor_weight > 0
        cntS, cntT = _prefix(ancS != 0), _prefix(ancT != 0)
        costs, margs = [], []
        for a, b in shapes:
            valid = (rows >= a) & (cols_raw >= b) & (cols_raw <= m)
            if a == 0 or b == 0:
                c = np.where(valid, -cfg.skip, np.inf)
                costs.append(c)
                margs.append(np.full((n + 1, W), np.nan))
                continue
            sim = _band_sims(S.windows[a], T.windows[b], lo, W).astype(np.float64)
            ri = np.broadcast_to(rows, (n + 1, W))
            i0 = np.clip(ri - a, 0, n)
            j0 = np.clip(cols - b, 0, m)
            bg = ((bgS[ri] - bgS[i0]) / a + (bgT[cols] - bgT[j0]) / b) / 2.0
            marg = sim - cfg.margin_weight * bg
            # length: log ratio of target characters to the expected count
            ls = S.length[ri] - S.length[i0]
            lt = T.length[cols] - T.length[j0]
            r = np.log((lt + 2.0 * ratio) / (ls * ratio + 2.0 * ratio))
            score = marg * (1.0 + cfg.size_weight * (a + b - 2)) - cfg.merge_penalty * (a + b - 2)
            score -= cfg.length_weight * r * r
            # shared numbers
            ns = _or_windows(S.nums, a)[ri]
            nt = _or_windows(T.nums, b)[cols]
            both = (ns != 0) & (nt != 0)
            inter = np.bitwise_count(ns & nt).astype(np.float64)
            union = np.bitwise_count(ns | nt).astype(np.float64)
            jac = np.where(union > 0, inter / np.maximum(union, 1), 0.0)
            score += cfg.number_weight * np.where(both, 2 * jac - 1, 0.0)
            score -= cfg.number_weight * 0.5 * ((ns != 0) ^ (nt != 0)) * (np.bitwise_count(ns ^ nt) > 1)
            # paragraphs: windows should not cross boundaries; beads should start paragraphs together
            crossS = S.para[np.clip(ri - 1, 0, n - 1)] - S.para[np.clip(i0, 0, n - 1)]
            crossT = T.para[np.clip(cols - 1, 0, m - 1)] - T.para[np.clip(j0, 0, m - 1)]
            score -= cfg.paragraph_weight * (crossS + crossT)
            st_s = startS[np.clip(i0, 0, n - 1)]
            st_t = startT[np.clip(j0, 0, m - 1)]
            score -= cfg.paragraph_start_weight * (st_s != st_t)
            if use_anchors:
                aS = ancS[np.clip(i0, 0, n - 1)]
                aT = ancT[np.clip(j0, 0, m - 1)]
                both = (aS != 0) & (aT != 0)
                score += cfg.anchor_weight * np.where(both, np.where(aS == aT, 1.0, -2.0), 0.0)
                # a label inside a window (not at its start) means the bead runs into the next numbered paragraph
                inner = (cntS[ri] - cntS[np.minimum(i0 + 1, ri)]) + (cntT[cols] - cntT[np.minimum(j0 + 1, cols)])
                score -= cfg.anchor_weight * inner
            costs.append(np.where(valid, -score, np.inf))
            margs.append(np.where(valid, score, np.nan))  # the full bead score, for confidences
        return costs, margs

    def _confidence(self, marg: float) -> float:
        if not math.isfinite(marg):
            return 0.0
        z = (marg - self._center) / self._scale
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    @staticmethod
    def _best_col(marg11: NDArray, lo: NDArray[np.int64], j: int) -> float:
        W = marg11.shape[1]
        k = j - lo
        ok = (k >= 0) & (k < W)
        vals = marg11[np.flatnonzero(ok), k[ok]]
        vals = vals[np.isfinite(vals)]
        return float(vals.max()) if vals.size else -1.0


def _or_windows(masks: NDArray[np.uint64], size: int) -> NDArray[np.uint64]:
    """(n + 1,): OR of the masks of the ``size`` sentences ending before each row."""
    n = len(masks)
    out = np.zeros(n + 1, dtype=np.uint64)
    for off in range(size):
        # window ending at row i covers sentences i - size .. i - 1
        out[size:] |= masks[size - 1 - off:n - off] if n >= size else np.zeros(0, np.uint64)
    return out


def _block_mean(X: NDArray[np.float32], f: int) -> NDArray[np.float32]:
    n = len(X)
    k = (n + f - 1) // f
    pad = np.zeros((k * f, X.shape[1]), np.float32)
    pad[:n] = X
    s = pad.reshape(k, f, -1).sum(axis=1)
    return (s / np.maximum(np.linalg.norm(s, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def align(src: Sequence[Segment], tgt: Sequence[Segment], embedder: Embedder,
          config: AlignConfig = DEFAULT_CONFIG, src_lang: str = "zh", tgt_lang: str = "en",
          progress: bool = False) -> Alignment:
    """Align two lists of segments with the native engine."""
    return Aligner(embedder, config, progress).align(src, tgt, src_lang, tgt_lang)


def with_overrides(config: AlignConfig, **kw) -> AlignConfig:
    return replace(config, **{k: v for k, v in kw.items() if v is not None})
