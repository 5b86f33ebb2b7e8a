"""The bertalign engine (PyPI ``bertalign`` 2.x), for comparison with the native one.

bertalign needs Python >= 3.12 and torch. tmbuild passes its own embedder in
through bertalign's ``Encoder`` interface, so both engines see the same
vectors and a comparison measures the alignment method alone. Where bertalign
is not installed, asking for it is an error that says what to install.
bertalign gives no confidence; each bead's score here is the cosine
similarity of its two sides (clipped to [0, 1]).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import numpy as np

from ..embed.base import Embedder, encode_batched, signature
from ..errors import AlignmentError, MissingDependency
from ..model import Alignment, Bead, Segment, join_segments

MAX_ALIGN = 5  # bertalign's default: beads of up to 5 sentences in all


def _bertalign():
    """bertalign and its overlap helper, or a one-line error saying how to get them."""
    if sys.version_info < (3, 12):
        raise MissingDependency(
            f"the bertalign engine needs Python >= 3.12 (this is {sys.version.split()[0]}); "
            "use --engine native, or install tmbuild with Python 3.12 and pip install 'tmbuild[bertalign]'")
    try:
        import bertalign
        from bertalign.utils import yield_overlaps
    except ImportError as e:
        raise MissingDependency("the bertalign engine is not installed; run: pip install 'tmbuild[bertalign]'"
                                ) from e
    return bertalign, yield_overlaps


def make_encoder(embedder: Embedder):
    """A bertalign ``Encoder`` that embeds with a tmbuild embedder (no sentence-transformers model loaded)."""
    bertalign, yield_overlaps = _bertalign()

    class TmbuildEncoder(bertalign.Encoder):
        """bertalign's encoder interface over tmbuild's embedder: the same vectors through bertalign's search."""
        def __init__(self) -> None:  # deliberately not calling Encoder.__init__: no model to load
            self.model_name = signature(embedder)
            self.embedder = embedder

        def transform(self, sents, num_overlaps):
            overlaps = list(yield_overlaps(sents, num_overlaps))
            uniq = list(dict.fromkeys(overlaps))
            vecs = encode_batched(embedder, uniq)
            index = {t: k for k, t in enumerate(uniq)}
            sent_vecs = vecs[[index[t] for t in overlaps]].reshape(num_overlaps, len(sents), -1)
            len_vecs = np.array([len(t.encode("utf-8")) for t in overlaps], dtype=np.int64)
            return sent_vecs, len_vecs.reshape(num_overlaps, len(sents))

    return TmbuildEncoder()


def align_with_bertalign(src: Sequence[Segment], tgt: Sequence[Segment], embedder: Embedder, *,
                         src_lang: str = "zh", tgt_lang: str = "en") -> Alignment:
    bertalign, _ = _bertalign()
    src, tgt = tuple(src), tuple(tgt)
    if any("\n" in s.text for s in src + tgt):
        raise AlignmentError("segments must not contain line breaks")
    aligner = bertalign.Bertalign("\n".join(s.text for s in src), "\n".join(t.text for t in tgt),
                                  is_split=True, model=make_encoder(embedder), max_align=MAX_ALIGN)
    if aligner.src_num != len(src) or aligner.tgt_num != len(tgt):
        raise AlignmentError(f"bertalign saw {aligner.src_num}/{aligner.tgt_num} sentences, "
                             f"expected {len(src)}/{len(tgt)} (empty segments?)")
    result = aligner.align_sents()
    texts = []
    for s_ids, t_ids in result:
        texts.append((join_segments([src[i].text for i in s_ids], src_lang),
                      join_segments([tgt[j].text for j in t_ids], tgt_lang)))
    both = [k for k, (s_ids, t_ids) in enumerate(result) if s_ids and t_ids]
    sims = np.zeros(len(result))
    if both:
        a = encode_batched(embedder, [texts[k][0] for k in both])
        b = encode_batched(embedder, [texts[k][1] for k in both])
        sims[both] = np.clip((a * b).sum(axis=1), 0.0, 1.0)
    beads = tuple(Bead(tuple(int(i) for i in s_ids), tuple(int(j) for j in t_ids),
                       round(float(sims[k]), 4) if s_ids and t_ids else 1.0)
                  for k, (s_ids, t_ids) in enumerate(result))
    return Alignment(src, tgt, beads, src_lang, tgt_lang,
                     f"bertalign {getattr(bertalign, '__version__', '?')} max_align={MAX_ALIGN} "
                     f"embedder={signature(embedder)}")
