"""The translation of a phrase, not only of the sentence it occurs in (memoQ's "guess translation").

Given the translations of the segments that contain a phrase (its concordance hits), each candidate span of
those translations (1-5 words, or 1-8 Chinese characters) is scored by

* association: Dice of "the segment contains the phrase" and "its translation contains the span", with
  the span's frequency among all stored translations from the lexical index (so "the" or "United Nations",
  frequent everywhere, score low, and "impunity", found where 有罪不罚 is and rarely elsewhere, high);
* meaning: the cosine of the phrase's and the span's embeddings, when an embedder is at hand, which
  decides where one or two hits give co-occurrence too little to go on.

Each translation's rendering is the best-scored span it holds (or the longer unit that span is a fragment
of); the distinct renderings are listed with how
many hits use each, most used first.

Spans start and end on word boundaries: English words whole; Chinese words where jieba puts them (its
dictionary and HMM, on the Simplified normal form, with its search mode's words inside longer words: 腐败 in
反腐败), so 成员国 or 设施 are never cut into 员国 or 设, and a span never starts or ends with a function word
of its own (的, 和, "the", "of").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import regex

from .matching import by_characters, find_spans, normalise_text

MAX_WORDS = 5
MAX_CHARS = 10
SHORTLIST = 16  # candidates by support whose frequency and embedding are looked up
MEANING_WEIGHT = 1.0
EXTEND_SHARE = 0.8  # a longer span that accounts for this share of a shorter one's uses replaces it

_STOP = frozenset("""a an the of and or to in on at by for with from as its their his her our your this that these
those which who whom whose is are was were be been being has have had do does not no nor but if than then so
such also into upon over under about between among within without per via it they he she we you i""".split())
# a word (abbreviations with their points, "a.m."), or punctuation that ends a clause
_TOKEN = regex.compile(r"(?P<word>(?:\w\.){2,}|\w+(?:[-'’]\w+)*)|(?P<stop>[^\w\s'’-]+)")
# Chinese function words a rendering neither starts nor ends with
_ZH_STOP = frozenset("的 和 与 及 或 在 了 是 对 为 于 以 并 而 等 之 其".split()
                     + "将 被 把 也 都 由 从 向 就 所 使 该 各 这 那 个 中".split())
MIN_MEANING = 0.45  # a span that one hit alone holds is shown only when its meaning is this near the query's
# a hit's rendering scores at least this share of the best rendering's score: on the term list, right marks
# score 0.82 of it or more (5th percentile), wrong ones 0.33 (median: "including", "all" in a hit that
# paraphrases the term)
MARK_SHARE = 0.5
# runs of Chinese, digits inside them included (第7378次会议)
HAN_RUN = regex.compile(r"[\p{Han}0-9]*\p{Han}[\p{Han}0-9]*")
# a number with its ordinal prefix and measure word is one word: 第7378次, 2015年, 31日, 10时, 第七十届
_NUMBER_WORD = regex.compile(r"(?:第?[0-9]+|第[零〇一二三四五六七八九十百千]+)(?:[年月日时分点次段条款项届号个名]|$)")


@dataclass(frozen=True, slots=True)
class Guess:
    """The renderings of a phrase over its hits, and each hit's own."""
    renderings: list[tuple[str, int]]  # (rendering, how many translations use it), most used first
    chosen: list[str | None]  # per translation: its rendering, normalised (find it with matching.find_spans)


def candidates(translation: str, lang: str) -> set[str]:
    """Spans of a normalised translation that could render a phrase."""
    if by_characters(lang):
        return {span for run in HAN_RUN.findall(translation) for _, span in zh_spans(run, MAX_CHARS)}
    return {" ".join(words) for words in word_spans(translation, MAX_WORDS)}


def word_spans(text: str, most: int) -> Iterator[tuple[str, ...]]:
    """Each run of 1 to ``most`` whole words of a normalised text in a language written with spaces, within a
    clause (no punctuation inside), not starting or ending with a function word ("the", "of")."""
    for words in _clauses(text):
        for i, first in enumerate(words):
            if first in _STOP:
                continue
            for n in range(1, min(most, len(words) - i) + 1):
                if words[i + n - 1] not in _STOP:
                    yield tuple(words[i:i + n])


def _clauses(text: str) -> Iterator[list[str]]:
    """The words of each clause of ``text``: runs of words between punctuation marks."""
    words: list[str] = []
    for m in _TOKEN.finditer(text):
        if m.group("word"):
            words.append(m.group("word"))
        elif words:
            yield words
            words = []
    if words:
        yield words


def zh_spans(run: str, most: int, least: int = 1) -> Iterator[tuple[int, str]]:
    """(start, span) of each span of a run of Chinese between word boundaries (:func:`zh_boundaries`), of
    ``least`` to ``most`` characters, not starting or ending with a function word of its own (的, 和). A span
    that starts inside a word of jieba's own segmentation (at a boundary of a word inside it) ends inside that
    word: 腐败 of 反腐败 is a span, 会第7378次会议 (the tail of 理事会 and more) is none; one that ends inside
    a word may start before it (维持和平 of 维持|和平部队: jieba's words are often compounds)."""
    cuts = zh_boundaries(run)
    ends = zh_outer(run)
    word = {}  # each boundary: the word of jieba's own segmentation it lies inside, (start, end); none at its ends
    for a, b in zip(ends, ends[1:]):
        for c in range(a + 1, b):
            word[c] = (a, b)
    for a, i in enumerate(cuts):
        if run[i:i + 1] in _ZH_STOP and i + 1 in cuts:
            continue
        for j in cuts[a + 1:]:
            if j - i > most or (i in word and j > word[i][1]):
                break
            if j - i >= least and not (run[j - 1:j] in _ZH_STOP and j - 1 in cuts):
                yield i, run[i:j]


@lru_cache(maxsize=65_536)
def zh_outer(run: str) -> tuple[int, ...]:
    """Where the words of jieba's own segmentation of a run start and end (a number with its measure word
    one word), sorted: the boundaries a span may cross."""
    cuts = {0, len(run)}
    for a, b in _accurate_words(run):
        cuts.update((a, b))
    numbers = [m.span() for m in _NUMBER_WORD.finditer(run)]
    return tuple(sorted(c for c in cuts if not any(a < c < b for a, b in numbers)))


@lru_cache(maxsize=65_536)
def _accurate_words(run: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of each word of jieba's own (accurate) segmentation of a run."""
    return tuple((a, b) for _, a, b in _jieba().tokenize(run, HMM=True))


@lru_cache(maxsize=65_536)
def zh_boundaries(run: str) -> tuple[int, ...]:
    """Where words of a run of Han characters start and end, sorted: jieba's segmentation, and its search
    mode's words inside longer ones (腐败 inside 反腐败, 人道 inside 人道主义) and the aligner's dictionary's
    (CC-CEDICT: 问责 inside 问责制, a word jieba does not cut), never inside a commoner
    two-character word (成员国 has 成员 and 成员国; 员国 is no span; 第七十届 has no 届) or a number with its
    measure word (第7378次会议 has no 次会议)."""
    freq = _jieba().dt.FREQ
    words = [(a, b, freq.get(w) or 0) for w, a, b in _jieba().tokenize(run, mode="search", HMM=True)]
    dictionary = _dictionary_words()
    for a, b in _accurate_words(run):  # the dictionary's words inside jieba's (问责 of 问责制)
        for i in range(a, b - 1):
            for j in range(i + 2, min(i + 4, b - (i == a)) + 1):
                if run[i:j] in dictionary:
                    words.append((i, j, freq.get(run[i:j]) or 0))
    weight: dict[int, int] = {}  # each cut, the frequency of the commonest word that starts or ends there
    for a, b, f in words:
        for c in (a, b):
            weight[c] = max(weight.get(c, 0), f)
    # a cut inside a commoner two-character word is no boundary (办公 holds 公室's start: 办公室 stays whole;
    # 腐败, commoner than 反腐, keeps its own); nor a cut inside a number word
    inside = [(a, b, f) for a, b, f in words if b - a == 2]
    numbers = [m.span() for m in _NUMBER_WORD.finditer(run)]
    return tuple(sorted({0, len(run)} | {
        c for c, f in weight.items() if 0 < c < len(run)
        and not any(a < c < b and g > f for a, b, g in inside) and not any(a < c < b for a, b in numbers)}))


@lru_cache(maxsize=1)
def _dictionary_words() -> dict[str, int] | frozenset[str]:
    """The Chinese headwords of the dictionary the aligner reads (CC-CEDICT), or none."""
    from align.lexicon import cedict

    lexicon = cedict()
    return lexicon.words if lexicon is not None else frozenset()


@lru_cache(maxsize=1)
def _jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def guess_renderings(query: str, translations: Sequence[str], lang: str,
                     frequency: Callable[[Sequence[str]], dict[str, int]],
                     embed: Callable[[list[str]], np.ndarray] | None = None,
                     sources: Sequence[str] = (), source_lang: str = "") -> Guess:
    """Renderings of ``query`` in ``translations`` (language ``lang``); ``frequency`` says how many stored
    translations hold each string, ``embed`` (optional) embeds texts as unit vectors; ``sources`` (optional,
    in ``source_lang``) are the segments the translations translate: where the query is mostly part of one
    longer unit there, a rendering is not extended to a longer unit (:func:`part_of_a_longer_unit`)."""
    whole_query = not part_of_a_longer_unit(normalise_text(query), sources, source_lang)
    norms = [normalise_text(t) for t in translations]
    per = [candidates(t, lang) for t in norms]
    support = Counter(c for cs in per for c in cs)
    if not support:
        return Guess([], [None for _ in translations])
    joiner = "" if by_characters(lang) else " "

    def length(c: str) -> int:
        return len(c) if not joiner else len(c.split())

    short = sorted(support, key=lambda c: (-support[c], -length(c), c))[:SHORTLIST]
    df = frequency(short)
    n = len(translations)
    score = {c: 2.0 * support[c] / (n + max(df.get(c, support[c]), support[c])) for c in short}
    if embed is not None:
        vecs = embed([query, *short])
        sims = vecs[1:] @ vecs[0]
        for c, s in zip(short, sims):
            score[c] += MEANING_WEIGHT * float(s)
    meaning = dict(zip(short, map(float, sims))) if embed is not None else {}

    def strong(c: str) -> bool:
        """Evidence enough to show ``c``: two hits or more hold it, or (one hit) its meaning is the query's.
        A wrong rendering is worse than none."""
        return support[c] >= 2 or meaning.get(c, -1.0) >= MIN_MEANING

    best = sorted(score, key=lambda c: (-score[c], -length(c), c))
    chosen: list[str | None] = []
    for cs in per:
        c = next((c for c in best if c in cs), None)
        if c is not None:
            c = _extend(c, [x for x in best if x in cs], support, df, joiner, whole_query)
        if c is not None and any(_part_of(c, x, joiner) and strong(x) for x in best[:best.index(c)] if x not in cs):
            c = None  # a fragment of a better rendering this translation lacks ("States" of "Member States"
            # where it says "Members"): the translation renders the query some other way
        if c is not None and score.get(c, 0.0) < MARK_SHARE * score[best[0]]:
            c = None  # a word this translation happens to share with others, far below the best rendering
        chosen.append(c if c is not None and strong(c) else None)
    counts = Counter(c for c in chosen if c)
    order = sorted(counts, key=lambda c: (-counts[c], -score.get(c, 0.0)))
    return Guess([(c, counts[c]) for c in order], chosen)


def _part_of(c: str, x: str, joiner: str) -> bool:
    """Whether ``c`` is a proper part of ``x``: characters of Chinese, whole words of English."""
    if c == x:
        return False
    return c in x if not joiner else f" {c} " in f" {x} "


def _extend(c: str, present: list[str], support: Counter, df: dict[str, int], joiner: str,
            whole_query: bool = True) -> str:
    """The whole unit ``c`` is a fragment of, where the translation holds it: a longer candidate that holds
    ``c`` and accounts for most of its uses among the hits (two or more: one hit is no evidence of a unit)
    and in the store (埃博 -> 埃博拉, "nations system" -> "united nations system"), unless the query itself
    is part of a longer unit in the hits (``whole_query`` false: 人道主义法 of 国际人道主义法, where the
    longer rendering translates the longer unit); a lone Chinese character is a fragment of the best longer
    candidate holding it (贫 -> 贫穷)."""
    while True:
        longer = [x for x in present if len(x) > len(c) and _contains(x, c, joiner)]
        if not joiner and len(c) == 1:
            nxt = longer[0] if longer else None  # ``present`` is best first
        elif not whole_query:
            nxt = None
        else:
            nxt = next((x for x in longer if support[c] >= 2 and support[x] >= EXTEND_SHARE * support[c]
                        and df.get(x, 0) >= EXTEND_SHARE * df.get(c, 1)), None)
        if nxt is None:
            return c
        c = nxt


def part_of_a_longer_unit(query: str, sources: Sequence[str], lang: str) -> bool:
    """Whether the normalised ``query`` stands next to the same word (a Chinese character, an English word;
    function words, numbers and punctuation aside) in at least ``EXTEND_SHARE`` of the ``sources`` that hold
    it, two or more: 人道主义法 in 国际人道主义法, 发展议程 in 2015年后发展议程, "Security" before "Council"."""
    sides: tuple[Counter, Counter] = (Counter(), Counter())
    n = 0
    for text in sources:
        norm = normalise_text(text)
        at = norm.find(query)
        if at < 0 or not query:
            continue
        n += 1
        before, after = norm[:at], norm[at + len(query):]
        if by_characters(lang):
            near = (before[-1:], after[:1])
            near = tuple(x if regex.match(r"\p{Han}", x) and x not in _ZH_STOP else "" for x in near)
        else:
            left, right = regex.search(r"(\w[\w'’-]*)\s+$", before), regex.match(r"\s+(\w[\w'’-]*)", after)
            near = tuple(m.group(1) if m and m.group(1) not in _STOP and not m.group(1).isdigit() else ""
                         for m in (left, right))
        for counts, x in zip(sides, near):
            if x:
                counts[x] += 1
    return n >= 2 and any(c >= EXTEND_SHARE * n for counts in sides for c in counts.values())


def _contains(longer: str, shorter: str, joiner: str) -> bool:
    if not joiner:
        return shorter in longer
    return f" {shorter} " in f" {longer} "


def locate(translation: str, rendering: str, lang: str) -> tuple[int, int] | None:
    """Where ``rendering`` (normal form) stands in ``translation`` as a whole unit: the first occurrence whose
    ends are word boundaries (not "budget" inside "budgetary", not 会员国 inside 非会员国 when the text has it
    alone too), in the original text's offsets; the first occurrence when none is."""
    spans = find_spans(translation, rendering)
    if not spans:
        return None
    norm = normalise_text(translation)
    at, k = norm.find(rendering), 0
    while at >= 0:
        end = at + len(rendering)
        if by_characters(lang):
            run = next((m for m in HAN_RUN.finditer(norm) if m.start() <= at and end <= m.end()), None)
            whole = run is None or {at - run.start(), end - run.start()} <= set(zh_boundaries(run.group()))
        else:
            whole = not (at > 0 and norm[at - 1].isalnum()) and not (end < len(norm) and norm[end].isalnum())
        if whole and k < len(spans):
            return spans[k]
        at, k = norm.find(rendering, end), k + 1
    return spans[0]
