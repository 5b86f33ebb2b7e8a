"""From two documents to an alignment and translation units."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from align.aligner import DEFAULT_CONFIG, AlignConfig, Aligner, EmbeddingCache
from align.embed.base import Composable, Embedder, compose_runs, signature
from align.errors import InputError
from align.model import Alignment, Document, Paragraph, Segment, TranslationUnit
from align.numerals import chinese_number
from align.segment import split_sentences

from .files import is_stdio
from .langtags import check_tag, check_text, primary, text_lang, user_lang
from .readers import read_document, read_lines

LARGE_ALIGNMENT = 100_000_000  # sentence pairs in the matrix above which align warns (10,000 x 10,000)
DEFAULT_ENGINE = "native"


_ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv", "xv",
          "xvi", "xvii", "xviii", "xix", "xx"]


def paragraph_anchor(p: Paragraph) -> str:
    """A language-neutral name for a paragraph's label: "op:3", "sub:a", "sub:ii", "art:1" (or "")."""
    label = p.label.strip()
    if not label:
        return ""
    if p.kind == "operative":
        return f"op:{label}"
    if p.kind == "subitem":
        inner = label.strip("()（）")
        if inner and all(c in "一二三四五六七八九十" for c in inner):
            n = chinese_number(inner) if len(inner) > 1 else "一二三四五六七八九十".index(inner) + 1
            return f"sub:{_ROMAN[n - 1]}" if n and n <= len(_ROMAN) else ""  # (一) is (i) in English
        return f"sub:{inner.lower()}"
    if label.isdigit():
        return f"art:{label}"  # articles (UDHR data-number), first paragraph only
    return ""


def segment_document(doc: Document) -> list[Segment]:
    """Sentences of every paragraph; paragraph indices follow the document.

    The first sentence of a labelled paragraph carries the paragraph's anchor
    (for articles: only the first paragraph of the article).
    """
    out: list[Segment] = []
    seen: set[str] = set()
    for i, p in enumerate(doc.paragraphs):
        anchor = paragraph_anchor(p)
        if anchor in seen and anchor.startswith("art:"):
            anchor = ""
        seen.add(anchor)
        for k, s in enumerate(split_sentences(p.text, doc.lang)):
            out.append(Segment(s, i, anchor if k == 0 else ""))
    return out


@dataclass(frozen=True, slots=True)
class DocVectors:
    """What embedding a document once gives the steps after it.

    ``paragraphs``/``para_vecs``: paragraph vectors (pairing compares documents by paragraphs).
    ``sentences``/``parts``: with an embedder that composes, the parts of the document's sentences
    (:func:`segment_document` order), from which the paragraph vectors were composed and which the
    sentence aligner takes as they are; empty for other embedders.
    """

    paragraphs: tuple[str, ...]
    para_vecs: np.ndarray
    sentences: tuple[str, ...] = ()
    parts: np.ndarray | None = None

    def prefill(self, aligner: Aligner, level: str) -> None:
        """Put the vectors of ``level`` ("sentence" or "paragraph") into the aligner's embedding cache."""
        if level == "paragraph":
            aligner.cache.add(self.paragraphs, self.para_vecs)
        elif self.parts is not None:
            aligner.cache.add(self.sentences, self.parts, parts=True)


def embed_document(doc: Document, embedder: Embedder) -> DocVectors:
    """Embed a document once: its sentences' parts when the embedder composes, else its paragraphs."""
    if not isinstance(embedder, Composable):
        texts = tuple(p.text for p in doc.paragraphs)
        return DocVectors(texts, EmbeddingCache(embedder).encode(texts))
    segs = segment_document(doc)
    parts = EmbeddingCache(embedder).parts([s.text for s in segs])  # documents repeat boilerplate: each once
    runs: dict[int, list[int]] = {}
    for k, s in enumerate(segs):
        runs.setdefault(s.paragraph, []).append(k)
    para_vecs = compose_runs(embedder, parts, list(runs.values())) if runs else np.zeros((0, embedder.dim),
                                                                                          np.float32)
    return DocVectors(tuple(doc.paragraphs[i].text for i in runs), para_vecs, tuple(s.text for s in segs), parts)


def _native(src, tgt, embedder, src_lang, tgt_lang, config, progress) -> Alignment:
    return Aligner(embedder, config, progress).align(src, tgt, src_lang, tgt_lang)


def _bertalign(src, tgt, embedder, src_lang, tgt_lang, config, progress) -> Alignment:
    from align.engines.bertalign_engine import align_with_bertalign

    return align_with_bertalign(src, tgt, embedder, src_lang=src_lang, tgt_lang=tgt_lang)


# the aligners a pair of documents can go through (--engine); each imports what it needs when chosen
ENGINES: dict[str, Callable[..., Alignment]] = {"native": _native, "bertalign": _bertalign}


def align_segments(src: Sequence[Segment], tgt: Sequence[Segment], embedder: Embedder, *,
                   src_lang: str = "zh", tgt_lang: str = "en", engine: str = DEFAULT_ENGINE,
                   config: AlignConfig = DEFAULT_CONFIG, progress: bool = False) -> Alignment:
    """Two sides' sentences aligned by ``engine`` (:data:`ENGINES`)."""
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    return ENGINES[engine](src, tgt, embedder, src_lang, tgt_lang, config, progress)


def load_segments(path: str | Path, presplit: bool, lang: str | None,
                  option: str = "--src-lang") -> tuple[list[Segment], str, Document | None]:
    """Segments of a file (its lines with ``presplit``, else its sentences) and its language as an internal
    tag (:mod:`corpus.langtags`): ``lang`` when given (checked against the text), else detected."""
    from .chinese import detect_script
    from .readers import detect_lang

    if lang:
        check_tag(lang, option)
    data = None
    if is_stdio(path):
        data, path = sys.stdin.buffer.read(), Path("<stdin>")
    if presplit:
        lines = read_lines(path, data)
        segs, doc, sample = [Segment(t) for t in lines], None, "\n".join(lines[:200])  # no paragraphs
        detected = text_lang(detect_lang(sample), detect_script(sample))
    else:
        doc = read_document(path, data=data)
        segs, sample, detected = segment_document(doc), doc.text[:20000], doc.tag
    if not lang:
        return segs, detected, doc
    check_text(lang, sample, str(path), option)
    return segs, user_lang(lang, detected.partition("-")[2], option), doc


@dataclass(frozen=True, slots=True)
class SidePair:
    """Two files read for alignment: segments and internal language tags of each side."""

    src: list[Segment]
    src_lang: str
    tgt: list[Segment]
    tgt_lang: str
    warnings: tuple[str, ...] = ()


def read_pair(src_path: str | Path, tgt_path: str | Path, *, presplit: bool = False,
              src_lang: str | None = None, tgt_lang: str | None = None) -> SidePair:
    """Read and segment the two sides of an alignment (one may be ``-``, standard input); warn when both are
    in one language."""
    if is_stdio(src_path) and is_stdio(tgt_path):
        raise InputError("only one of SRC and TGT can be - (standard input); give the other as a file")
    src, sl, sdoc = load_segments(src_path, presplit, src_lang, "--src-lang")
    tgt, tl, tdoc = load_segments(tgt_path, presplit, tgt_lang, "--tgt-lang")
    warnings = tuple(f"{path}: {w}" for path, doc in ((src_path, sdoc), (tgt_path, tdoc)) if doc
                     for w in doc.warnings)
    if len(src) * len(tgt) > LARGE_ALIGNMENT:
        warnings += (f"{len(src)} x {len(tgt)} sentences is a large alignment: it takes minutes and gigabytes; "
                     "split the documents where you can",)
    if not src:
        raise InputError(f"{src_path}: no sentences to align")
    if not tgt:
        raise InputError(f"{tgt_path}: no sentences to align")
    if primary(sl) == primary(tl):
        warnings += (f"{src_path} and {tgt_path} are both {primary(sl)}: is one of them the wrong file? "
                     "(aligning them anyway)",)
    return SidePair(src, sl, tgt, tl, warnings)


@dataclass(frozen=True, slots=True)
class AlignedPair:
    """A document pair aligned into what the writers and the store need: the alignment, its translation units,
    and (for the store) both sides' vectors of each unit."""

    alignment: Alignment
    units: list[TranslationUnit]
    src_vecs: np.ndarray | None = None
    tgt_vecs: np.ndarray | None = None


def align_pair(src: Sequence[Segment], tgt: Sequence[Segment], src_lang: str, tgt_lang: str, embedder: Embedder,
               *, doc: str, engine: str = DEFAULT_ENGINE, config: AlignConfig = DEFAULT_CONFIG,
               aligner: Aligner | None = None, vectors: bool = False, min_score: float = 0.0,
               keep_unaligned: bool = False, progress: bool = False) -> AlignedPair:
    """The one path from a pair of segmented documents to translation units: ``tmbuild align`` (one pair,
    lists, folders) and ``tmbuild build`` both go through it. ``aligner``: a native aligner kept across pairs
    (its embedding cache); ``vectors``: each unit's vectors too, composed from what the alignment embedded
    (needs ``aligner``)."""
    if aligner is not None:
        alignment = aligner.align(src, tgt, src_lang, tgt_lang)
    else:
        alignment = align_segments(src, tgt, embedder, src_lang=src_lang, tgt_lang=tgt_lang, engine=engine,
                                   config=config, progress=progress)
    units = translation_units(alignment, doc=doc, embedder=signature(embedder), min_score=min_score,
                              keep_unaligned=keep_unaligned)
    if not vectors:
        return AlignedPair(alignment, units)
    if aligner is None:
        raise ValueError("the units' vectors come from the aligner that embedded them: pass aligner=")
    src_vecs, tgt_vecs = aligner.pair_vectors(alignment)
    keep = [u.bead for u in units]  # a unit's bead is its index among the alignment's pairs
    return AlignedPair(alignment, units, src_vecs[keep], tgt_vecs[keep])


def translation_units(alignment: Alignment, doc: str = "", embedder: str = "",
                      min_score: float = 0.0, keep_unaligned: bool = False) -> list[TranslationUnit]:
    """One unit per bead with text on both sides, numbered in order; with ``keep_unaligned`` also one per
    sentence left unaligned (the other side empty), in document order. Every unit carries its sentence ids."""
    out = []
    k = 0
    for bead in alignment.beads:
        paired = bool(bead.src and bead.tgt)
        if (paired and bead.score >= min_score) or (not paired and keep_unaligned):
            para = (alignment.src[bead.src[0]] if bead.src else alignment.tgt[bead.tgt[0]]).paragraph
            out.append(TranslationUnit(*alignment.texts(bead), alignment.src_lang, alignment.tgt_lang, bead.score,
                                       bead.kind, doc, para, k if paired else -1, embedder, bead.src, bead.tgt))
        k += paired
    return out


def unaligned_counts(alignment: Alignment) -> tuple[int, int]:
    """Source and target sentences that no bead pairs with the other side."""
    return (sum(len(b.src) for b in alignment.beads if not b.tgt),
            sum(len(b.tgt) for b in alignment.beads if not b.src))
