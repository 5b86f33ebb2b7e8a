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

import functools
import math
import unicodedata
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace

import numpy as np
import regex
from numpy.typing import NDArray

from .dp import band_around, dp, fits, full_band, path_posteriors
from .embed.base import DEFAULT_EMBEDDER, Composable, Embedder, compose_runs, encode_batched, signature
from .errors import AlignmentError
from .lexicon import coverage, find_lexicon
from .model import Alignment, Bead, Segment, join_segments
from .numerals import number_tokens


@dataclass(frozen=True, slots=True)
class AlignConfig:
    max_size: int = 4  # most sentences on one side of a bead
    max_total: int = 5  # most sentences in a bead, both sides together
    band: int = 8  # band half-width around the approximate path, in sentences
    full_cells: int = 250_000  # documents with n*m up to this skip the coarse pass
    # documents with more sentences than 1.5 blocks on a side are cut, between two sure 1-1 beads of the
    # approximate path, into pieces of about this many sentences, each aligned on its own: memory stays that
    # of a piece, whatever the document's length
    block: int = 5_000
    # multi-sentence windows: "compose" from per-sentence parts (embedders that can, exact up to the joins),
    # "text": summed sentence vectors, then the joined text embedded where the search is unsure,
    # "sum": summed sentence vectors only; "auto": compose when the embedder can, else text
    windows: str = "auto"
    # evidence beside the similarity, in cosine units (scaled with it into log-odds for each document pair)
    length_weight: float = 0.5  # times the log-odds of the windows' length ratio (matched against unrelated)
    number_weight: float = 0.08  # shared numbers
    name_weight: float = 0.08  # shared rare names, codes and symbols (with Chinese: names by their pinyin)
    paragraph_weight: float = 0.06  # per paragraph boundary crossed inside a window
    paragraph_start_weight: float = 0.04  # bead starts a paragraph on one side only
    anchor_weight: float = 0.15  # same paragraph label ("3.", "(a)") starting both sides; -2x if they differ
    # a bilingual dictionary (align/lexicon.py, where one is installed for the pair): the share of both windows'
    # words with a translation in the other window, less the share where it is neutral (unrelated windows rarely
    # reach it), times the weight (chosen on Text+Berg, checked on the synthetic UN sets: docs/aligner.md)
    lexicon_weight: float = 0.4
    lexicon_neutral: float = 0.1
    sim_weight: float = 1.0  # times the similarity's log-odds
    # log-odds every aligned bead earns (skipped sentences do not): the similarity's log-odds weigh a bead against
    # unrelated windows, and in free translation a right pair often looks little better; without it, a weak
    # right 1-1 bead is merged into its neighbour or skipped. Chosen on Text+Berg (scripts/bench_quality.py)
    bead_reward: float = 7.0
    # the shape prior: SHAPE_PRIOR, re-estimated for each document pair from the beads of a first pass
    prior_strength: float = 20.0  # weight of SHAPE_PRIOR against the document's own bead counts, in beads
    skip_prior: float | None = None  # fix P(1-0) and P(0-1) instead of estimating them
    passes: int = 2  # searches; each after the first uses the model re-estimated from the one before
    # a fixed similarity model (matched centre, spread, unrelated centre, spread) instead of one estimated from
    # the document pair: for comparing documents that may not be translations at all (pairing), where an
    # estimate would find the best of unrelated pairs "matched"; REFERENCE holds the built-in embedders'
    reference: tuple[float, float, float, float] | None = None
    # confidence = posterior probability of the bead with all log-weights divided by ``temperature``;
    # None: the embedder's, fitted by scripts/calibrate.py on Text+Berg and synthetic UN sets (TEMPERATURE)
    temperature: float | None = None

    def shapes(self) -> list[tuple[int, int]]:
        out = [(1, 0), (0, 1)]
        for a in range(1, self.max_size + 1):
            for b in range(1, self.max_size + 1):
                if a + b <= self.max_total:
                    out.append((a, b))
        return out

    def describe(self) -> str:
        return f"native(max={self.max_size},band={self.band},passes={self.passes})"


DEFAULT_CONFIG = AlignConfig()
STAGE_PROGRESS_CELLS = 250_000  # alignments of more sentence pairs than this show their search stages

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


def _number_masks(texts: Sequence[str], lang: str = "") -> NDArray[np.uint64]:
    """A 64-bit mask per text with one bit per number it contains (hashed), as values
    (:func:`align.numerals.number_tokens`: 2 500 = 2,500, 200万 = 2 million, 三 = three, 3月 = March)."""
    return _token_masks([number_tokens(t, lang) for t in texts])


def _token_masks(token_sets: Sequence[Iterable[str]]) -> NDArray[np.uint64]:
    """A 64-bit mask per token set, one (hashed) bit per token."""
    out = np.zeros(len(token_sets), dtype=np.uint64)
    for i, toks in enumerate(token_sets):
        mask = 0
        for tok in toks:
            mask |= 1 << (hash_num(tok) % 64)
        out[i] = mask
    return out


def _agreement(ns: NDArray[np.uint64], nt: NDArray[np.uint64]) -> NDArray[np.float64]:
    """2 * Jaccard - 1 of two token masks where both have tokens (1: the same, -1: none shared), else 0."""
    both = (ns != 0) & (nt != 0)
    inter = np.bitwise_count(ns & nt).astype(np.float64)
    union = np.bitwise_count(ns | nt).astype(np.float64)
    return np.where(both, 2 * inter / np.maximum(union, 1) - 1, 0.0)


_WORD = regex.compile(r"[\p{L}\p{N}][\p{L}\p{N}\p{M}'’]*")
_LATIN_WORD = regex.compile(r"[\p{Latin}\p{N}][\p{Latin}\p{N}\p{M}'’]*")
_HAN_RUN = regex.compile(r"\p{Han}+")


def _is_zh(lang: str) -> bool:
    return lang.lower().startswith("zh")


_NAME_HYPHEN = regex.compile(r"(?<=\p{L})[-\u2010\u2011](?=\p{L})")


def _fold(tok: str) -> str:
    """Case- and accent-folded form of a token, without apostrophes (Ch'ing: "ching")."""
    return "".join(c for c in unicodedata.normalize("NFKD", tok.casefold())
                   if not unicodedata.combining(c) and c not in "'’")


def _name_tokens(text: str, lang: str) -> set[str]:
    """Tokens that name things: capitalised or alphanumeric words of three or more characters, folded.

    In Chinese text: the Latin-script words it holds (codes, acronyms, untranslated names). Elsewhere
    also two capitalised words as one ("Jia Rui": "jiarui") and hyphenated words joined ("Bao-yu":
    "baoyu", "Lin Dai-yu": "lindaiyu"), the forms a Chinese name's romanisation takes.
    """
    zh = _is_zh(lang)
    text = unicodedata.normalize("NFKC", text)
    if zh:
        return {_fold(w) for w in _LATIN_WORD.findall(text) if len(w) >= 3}
    out = set()
    forms = [text, _NAME_HYPHEN.sub("", text)] if _NAME_HYPHEN.search(text) else [text]
    for form in forms:
        words = _WORD.findall(form)
        for k, w in enumerate(words):
            if len(w) >= 3 and (w[0].isupper() or any(c.isdigit() for c in w) and any(c.isalpha() for c in w)):
                out.add(_fold(w))
            if k + 1 < len(words) and w[:1].isupper() and words[k + 1][:1].isupper():
                out.add(_fold(w + words[k + 1]))
    return out


def _pinyin_tokens(text: str, wanted: AbstractSet[str]) -> set[str]:
    """Those of ``wanted`` that romanise a run of two to four Chinese characters of ``text``, as names appear
    in English: toneless pinyin (贾瑞: "jiarui") or Wade-Giles without apostrophes (贾宝玉: "chiapaoyu")."""
    from pypinyin import Style, lazy_pinyin

    out = set()
    for run in _HAN_RUN.findall(text):
        marked = lazy_pinyin(run, style=Style.TONE, errors="ignore")
        if len(marked) != len(run):
            continue
        for syl in zip(*(_romanised(m) for m in marked)):
            for size in (2, 3, 4):
                for k in range(len(syl) - size + 1):
                    tok = "".join(syl[k:k + size])
                    if tok in wanted:
                        out.add(tok)
    return out


@functools.lru_cache(maxsize=4096)
def _romanised(syllable: str) -> tuple[str, str]:
    """A tone-marked pinyin syllable as toneless pinyin and as Wade-Giles, folded (lǚ: "lu", "lu")."""
    from pypinyin import Style
    from pypinyin.style import convert

    return tuple(_fold(convert(syllable, style, True)).replace("v", "u")  # type: ignore[return-value]
                 for style in (Style.NORMAL, Style.WADEGILES))


def _shared_name_masks(src: Sequence[str], src_lang: str, tgt: Sequence[str],
                       tgt_lang: str) -> tuple[NDArray[np.uint64], NDArray[np.uint64]]:
    """Per sentence, a 64-bit mask of the name tokens found on both sides and in few sentences of each."""
    toks = [[_name_tokens(t, lang) for t in texts] for texts, lang in ((src, src_lang), (tgt, tgt_lang))]
    for side, lang, other in ((0, src_lang, tgt_lang), (1, tgt_lang, src_lang)):
        if _is_zh(lang) and not _is_zh(other):
            # only what the other side holds can be shared: romanise for those tokens alone
            wanted = set().union(*toks[1 - side])
            toks[side] = [s | _pinyin_tokens(t, wanted) for s, t in zip(toks[side], (src, tgt)[side])]
    df = []
    for sets in toks:
        d: dict[str, int] = {}
        for s in sets:
            for w in s:
                d[w] = d.get(w, 0) + 1
        df.append(d)
    shared = {w for w in df[0].keys() & df[1].keys()
              if df[0][w] <= max(3, 0.1 * len(src)) and df[1][w] <= max(3, 0.1 * len(tgt))}
    return _token_masks([s & shared for s in toks[0]]), _token_masks([s & shared for s in toks[1]])


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
        if len(todo) == len(texts) and todo == list(texts):
            return rows  # all new and distinct: the rows are the answer (the cache holds views of them)
        out = np.stack([known[t] for t in texts])
        if todo:  # the cache keeps rows of the answer, so the batches it was computed in are freed
            known.update(zip(texts, out))
        return out

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
    parts: NDArray[np.float32] | None = None  # per-sentence parts of a composable embedder
    lang: str = ""


def _prefix(x: NDArray) -> NDArray:
    return np.concatenate([[0.0], np.cumsum(x)])


def _window_sum_vectors(vec: NDArray[np.float32], size: int,
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


@dataclass
class _Model:
    """What a document pair's search is scored with: the similarity log-odds and the shape prior."""

    beta: float  # log-odds per unit of cosine
    c0: dict[tuple[int, int], float]  # per shape: the cosine where a bead is as likely a match as not
    length: tuple[float, float]  # median and spread of the length log ratio of matched windows
    length_null: dict[tuple[int, int], tuple[float, float]]  # the same for unrelated windows, per shape
    log_prior: dict[tuple[int, int], float]  # per shape


@dataclass
class _Lattice:
    """Per-shape arrays over the band: window similarities and the other evidence (cosine units)."""

    shapes: list[tuple[int, int]]
    lo: NDArray[np.int64]
    W: int
    # float32 (half the memory of a long document's lattice; the searches add them up in float64)
    sims: dict[tuple[int, int], NDArray[np.float32]]
    lenr: dict[tuple[int, int], NDArray[np.float32]]  # log ratio of target characters to the expected count
    extra: dict[tuple[int, int], NDArray[np.float32]]
    valid: dict[tuple[int, int], NDArray[np.bool_]]
    ratio: float  # characters of the target per character of the source, over the whole documents
    near: tuple[NDArray[np.int64], int] | None = None  # (lo, W) of the band around a cheap first path
    # per shape, median and spread of unrelated window pairs' similarity and length ratio (_null)
    null: dict[tuple[int, int], tuple[float, float]] = field(default_factory=dict)
    null_length: dict[tuple[int, int], tuple[float, float]] = field(default_factory=dict)


class Aligner:
    def __init__(self, embedder: Embedder, config: AlignConfig = DEFAULT_CONFIG, progress: bool = False) -> None:
        self.embedder = embedder
        self.config = config
        self.cache = EmbeddingCache(embedder, progress)

    # ------------------------------------------------------------ public

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
        n, m = len(src), len(tgt)
        if n == 0 or m == 0:
            return [Bead((i,), (), 1.0) for i in range(n)] + [Bead((), (j,), 1.0) for j in range(m)]
        S, T, L = self._prepare(src, tgt, src_lang, tgt_lang)
        stage = self._stages(n, m)
        try:
            model = self._first_model(S, T, L)
            steps = self._search(L, model, n, m)
            stage("search 1")
            for k in range(self.config.passes - 1):
                model = self._refit(S, T, L, steps)
                steps = self._search(L, model, n, m)
                stage(f"search {k + 2}")
            if self._windows() == "text":
                # windows were scored with summed sentence vectors; embed the real text of the windows
                # near every bead that is not a sure 1-1 and search again
                post = self._confidences(L, model, n, m, steps)
                us, ut = self._uncertain(steps, post, n, m)
                if us.any() or ut.any():
                    self._text_windows(S, src_lang, max(a for a, _ in L.shapes), us)
                    self._text_windows(T, tgt_lang, max(b for _, b in L.shapes), ut)
                    L = replace(self._lattice(S, T, L.lo, L.W), near=L.near, null=L.null, null_length=L.null_length)
                    model = self._refit(S, T, L, steps)
                    steps = self._search(L, model, n, m)
            post = self._confidences(L, model, n, m, steps)
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
        """A long document pair as consecutive pieces of about ``config.block`` sentences, each aligned on its
        own. Where to cut: a path over 8-sentence blocks says roughly where each cut falls; a path over the
        sentences around that place (half a block wide) gives the exact node, between two sure 1-1 beads
        (:func:`_sure_cut`). Nothing but the vectors spans the whole document."""
        X = self._sentence_vectors([s.text for s in src], src_lang)[0]
        Y = self._sentence_vectors([t.text for t in tgt], tgt_lang)[0]
        n, m = len(X), len(Y)
        f, block = 8, self.config.block
        rough = [(min(f * i, n), min(f * j, m)) for i, j in self._approx_path(_block_mean(X, f), _block_mean(Y, f))]
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
            local = [(i + i0, j + j0) for i, j in self._approx_path(X[i0:i1], Y[j0:j1])]
            cut = _sure_cut(local, X, Y, lo, hi, cuts[-1])
            if cut is not None:
                cuts.append(cut)
        cuts.append((n, m))
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
        from tqdm import tqdm

        total = self.config.passes + 1
        bar = tqdm(total=total, desc=f"aligning {n} x {m} sentences", unit="stage", leave=False)

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
        mode = self.config.windows
        if mode not in ("auto", "compose", "text", "sum"):
            raise AlignmentError(f"unknown windows mode {mode!r}: choose auto, compose, text or sum")
        composable = isinstance(self.embedder, Composable)
        if mode == "compose" and not composable:
            raise AlignmentError(f"embedder {self.embedder.name} cannot compose windows; use windows=text")
        if mode == "auto":
            return "compose" if composable else "text"
        return mode

    # ------------------------------------------------------------ the lattice and its evidence

    def _prepare(self, src, tgt, src_lang, tgt_lang) -> tuple[_Side, _Side, _Lattice]:
        n, m = len(src), len(tgt)
        S = self._side([s.text for s in src], [s.paragraph for s in src], src_lang, [s.anchor for s in src])
        T = self._side([t.text for t in tgt], [t.paragraph for t in tgt], tgt_lang, [t.anchor for t in tgt])
        # the band around a cheap first path: the search's lattice for large documents, and for all of them
        # where a first model looks for each sentence's best partner (so that banded and full searches agree)
        near = band_around(self._approx_path(S.vec, T.vec), n, m, self.config.band)
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
                    side.windows[k] = _window_sum_vectors(side.vec, k, np.maximum(np.diff(side.length), 1.0))
        L = self._lattice(S, T, lo, W)
        L.near = near
        return S, T, L

    def _lattice(self, S: _Side, T: _Side, lo: NDArray[np.int64], W: int) -> _Lattice:
        """Similarities and evidence of every bead in the band (computed once; models only reweigh them)."""
        cfg = self.config
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
        cntS, cntT = _prefix(ancS != 0), _prefix(ancT != 0)
        sims, lenr, extra, valid = {}, {}, {}, {}
        # names: where one side is Chinese (pinyin against capitalised words, Latin-script codes on both)
        use_names = cfg.name_weight > 0 and _is_zh(S.lang) != _is_zh(T.lang)
        if use_names:
            names_s, names_t = _shared_name_masks(S.texts, S.lang, T.texts, T.lang)
        lexicon = find_lexicon(S.lang, T.lang) if cfg.lexicon_weight > 0 else None
        if lexicon is not None:
            covered = coverage([lexicon.keys(t, S.lang) for t in S.texts], [lexicon.keys(t, T.lang) for t in T.texts],
                               lo, W, shapes)
        for a, b in shapes:
            ok = valid[(a, b)] = fits(lo, W, m, a, b)
            if a == 0 or b == 0:
                continue
            sims[(a, b)] = np.where(ok, _band_sims(S.windows[a], T.windows[b], lo, W), np.float32(0))
            i0 = np.clip(ri - a, 0, n)
            j0 = np.clip(cols - b, 0, m)
            # length: log ratio of target characters to the expected count
            ls = S.length[ri] - S.length[i0]
            lt = T.length[cols] - T.length[j0]
            lenr[(a, b)] = np.where(ok, _length_ratio(ls, lt, ratio), 0.0).astype(np.float32)
            ev = np.zeros((n + 1, W))
            # shared numbers
            ns = _or_windows(S.nums, a)[ri]
            nt = _or_windows(T.nums, b)[cols]
            ev += cfg.number_weight * _agreement(ns, nt)
            ev -= cfg.number_weight * 0.5 * ((ns != 0) ^ (nt != 0)) * (np.bitwise_count(ns ^ nt) > 1)
            # shared names: a window pair whose names agree, or disagree
            if use_names:
                ev += cfg.name_weight * _agreement(_or_windows(names_s, a)[ri], _or_windows(names_t, b)[cols])
            # words with a translation in the other window (a few words say nothing)
            if lexicon is not None:
                hits, total = covered[(a, b)]
                ev += cfg.lexicon_weight * np.where(total >= _LEXICON_MIN_WORDS,
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
        return _Lattice(shapes, lo, W, sims, lenr, extra, valid, ratio)

    # ------------------------------------------------------------ the model of a document pair

    def _null(self, S: _Side, T: _Side, L: _Lattice) -> tuple[dict, dict]:
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
            out[(a, b)] = _robust(v) if len(set(zip(ii.tolist(), jj.tolist()))) >= 30 else _NULL_DEFAULT
            r = _length_ratio(S.length[ii] - S.length[ii - a], T.length[jj] - T.length[jj - b], L.ratio)
            length[(a, b)] = _robust(r)
        return out, length

    def _first_model(self, S: _Side, T: _Side, L: _Lattice) -> _Model:
        """Matched similarity from mutual best 1-1 partners (each the other's most similar), priors by default."""
        cols = L.lo[:, None] + np.arange(L.W)[None, :]
        near_lo, near_W = L.near if L.near is not None else (L.lo, L.W)
        inside = (cols >= near_lo[:, None]) & (cols < near_lo[:, None] + near_W)
        s11 = np.where(L.valid[(1, 1)] & inside, L.sims[(1, 1)], -np.inf)
        rows = np.arange(1, len(S.texts) + 1)
        ks = s11[1:].argmax(axis=1)
        col_rows, col_ks = _col_argmax(s11, L.lo, L.W, len(T.texts))
        best_row_of_col = dict(zip((L.lo[col_rows] + col_ks).tolist(), col_rows.tolist()))
        mutual = np.array([best_row_of_col.get(int(L.lo[i] + k)) == i for i, k in zip(rows, ks)], dtype=bool)
        ii, kk = np.concatenate([rows, col_rows]), np.concatenate([ks, col_ks])
        # the centre from mutual partners (rarely wrong); the spread from every best partner (a first look
        # should not be sure of itself)
        centre = float(np.median(L.sims[(1, 1)][rows[mutual], ks[mutual]])) if mutual.sum() >= 3 else None
        L.null, L.null_length = self._null(S, T, L)
        return self._model(L, ii, kk, _default_prior(L.shapes), refit=False, centre=centre)

    def _refit(self, S: _Side, T: _Side, L: _Lattice, steps) -> _Model:
        """The model re-estimated from a search's beads: its 1-1 similarities and its shape counts."""
        kappa = self.config.prior_strength
        p0 = _default_prior(L.shapes)
        counts = dict.fromkeys(L.shapes, 0.0)
        ii, kk = [], []
        for (a, b), i, j in steps:
            counts[(a, b)] += 1
            if (a, b) == (1, 1):
                ii.append(i)
                kk.append(j - L.lo[i])
        total = sum(counts.values()) + kappa
        prior = {s: (counts[s] + kappa * p0[s]) / total for s in L.shapes}
        return self._model(L, np.asarray(ii, dtype=np.int64), np.asarray(kk, dtype=np.int64), prior)

    def _model(self, L: _Lattice, ii: NDArray[np.int64], kk: NDArray[np.int64],
               prior: dict[tuple[int, int], float], refit: bool = True, centre: float | None = None) -> _Model:
        """The model whose matched pairs are the 1-1 band cells ``(ii, kk)``."""
        matched, lengths = L.sims[(1, 1)][ii, kk], L.lenr[(1, 1)][ii, kk]
        if self.config.reference is not None:
            mu1, sd1, mu0, sd0 = self.config.reference
            null = {s: (mu0, sd0) for s in L.null}
        else:
            null = L.null
            mu0, sd0 = null.get((1, 1), (0.0, 0.1))
            if len(matched) >= 3:
                mu1, sd1 = _robust(matched)
                mu1 = mu1 if centre is None else centre
            else:
                mu1, sd1 = mu0 + 0.5, 0.1
        mu1 = max(mu1, mu0 + _MIN_GAP)
        beta = self.config.sim_weight * (mu1 - mu0) / ((sd0 * sd0 + sd1 * sd1) / 2.0)
        c0 = {s: (mu1 + null.get(s, (mu0, sd0))[0]) / 2.0 for s in self.config.shapes() if s[0] and s[1]}
        if self.config.skip_prior is not None:
            prior = dict(prior)
            prior[(1, 0)] = prior[(0, 1)] = self.config.skip_prior
        # matched windows' length ratio is centred on 0 (the expected count comes from the documents' own ratio);
        # its spread comes from a search's 1-1 beads (the best partners of a first look may be partial)
        length = (0.0, max(_robust(lengths)[1], _LENGTH_SPREAD_MIN) if refit and len(lengths) >= 3 else
                  _LENGTH_SPREAD_FIRST)
        return _Model(float(beta), c0, length, L.null_length,
                      {s: math.log(max(p, 1e-12)) for s, p in prior.items()})

    def _scores(self, L: _Lattice, model: _Model, temperature: float = 1.0) -> list[NDArray[np.float32]]:
        """Log-weight of every bead in the band, per shape (``-inf`` outside the lattice), in float32."""
        out = []
        for s in L.shapes:
            if s in L.sims:
                v = (model.log_prior[s] + self.config.bead_reward
                     + model.beta * (L.sims[s] - model.c0[s] + L.extra[s]))
                if self.config.length_weight:
                    v = v + self.config.length_weight * _gauss_llr(L.lenr[s], model.length,
                                                                   model.length_null.get(s, (0.0, 1.0)))
            else:
                v = np.full(L.valid[s].shape, model.log_prior[s], dtype=np.float32)
            out.append(np.where(L.valid[s], v / temperature, -np.inf))
        return out

    def _search(self, L: _Lattice, model: _Model, n: int, m: int):
        costs = self._scores(L, model)
        for c in costs:
            np.negative(c, out=c)
        return dp(costs, L.shapes, L.lo, L.W, n, m)

    def _confidences(self, L: _Lattice, model: _Model, n: int, m: int, steps) -> list[float]:
        """Log posterior probability of each bead of ``steps`` at the calibrated temperature."""
        t = self.config.temperature or TEMPERATURE.get(self.embedder.name, TEMPERATURE[DEFAULT_EMBEDDER])
        return path_posteriors(self._scores(L, model, t), L.shapes, L.lo, L.W, n, m, steps)

    def _uncertain(self, steps, post: list[float], n, m, radius: int = 1) -> tuple[NDArray, NDArray]:
        """Sentences within ``radius`` of a bead that is not a 1-1 with posterior >= 0.5."""
        us = np.zeros(n, dtype=bool)
        ut = np.zeros(m, dtype=bool)
        for ((a, b), i, j), logp in zip(steps, post):
            if (a, b) == (1, 1) and logp >= math.log(0.5):
                continue
            us[max(0, i - a - radius):min(n, i + radius)] = True
            ut[max(0, j - b - radius):min(m, j + radius)] = True
        return us, ut

    # ------------------------------------------------------------ parts

    def _side(self, texts: list[str], paras: list[int], lang: str, anchors: list[str]) -> _Side:
        vec, parts = self._sentence_vectors(texts, lang)
        return _Side(texts, vec, _prefix(_char_len(texts)), _number_masks(texts, lang),
                     np.asarray(paras, dtype=np.int64), anchors,
                     {1: np.vstack([np.zeros((1, vec.shape[1]), np.float32), vec])}, parts=parts, lang=lang)

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
        for a, b in shapes:
            if a == 0 or b == 0:
                c = np.full((n + 1, W), 0.3)  # a skipped sentence costs like a poor match
            else:
                sim = _band_sims(Xw[a], Yw[b], lo, W).astype(np.float64)
                c = -sim * (1.0 + 0.3 * (a + b - 2)) + 0.05 * (a + b - 2) + 0.3
            c = np.where(fits(lo, W, m, a, b), c, np.inf)
            costs.append(c)
        steps = dp(costs, shapes, lo, W, n, m)
        return [(0, 0)] + [(i, j) for _, i, j in steps]


_NULL_SAMPLES = 2000
_LEXICON_MIN_WORDS = 4  # window pairs with fewer dictionary words get no dictionary evidence
_LENGTH_SPREAD_FIRST, _LENGTH_SPREAD_MIN = 0.3, 0.1
_NULL_DEFAULT = (0.05, 0.12)  # use-m3's similarity of unrelated sentence pairs, for documents of a few sentences
_MIN_GAP = 0.1  # least gap between matched and unrelated similarity the model assumes


def _sure_cut(nodes: Sequence[tuple[int, int]], X: NDArray[np.float32], Y: NDArray[np.float32], lo: int, hi: int,
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


def _robust(v: NDArray[np.float64]) -> tuple[float, float]:
    """Median and a spread from the median absolute deviation (floored: a few equal values say little)."""
    med = float(np.median(v))
    return med, max(1.4826 * float(np.median(np.abs(v - med))), 0.03)


def _default_prior(shapes: Sequence[tuple[int, int]]) -> dict[tuple[int, int], float]:
    p = {s: SHAPE_PRIOR.get(s, OTHER_SHAPES) for s in shapes}
    z = sum(p.values())
    return {s: v / z for s, v in p.items()}


def _col_argmax(s: NDArray[np.float64], lo: NDArray[np.int64], W: int, m: int) -> tuple[NDArray, NDArray]:
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


def _length_ratio(ls: NDArray, lt: NDArray, ratio: float) -> NDArray[np.float64]:
    """Log ratio of target characters to those expected from the source (smoothed for short windows)."""
    return np.log((lt + 2.0 * ratio) / (ls * ratio + 2.0 * ratio))


def _gauss_llr(x: NDArray, match: tuple[float, float], null: tuple[float, float]) -> NDArray[np.float64]:
    """log N(x; match) - log N(x; null), the null's spread floored to twice the matched one: a concave
    log-odds, highest at the matched centre, that never rewards a window pair for being far from the null's."""
    (m1, s1), (m0, s0) = match, null
    s0 = max(s0, 2.0 * s1, 0.3)
    return -0.5 * ((x - m1) / s1) ** 2 - math.log(s1) + 0.5 * ((x - m0) / s0) ** 2 + math.log(s0)


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
