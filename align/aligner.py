"""The native sentence aligner: a bead model scored on each bead's own evidence.

A path through the alignment lattice is a sequence of beads (1-1, 1-2, 2-1,
2-2, ..., 1-0, 0-1). Each bead of shape ``(a, b)`` has a log-weight

    log P(shape) + R + beta * (cos(window_a, window_b) - c0[shape] + evidence)

where ``R`` (``AlignConfig.bead_reward``) is what every aligned bead earns,
``cos`` is the similarity of the vectors of its two windows (the joined
sentences), ``c0`` and ``beta`` turn it into the log-odds of "these
windows are translations" against "two unrelated windows" (a linear
discriminant between the document pair's own similarity of matched
sentences and that of random window pairs of the same shape), and
``evidence`` is what else a bilingual reader sees: length agreement, shared
numbers, paragraph boundaries and labels, names, words a dictionary
translates (align/lexicon.py). A skipped sentence has only
its prior. So every aligned bead earns its own reward, merging two good
beads loses one, and what an insertion or a merge costs is an explicit prior
on shapes, re-estimated for each document pair from a first pass (a UN
document with orphan sentences and a loosely translated chapter get their
own prices). Nothing is measured against a sentence's neighbours.

The search is linear in document length: for large inputs an approximate
path from sentence vectors (found on coarsened copies, as vecalign does)
defines a band, and both the best path (Viterbi) and every bead's posterior
probability (forward-backward) are computed inside it. A bead's confidence
is its posterior probability under the model at a calibrated temperature:
the probability that it is exactly right (scripts/calibrate.py).

Multi-sentence windows get the vector of their joined text: composed from
per-sentence parts when the embedder can (use-m3: exact up to the joins), or
summed sentence vectors with the joined text embedded near every unsure
bead (each window once, cached).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from . import beadmodel
from .beadmodel import REFERENCE, SHAPE_PRIOR, TEMPERATURE, Model  # noqa: F401 - the calibration, re-exported
from .cutting import approx_path, cut_points
from .dp import band_around, full_band
from .embed.base import DEFAULT_EMBEDDER, Composable, Embedder, compose_runs, signature
from .embed.cache import EmbeddingCache
from .errors import AlignmentError
from .features import char_lengths, number_masks, prefix_sums
from .lattice import Lattice, Side, build_lattice, window_sum_vectors
from .lexicon import find_lexicon
from .model import Alignment, Bead, Segment, join_segments
from .progress import progress_bar


@dataclass(frozen=True, slots=True)
class AlignConfig:
    """The aligner's settings; the defaults are the measured best (docs/aligner.md has the figures)."""
    max_size: int = 4  # most sentences on one side of a bead
    max_total: int = 5  # most sentences in a bead, both sides together
    band: int = 8  # band half-width around the approximate path, in sentences
    full_cells: int = 250_000  # documents with n*m up to this skip the coarse pass
    block: int = 5_000  # longer documents are cut between sure 1-1 beads into pieces of about this many sentences
    # multi-sentence windows: "compose" from per-sentence parts (exact up to the joins), "text" (summed vectors,
    # then the joined text embedded where the search is unsure), "sum", or "auto" (compose when the embedder can)
    windows: str = "auto"
    # evidence beside the similarity, in cosine units (scaled with it into log-odds for each document pair)
    length_weight: float = 0.5  # times the log-odds of the windows' length ratio (matched against unrelated)
    number_weight: float = 0.08  # shared numbers
    name_weight: float = 0.08  # shared rare names, codes and symbols (with Chinese: names by their pinyin)
    paragraph_weight: float = 0.06  # per paragraph boundary crossed inside a window
    paragraph_start_weight: float = 0.04  # bead starts a paragraph on one side only
    anchor_weight: float = 0.15  # same paragraph label ("3.", "(a)") starting both sides; -2x if they differ
    lexicon_weight: float = 0.4  # share of words a dictionary translates in the other window (align/lexicon.py)
    lexicon_neutral: float = 0.1  # ... less the share unrelated windows reach
    sim_weight: float = 1.0  # times the similarity's log-odds
    bead_reward: float = 7.0  # log-odds every aligned bead earns: a weak right 1-1 is not merged or skipped
    prior_strength: float = 20.0  # weight of SHAPE_PRIOR against the document's own bead counts, in beads
    skip_prior: float | None = None  # fix P(1-0) and P(0-1) instead of estimating them
    passes: int = 2  # searches; each after the first uses the model re-estimated from the one before
    # a fixed similarity model (matched centre, spread, unrelated centre, spread) instead of one estimated from
    # the documents: for pairs that may not be translations at all (pairing); REFERENCE holds the embedders'
    reference: tuple[float, float, float, float] | None = None
    temperature: float | None = None  # of the confidences; None: the embedder's (TEMPERATURE)

    def shapes(self) -> list[tuple[int, int]]:
        """Every bead shape (a, b) allowed: insertions, deletions and up to ``max_size`` a side."""
        out = [(1, 0), (0, 1)]
        for a in range(1, self.max_size + 1):
            for b in range(1, self.max_size + 1):
                if a + b <= self.max_total:
                    out.append((a, b))
        return out

    def describe(self) -> str:
        """The settings that name an alignment's method."""
        return f"native(max={self.max_size},band={self.band},passes={self.passes})"


DEFAULT_CONFIG = AlignConfig()
STAGE_PROGRESS_CELLS = 250_000  # alignments of more sentence pairs than this show their search stages


class Aligner:
    """The passes of the native aligner over one embedder's vectors, cached across the documents it aligns;
    the pieces are pure: :mod:`.features`, :mod:`.lattice`, :mod:`.beadmodel`, :mod:`.cutting`."""

    def __init__(self, embedder: Embedder, config: AlignConfig = DEFAULT_CONFIG, progress: bool = False) -> None:
        self.embedder = embedder
        self.config = config
        self.cache = EmbeddingCache(embedder, progress)

    def align(self, src: Sequence[Segment], tgt: Sequence[Segment], src_lang: str = "zh",
              tgt_lang: str = "en") -> Alignment:
        src, tgt = tuple(src), tuple(tgt)
        method = f"{self.config.describe()} embedder={signature(self.embedder)}"
        lexicon = find_lexicon(src_lang, tgt_lang) if self.config.lexicon_weight > 0 else None
        if lexicon is not None:
            method += f" dictionary={lexicon.source.replace(' ', '-')}"
        n, m = len(src), len(tgt)
        if max(n, m) > 1.5 * self.config.block and min(n, m) > 0:
            return self._align_blocks(src, tgt, src_lang, tgt_lang, method)
        return Alignment(src, tgt, tuple(self._beads(src, tgt, src_lang, tgt_lang)), src_lang, tgt_lang, method)

    def _beads(self, src: tuple[Segment, ...], tgt: tuple[Segment, ...], src_lang: str, tgt_lang: str) -> list[Bead]:
        """The passes: a first model, searches each with the model re-estimated from the one before, windows
        embedded where the search is unsure (windows="text"), then each bead's confidence."""
        n, m = len(src), len(tgt)
        if n == 0 or m == 0:
            return [Bead((i,), (), 1.0) for i in range(n)] + [Bead((), (j,), 1.0) for j in range(m)]
        cfg = self.config
        S, T, L = self._prepare(src, tgt, src_lang, tgt_lang)
        stage = self._stages(n, m)
        temperature = cfg.temperature or TEMPERATURE.get(self.embedder.name, TEMPERATURE[DEFAULT_EMBEDDER])
        try:
            model = beadmodel.first_model(S, T, L, cfg)
            steps = beadmodel.search(L, model, cfg, n, m)
            stage("search 1")
            for k in range(cfg.passes - 1):
                model = beadmodel.refit(L, steps, cfg, model)
                steps = beadmodel.search(L, model, cfg, n, m)
                stage(f"search {k + 2}")
            if self._windows() == "text":
                # windows were scored with summed sentence vectors; embed the real text of the windows
                # near every bead that is not a sure 1-1 and search again
                post = beadmodel.confidences(L, model, cfg, temperature, n, m, steps)
                near_src, near_tgt = beadmodel.uncertain(steps, post, n, m)
                if near_src.any() or near_tgt.any():
                    self._text_windows(S, src_lang, max(a for a, _ in L.shapes), near_src)
                    self._text_windows(T, tgt_lang, max(b for _, b in L.shapes), near_tgt)
                    L = build_lattice(S, T, L.lo, L.W, cfg, L.near)
                    model = beadmodel.refit(L, steps, cfg, model)
                    steps = beadmodel.search(L, model, cfg, n, m)
            post = beadmodel.confidences(L, model, cfg, temperature, n, m, steps)
            stage("confidences")
        except ValueError as e:  # pragma: no cover - the band always holds the corners
            raise AlignmentError(f"alignment search failed: {e}") from e
        beads = []
        for ((a, b), i, j), logp in zip(steps, post):
            p = math.exp(logp)
            beads.append(Bead(tuple(range(i - a, i)), tuple(range(j - b, j)), round(min(max(p, 0.0), 1.0), 4)))
        return beads

    def _align_blocks(self, src: tuple[Segment, ...], tgt: tuple[Segment, ...], src_lang: str, tgt_lang: str,
                      method: str) -> Alignment:
        """A long document pair as consecutive pieces (:func:`.cutting.cut_points`), each aligned on its own.
        Nothing but the vectors spans the whole document."""
        X = self._sentence_vectors([s.text for s in src], src_lang)[0]
        Y = self._sentence_vectors([t.text for t in tgt], tgt_lang)[0]
        cuts = cut_points(X, Y, self.config.block, self.config.band, self.config.full_cells)
        del X, Y
        beads: list[Bead] = []
        for (i0, j0), (i1, j1) in zip(cuts, cuts[1:]):
            part = self._beads(src[i0:i1], tgt[j0:j1], src_lang, tgt_lang)
            beads += [Bead(tuple(i + i0 for i in b.src), tuple(j + j0 for j in b.tgt), b.score) for b in part]
        return Alignment(src, tgt, tuple(beads), src_lang, tgt_lang, method)

    def _sentence_vectors(self, texts: list[str], lang: str) -> tuple[NDArray[np.float32], NDArray[np.float32] | None]:
        """Each sentence's vector, and its composable parts when windows are composed from them (else None)."""
        if self._windows() == "compose":
            parts = self.cache.parts(texts, desc=f"embedding {lang}")
            return self.embedder.compose(parts, 1), parts  # type: ignore[attr-defined]
        return self.cache.encode(texts, desc=f"embedding {lang}"), None

    def _stages(self, n: int, m: int):
        """A progress bar over the search stages of a large alignment (after embedding, which has its own);
        returns the function that marks a stage done ("confidences" is the last)."""
        if not self.cache.progress or n * m < STAGE_PROGRESS_CELLS:
            return lambda name: None
        bar = progress_bar(total=self.config.passes + 1, desc=f"aligning {n} x {m} sentences", unit="stage")

        def done(name: str) -> None:
            bar.update(1)
            bar.set_postfix_str(name)
            if name == "confidences":  # the last stage
                bar.close()

        return done

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

    def _windows(self) -> str:
        """How multi-sentence windows get their vectors: "compose", "text" or "sum" (``config.windows``)."""
        mode = self.config.windows
        if mode not in ("auto", "compose", "text", "sum"):
            raise AlignmentError(f"unknown windows mode {mode!r}: choose auto, compose, text or sum")
        composable = isinstance(self.embedder, Composable)
        if mode == "compose" and not composable:
            raise AlignmentError(f"embedder {self.embedder.name} cannot compose windows; use windows=text")
        if mode == "auto":
            return "compose" if composable else "text"
        return mode

    def _prepare(self, src, tgt, src_lang, tgt_lang) -> tuple[Side, Side, Lattice]:
        """Both sides with their window vectors, and the lattice of the band the search runs in."""
        n, m = len(src), len(tgt)
        S = self._side([s.text for s in src], [s.paragraph for s in src], src_lang, [s.anchor for s in src])
        T = self._side([t.text for t in tgt], [t.paragraph for t in tgt], tgt_lang, [t.anchor for t in tgt])
        # the band around a cheap first path: the search's lattice for large documents, and for all of them
        # where a first model looks for each sentence's best partner (so that banded and full searches agree)
        near = band_around(approx_path(S.vec, T.vec, self.config.band, self.config.full_cells), n, m,
                           self.config.band)
        lo, W = full_band(n, m) if n * m <= self.config.full_cells else near
        shapes = self.config.shapes()
        for side, size in ((S, max(a for a, _ in shapes)), (T, max(b for _, b in shapes))):
            for k in range(2, size + 1):
                if side.parts is not None:
                    side.windows[k] = np.zeros((len(side.texts) + 1, side.vec.shape[1]), np.float32)
                    side.windows[k][k:] = self.embedder.compose(side.parts, k)  # type: ignore[attr-defined]
                else:
                    # each sentence weighs as much as its text: the joined text's embedding is dominated by
                    # its longer sentences, and a three-character fragment must not count as much as they do
                    side.windows[k] = window_sum_vectors(side.vec, k, np.maximum(np.diff(side.length), 1.0))
        return S, T, build_lattice(S, T, lo, W, self.config, near)

    def _side(self, texts: list[str], paras: list[int], lang: str, anchors: list[str]) -> Side:
        vec, parts = self._sentence_vectors(texts, lang)
        return Side(texts, vec, prefix_sums(char_lengths(texts)), number_masks(texts, lang),
                    np.asarray(paras, dtype=np.int64), anchors,
                    {1: np.vstack([np.zeros((1, vec.shape[1]), np.float32), vec])}, parts=parts, lang=lang)

    def _text_windows(self, side: Side, lang: str, max_size: int, where: NDArray[np.bool_]) -> None:
        """Replace summed window vectors by embeddings of the joined text, for windows starting in ``where``."""
        n = len(side.texts)
        for size in range(2, max_size + 1):
            ends = [i for i in range(size, n + 1) if where[i - size]]
            if not ends:
                continue
            texts = [join_segments(side.texts[i - size:i], lang) for i in ends]
            side.windows[size][ends] = self.cache.encode(texts, desc=f"embedding {lang} windows of {size}")


def align(src: Sequence[Segment], tgt: Sequence[Segment], embedder: Embedder,
          config: AlignConfig = DEFAULT_CONFIG, src_lang: str = "zh", tgt_lang: str = "en",
          progress: bool = False) -> Alignment:
    """Align two lists of segments with the native engine."""
    return Aligner(embedder, config, progress).align(src, tgt, src_lang, tgt_lang)


def with_overrides(config: AlignConfig, **kw) -> AlignConfig:
    """``config`` with the settings of ``kw`` that are not None."""
    return replace(config, **{k: v for k, v in kw.items() if v is not None})
