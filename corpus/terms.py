"""Term candidates from a memory: the glossary a terminologist reviews and gives a CAT tool.

A memory knows how each phrase was translated; this module hands that over as a glossary
(``tmbuild terms``). Candidates are the word sequences of one side of the store:

* English: 1-4 whole words within a clause, not starting or ending with a function word;
* Chinese: 2-10 characters between the word boundaries jieba finds in the Simplified normal form (its
  search mode's words inside longer ones included: 腐败 in 反腐败, 难民 in 难民署), not starting or ending
  with a function word of its own;

counted by the segments that hold them (``frequency``). Termhood is the C-value (Frantzi, Ananiadou and
Mima 2000): ``log2(1 + words) * (f(a) - mean f of the longer candidates holding a)``, so that a sequence
that only ever occurs inside a longer one (理事会 inside 安全理事会, "Security" inside "Security
Council") scores low, and a long sequence that recurs scores high. The best ``shortlist`` by C-value are
looked up as a translator would (:meth:`corpus.store.Store.lookup`, concordance): their renderings, how
consistently the hits are rendered by the first one (``consistency``: its share of the hits), and example
pairs. The score is ``C-value * consistency * coverage`` (coverage: the share of the hits that have a
rendering at all): a frequent term translated one way comes first. For Chinese the C-value is weighed by
:func:`specificity` (the term's rate here against jieba's general-language frequencies), so that words frequent
in any text (包括, 其他) give way to the memory's own.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import regex

from align.progress import progress_bar

from .store.matching import by_characters, normalise_text
from .store.phrases import HAN_RUN, _jieba, word_spans, zh_spans

MAX_EN_WORDS = 5
MIN_ZH_CHARS, MAX_ZH_CHARS = 2, 10
FRAGMENT_SHARE = 0.9  # a sequence found inside one longer candidate this often is that candidate's fragment
SPECIFIC_RATIO = 100.0  # Chinese: a word this much more frequent here than in general language is fully specific
_LETTER = regex.compile(r"[^\W\d_]")
_DIGIT = regex.compile(r"\d")


@dataclass(frozen=True, slots=True)
class TermCandidate:
    """One term and how the memory translates it."""
    term: str  # as the segments write it (its most used form)
    lang: str
    target: str  # the rendering most hits use, as the translations write it
    renderings: tuple[tuple[str, int], ...]  # every rendering, with how many hits use it
    frequency: int  # segments holding the term
    consistency: float  # share of the rendered hits that use ``target``
    coverage: float  # share of the hits that have a rendering
    cvalue: float
    score: float
    examples: tuple[tuple[str, str, str], ...] = field(default=())  # (segment, translation, document)
    status: str = ""  # a terminologist's decision: "accepted", "rejected" or none

    def as_dict(self) -> dict:
        d = {k: getattr(self, k) for k in self.__slots__}
        d["renderings"] = [{"text": t, "count": n} for t, n in self.renderings]
        d["examples"] = [{"text": s, "translation": t, "document": doc} for s, t, doc in self.examples]
        return d


def sequences(norm: str, lang: str) -> set[str]:
    """The candidate word sequences of one normalised segment."""
    if by_characters(lang):
        # no digits (dates and numbers are no glossary terms; 2015年 is one word, so 年 starts no candidate)
        return {span for run in HAN_RUN.findall(norm) for _, span in zh_spans(run, MAX_ZH_CHARS, MIN_ZH_CHARS)
                if not _DIGIT.search(span)}
    # the first and last word hold a letter (not a number: 2015, 19)
    return {" ".join(words) for words in word_spans(norm, MAX_EN_WORDS)
            if _LETTER.search(words[0]) and _LETTER.search(words[-1])}


def _length(term: str, lang: str) -> int:
    """Words in a candidate (Chinese: as jieba cuts it)."""
    if by_characters(lang):
        return len(list(_jieba().cut(term, HMM=True)))
    return len(term.split())


def cvalues(freq: Counter, lang: str) -> dict[str, float]:
    """The C-value of every candidate of ``freq`` (its segment counts): longer candidates holding a shorter one
    lower its termhood by their mean frequency; a fragment (one longer candidate holds it in at least
    ``FRAGMENT_SHARE`` of its segments: 联合 of 联合国, "Nations" of "United Nations") scores 0."""
    joiner = "" if by_characters(lang) else " "
    holders: dict[str, list[int]] = {}
    for term, f in freq.items():
        parts = list(term) if not joiner else term.split()  # Chinese: every character span
        for i in range(len(parts)):
            for j in range(i + 1, len(parts) + 1):
                if j - i < len(parts):
                    sub = joiner.join(parts[i:j])
                    if sub in freq:
                        holders.setdefault(sub, []).append(f)
    out = {}
    for term, f in freq.items():
        longer = holders.get(term, [])
        if longer and max(longer) >= FRAGMENT_SHARE * f:
            out[term] = 0.0
            continue
        nested = sum(longer) / len(longer) if longer else 0.0
        out[term] = math.log2(1 + _length(term, lang)) * max(f - nested, 0.0)
    return out


def specificity(term: str, freq: int, segments: int, lang: str) -> float:
    """How much more a term is of this memory than of the language at large, 0.1 to 1: for Chinese, its rate
    here (per token, about 40 tokens a segment) against its rate in jieba's general-language dictionary
    (包括, 其他, 工作 are frequent everywhere: low; 安全理事会, 人权 are this memory's: 1). Other languages: 1
    (no general word frequencies are at hand)."""
    if not by_characters(lang):
        return 1.0
    dt = _jieba().dt
    general = dt.FREQ.get(term, 0) / dt.total
    here = freq / max(40 * segments, 1)
    if general <= 0:
        return 1.0
    return min(1.0, max(0.1, math.log(max(here / general, 1.0)) / math.log(SPECIFIC_RATIO)))


def extract(store, lang: str | None = None, min_freq: int = 3, limit: int = 200, shortlist: int | None = None,
            documents: Sequence[str] = (), progress: bool = False) -> list[TermCandidate]:
    """Term candidates of ``store``'s side in ``lang`` (default: its source language), best first: at most
    ``limit``, each held by ``min_freq`` segments or more, from the ``shortlist`` (default twice ``limit``) best
    by C-value; ``documents`` (names or symbols) limit the segments counted. Each carries the terminologist's
    decision on it (:func:`with_decisions`)."""
    lang = lang or store.src_lang
    found = candidates(store, lang, min_freq, limit, shortlist, documents, progress)
    return with_decisions(store, found, lang)


def candidates(store, lang: str, min_freq: int = 3, limit: int = 200, shortlist: int | None = None,
               documents: Sequence[str] = (), progress: bool = False) -> list[TermCandidate]:
    """:func:`extract` without the decisions: what depends on the pairs alone (the web app keeps it while the
    store does not change)."""
    side = store.query_side("", lang)
    counts, segments = _frequencies(store, side, lang, documents)
    freq = Counter({t: f for t, f in counts.items() if f >= min_freq})
    cv = {t: v * specificity(t, freq[t], segments, lang) for t, v in cvalues(freq, lang).items()}
    short = [t for t in sorted(cv, key=lambda t: (-cv[t], -freq[t], t)) if cv[t] > 0][:shortlist or 2 * limit]
    out = []
    for term in progress_bar(short, desc="terms", unit="term", show=progress):
        found = store.lookup(term, k=50, lang=lang, mode="concordance")
        if not found.renderings:
            continue
        rendered = sum(n for _, n in found.renderings)
        hits = max(found.counts.get("concordance", 0) + found.counts.get("exact", 0), rendered)
        consistency = found.renderings[0][1] / rendered
        coverage = rendered / min(hits, 50) if hits else 0.0
        forms = Counter(h.text[a:b] for h in found.hits for a, b in h.spans[:1])
        shown = forms.most_common(1)[0][0] if forms else term
        examples = tuple((h.text, h.translation, h.doc) for h in found.hits if h.translation_spans)[:3]
        out.append(TermCandidate(shown, lang, found.renderings[0][0], tuple(found.renderings), freq[term],
                                 round(consistency, 3), round(min(coverage, 1.0), 3), round(cv[term], 2),
                                 round(cv[term] * consistency * min(coverage, 1.0), 2), examples))
    out.sort(key=lambda c: (-c.score, -c.frequency, c.term))
    return out[:limit]


STATUSES = ("accepted", "rejected")
MAX_TERM = 500  # characters of a term or its target


def with_decisions(store, found: Sequence[TermCandidate], lang: str) -> list[TermCandidate]:
    """``found`` with the decisions stored now: a decided term carries its status and its accepted target."""
    from dataclasses import replace

    decided = decisions(store, lang)
    return [replace(c, status=d[0], target=d[2]) if (d := decided.get(normalise_text(c.term))) else c
            for c in found]


def decisions(store, lang: str | None = None) -> dict[str, tuple[str, str, str]]:
    """The terminologist's decisions: normal form of the term -> (status, term, target); of ``lang`` only
    when given. A store from before the table has none."""
    if not getattr(store, "has_terms", False):
        return {}
    sql, args = "SELECT norm, status, term, target, lang FROM terms", []
    if lang:
        sql, args = sql + " WHERE lang=?", [lang.split("-")[0]]
    return {r[0]: (r[1], r[2], r[3]) for r in store.con.execute(sql, args)}


def decide(store, lang: str, term: str, target: str, status: str) -> dict:
    """Record (or with ``status`` "", forget) a decision on ``term``; what is now stored."""
    from align.errors import InputError, StoreError

    from .store.database import now

    if store.readonly or not getattr(store, "has_terms", False):
        raise StoreError(f"{store.path}: opened read-only; decisions need a writable store")
    if status not in (*STATUSES, ""):
        raise InputError(f"status is one of {', '.join(STATUSES)} (or empty to undo), not {status!r}")
    for name, text in (("term", term), ("target", target)):
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TERM:
            raise InputError(f"{name} is text of 1 to {MAX_TERM} characters")
    lang = str(lang).split("-")[0]
    if lang not in (store.src_lang.split("-")[0], store.tgt_lang.split("-")[0]):
        raise InputError(f"this store holds {store.src_lang} and {store.tgt_lang}, not {lang}")
    term, target = " ".join(term.split()), " ".join(target.split())
    with store.con:
        if status:
            store.con.execute("INSERT OR REPLACE INTO terms VALUES (?,?,?,?,?,?)",
                              (lang, normalise_text(term), term, target, status, now()))
        else:
            store.con.execute("DELETE FROM terms WHERE lang=? AND norm=?", (lang, normalise_text(term)))
    return {"lang": lang, "term": term, "target": target, "status": status}


def accepted(store) -> list[TermCandidate]:
    """The accepted terms, as candidates to write (both sides' decisions)."""
    out = []
    for lang, term, target in store.con.execute(
            "SELECT lang, term, target FROM terms WHERE status='accepted' ORDER BY decided, term") if getattr(
            store, "has_terms", False) else ():
        out.append(TermCandidate(term, lang, target, ((target, 0),), 0, 1.0, 1.0, 0.0, 0.0, (), "accepted"))
    return out


def _frequencies(store, side: str, lang: str, documents: Sequence[str]) -> tuple[Counter, int]:
    """How many segments of ``side`` hold each candidate sequence, and how many segments there are."""
    where, args = "", []
    if documents:
        marks = ",".join("?" * len(documents))
        where = (f" WHERE d.symbol IN ({marks}) OR d.key IN ({marks}) OR d.src_path IN ({marks}) "
                 f"OR d.tgt_path IN ({marks})")
        args = list(documents) * 4
    rows = store.con.execute(f"SELECT p.{side}_norm FROM pairs p JOIN documents d ON p.doc_id = d.id{where}", args)
    freq: Counter = Counter()
    segments = 0
    for (norm,) in rows:
        freq.update(sequences(norm, lang))
        segments += 1
    if documents and not freq:
        from align.errors import InputError

        raise InputError(f"no segments in the documents {', '.join(documents)}; tmbuild documents lists them")
    return freq, segments


# ------------------------------------------------------------------ writers


def write_tbx(candidates: Iterable[TermCandidate], path, src_lang: str, tgt_lang: str) -> int:
    """A TBX glossary (translate-toolkit's TBX writer, which OmegaT and other CAT tools read): one term entry
    per candidate, the term in its language and the target in the other, with a note of its frequency,
    consistency and renderings. Candidates may be of either side: each entry puts the store's source language
    first. Returns the number of entries."""
    from translate.storage import tbx

    from .files import binary_output

    store = tbx.tbxfile()
    store.setsourcelanguage(src_lang)
    store.settargetlanguage(tgt_lang)
    n = 0
    for c in candidates:
        source, target = _ordered(c, src_lang)
        unit = store.addsourceunit(source)
        unit.target = target
        unit.addnote(note(c), origin="developer")
        n += 1
    with binary_output(path) as out:
        data = bytes(store)
        if hasattr(out, "write"):
            out.write(data)
        else:
            from pathlib import Path

            Path(out).write_bytes(data)
    return n


def write_omegat_glossary(candidates: Iterable[TermCandidate], path, src_lang: str) -> int:
    """The tab-separated glossary OmegaT reads from a project's ``glossary/`` folder (UTF-8, ``.txt``):
    source term, target term, comment; the store's source language first."""
    from .files import text_output

    n = 0
    with text_output(path) as f:
        for c in candidates:
            source, target = _ordered(c, src_lang)
            f.write(f"{_cell(source)}\t{_cell(target)}\t{_cell(note(c))}\n")
            n += 1
    return n


def _ordered(c: TermCandidate, src_lang: str) -> tuple[str, str]:
    """(source, target) in the store's order, whichever side the term came from."""
    return (c.term, c.target) if c.lang.split("-")[0] == src_lang.split("-")[0] else (c.target, c.term)


def note(c: TermCandidate) -> str:
    if not c.frequency:
        return f"tmbuild: {c.status}"
    others = ", ".join(f"{t} ({n})" for t, n in c.renderings[1:4])
    return (f"tmbuild: in {c.frequency} segments; {c.consistency:.0%} rendered so"
            + (f"; also {others}" if others else ""))


def _cell(text: str) -> str:
    return " ".join(text.split())


__all__ = ["TermCandidate", "accepted", "candidates", "cvalues", "decide", "decisions", "extract", "sequences",
           "with_decisions", "write_omegat_glossary", "write_tbx"]
