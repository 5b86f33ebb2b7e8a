"""One ranked answer from the candidates of each kind of match: a pure function, driven by tests without a
store.

Kinds, in the order a CAT user expects them:

1. ``exact``: the stored segment is the query (normal form: NFKC, case, white space).
2. ``concordance``: the query occurs verbatim in the segment; closest to the query's length first.
3. ``fuzzy``: CAT edit similarity of the whole segment at or above the threshold; highest first.
4. ``semantic``: nearest by embedding; most similar first, none below ``min_similarity``.

A match percentage (:attr:`Hit.match`) is given for exact and fuzzy matches only, as CAT tools give it; a
concordance hit "contains" the query (unless the whole segment is also a fuzzy match: the query without its
full stop is a 94% match of the sentence with it, and a CAT tool would say so), a semantic one is "similar"
with its cosine.

A pair found by several kinds is listed once, under the first. Pairs with the same text and translation
(the same sentence in several documents) become one hit with a count and their documents.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field, replace

from .matching import normalise_text

KINDS = ("exact", "concordance", "fuzzy", "semantic")
FUZZY_MIN = 70.0  # CAT match percentage from which a segment is a fuzzy match
MODES = ("auto", *KINDS[1:])


@dataclass(frozen=True, slots=True)
class Hit:
    """One pair of a lookup's answer: how it matched, its texts, scores, document and the spans to mark."""
    pair_id: int
    kind: str  # one of KINDS
    text: str  # the stored segment in the query's language
    translation: str
    similarity: float | None  # cosine of query and segment, when the vectors were consulted
    fuzzy: float  # CAT match percentage of the whole segment, 0-100
    score: float  # alignment confidence of the pair
    doc: str  # document symbol, or file name
    source: str  # where the pair came from (paths or TMX file)
    paragraph: int
    bead_kind: str
    spans: tuple[tuple[int, int], ...] = ()  # the query in ``text`` (concordance), character offsets
    translation_spans: tuple[tuple[int, int], ...] = ()  # its rendering in ``translation``
    count: int = 1  # identical pairs this hit stands for
    documents: tuple[str, ...] = field(default=())  # their documents, this hit's first
    min_match: float = FUZZY_MIN  # the lookup's fuzzy threshold: a concordance hit reaching it is a match too

    @property
    def exact(self) -> bool:
        return self.kind == "exact"

    @property
    def match(self) -> float | None:
        """The match percentage as CAT tools give it: for exact and fuzzy matches only. A concordance hit
        contains the query, and its share of the segment is no match percentage unless the segment is also
        a fuzzy match (its percentage reaches ``min_match``); a semantic one is near in meaning, not in text."""
        if self.kind == "exact":
            return 100.0
        if self.kind == "fuzzy" or (self.kind == "concordance" and self.fuzzy >= self.min_match):
            return self.fuzzy
        return None

    @property
    def label(self) -> str:
        """How a match is shown: ``100%``, ``87%`` (fuzzy, or a concordance hit that is a fuzzy match too),
        ``contains``, ``similar 0.62``."""
        if self.match is not None:
            return f"{self.match:.0f}%"
        if self.kind == "concordance":
            return "contains"
        return f"similar {self.similarity:.2f}" if self.similarity is not None else "similar"

    def as_dict(self) -> dict:
        d = {k: getattr(self, k) for k in self.__slots__ if k != "min_match"}
        d["match"], d["label"] = self.match, self.label
        d["document"] = self.doc
        d["spans"] = [list(s) for s in self.spans]
        d["translation_spans"] = [list(s) for s in self.translation_spans]
        d["documents"] = list(self.documents or (self.doc,))
        return d


def _order(h: Hit, prefer: Callable[[Hit], bool]) -> tuple:
    rank = KINDS.index(h.kind)
    if h.kind == "semantic":
        return rank, -(h.similarity or 0.0), not prefer(h), -h.score, h.pair_id
    return rank, -h.fuzzy, not prefer(h), -h.score, h.pair_id


def rank(candidates: Iterable[Hit], k: int, min_similarity: float = 0.0,
         same: Callable[[Hit], Hashable] | None = None, prefer: Callable[[Hit], bool] | None = None
         ) -> list[Hit]:
    """The first ``k`` hits of ``candidates`` (of any kinds, in any order), ranked and collapsed. Hits are
    the same pair when ``same`` gives them the same key (by default: text and translation, normalised).
    Among hits that match equally well, those ``prefer`` says yes to come first (the query's own script:
    of a sentence stored in Simplified and Traditional, a Traditional query is shown the Traditional one)."""
    prefer = prefer or (lambda h: True)
    best: dict[int, Hit] = {}
    for h in candidates:
        if h.kind == "semantic" and (h.similarity or 0.0) < min_similarity:
            continue
        old = best.get(h.pair_id)
        if old is None:
            best[h.pair_id] = h
            continue
        first, other = (old, h) if KINDS.index(old.kind) <= KINDS.index(h.kind) else (h, old)
        sim = first.similarity if first.similarity is not None else other.similarity
        best[h.pair_id] = replace(first, similarity=sim, fuzzy=max(first.fuzzy, other.fuzzy),
                                  spans=first.spans or other.spans)
    same = same or (lambda h: (normalise_text(h.text), normalise_text(h.translation)))
    groups: dict[Hashable, list[Hit]] = {}  # in rank order: the first of each group is the hit shown
    for h in sorted(best.values(), key=lambda h: _order(h, prefer)):
        groups.setdefault(same(h), []).append(h)
    out = []
    for group in itertools.islice(groups.values(), k):
        docs = tuple(dict.fromkeys(h.doc for h in group))
        out.append(replace(group[0], count=sum(h.count for h in group), documents=docs))
    return out
