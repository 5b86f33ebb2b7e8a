"""Pair each Chinese document with its English counterpart, and refuse what is not a translation.

Stages, cheapest first, each looking only at what the one before left open:

1. Symbol: a Chinese and an English document with the same UN symbol pair.
   Name: files whose names differ only by their language (``zh/x.txt`` and
   ``en/x.txt``, ``x.zh.txt`` and ``x.en.txt``) are candidates next, paired
   when their content confirms it (the threshold of stage 3).
2. Script variants: a Traditional Chinese document whose Simplified
   conversion is the same text as a Simplified one (character-bigram overlap)
   is recorded as its variant and pairs with the same English document.
3. Content, for the rest: candidates must have a plausible length ratio
   (English characters per Chinese character) and are ranked by the cosine
   of their document vectors (mean paragraph vectors) plus the share of
   numbers they have in common (read as values, as the aligner reads them:
   二十二 = 22 = twenty-two); only the best ``max_candidates`` per Chinese document
   are aligned paragraph by paragraph with the native aligner (best first,
   stopping at one that covers 90%), and a pair is kept when at least
   ``threshold`` of the text of BOTH sides lies in confident paragraph
   beads. Each document's paragraphs are embedded once.
4. One-to-one: candidate pairs are taken best first; a document is used once.

Cost for N Chinese and M English documents: N*M set comparisons of a few
hundred numbers (microseconds each), at most N*max_candidates paragraph
alignments, and each document embedded once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import regex

from align.aligner import REFERENCE, AlignConfig, Aligner
from align.embed.base import Embedder
from align.errors import TmbuildError
from align.model import Document, Segment
from align.numerals import number_tokens
from align.progress import progress_bar

from .chinese import to_simplified
from .pipeline import DocVectors, embed_document
from .readers import SUFFIXES, read_document
from .store import DB_NAME

DEFAULT_THRESHOLD = 0.6
SURE = 0.9  # a candidate this good ends the search for its Chinese document
MIN_BEAD_CONFIDENCE = 0.1  # paragraph beads that count as "aligned" (posterior probability)
LENGTH_RATIO = (1.0, 6.5)  # English characters (no spaces) per Chinese character, translations of UN texts
EMBED_CHUNK = 16  # documents embedded per call (the progress bar moves between calls)


@dataclass(frozen=True, slots=True)
class DocPair:
    """A Chinese document paired with its English translation, with the score and how it was found."""
    zh: str
    en: str
    score: float
    method: str  # "symbol", "name", "content" or "script-variant"
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Unpaired:
    """A document left without a counterpart, and why."""
    path: str
    lang: str
    reason: str


@dataclass(frozen=True, slots=True)
class PairReport:
    """Every input of a pairing: the pairs, the unpaired, and the documents read and embedded on the way."""
    pairs: tuple[DocPair, ...]
    unpaired: tuple[Unpaired, ...]
    aligned_candidates: int = 0  # paragraph alignments run
    documents: dict[str, Document] = field(default_factory=dict, compare=False, repr=False)
    vectors: dict[str, DocVectors] = field(default_factory=dict, compare=False, repr=False)  # embedded docs

    def as_dict(self) -> dict:
        return {"pairs": [dict(zh=p.zh, en=p.en, score=round(p.score, 4), method=p.method, detail=p.detail)
                          for p in self.pairs],
                "unpaired": [dict(path=u.path, lang=u.lang, reason=u.reason) for u in self.unpaired],
                "aligned_candidates": self.aligned_candidates}


NOT_REGULAR = "skipped: not a regular file (a pipe, socket or device)"


def find_documents(paths: Iterable[Path]) -> tuple[list[Path], list[Unpaired]]:
    """Files to read under ``paths`` (folders recursively, hidden files skipped) and what was left out."""
    files: list[Path] = []
    skipped: list[Unpaired] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            stores = {d.parent for d in p.rglob(DB_NAME)}  # a tmbuild store inside the folder holds no documents
            for f in sorted(p.rglob("*")):
                if any(s in f.parents for s in stores):
                    continue
                if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts):
                    if regex.match(r"(?i)(readme|source|license|licence|changelog)\b", f.name):
                        skipped.append(Unpaired(str(f), "", "skipped: a README/licence file, not a document"))
                    elif f.suffix.lower() in SUFFIXES:
                        files.append(f)
                    elif f.suffix.lower() not in {".md5", ".json", ".gold", ".align"} and f.name != "SOURCE.md":
                        kind = f.suffix or "no suffix"
                        skipped.append(Unpaired(str(f), "", f"not a document type tmbuild reads ({kind})"))
                elif not f.is_file() and not f.is_dir() and not any(
                        part.startswith(".") for part in f.relative_to(p).parts):
                    skipped.append(Unpaired(str(f), "", NOT_REGULAR))
        elif p.is_file():
            files.append(p)
        elif p.exists() or p.is_symlink():
            skipped.append(Unpaired(str(p), "", NOT_REGULAR if p.exists() else "a link to nothing"))
        else:
            skipped.append(Unpaired(str(p), "", "no such file or folder"))
    return files, skipped


# folder names and file name endings that say a file's language: zh/x.txt and en/x.txt, x.zh.txt and x.en.txt
_LANG_FOLDERS = frozenset("""zh cn chs cht zho chi chinese zh-cn zh-tw zh-hans zh-hant zh_cn zh_tw hans hant
en eng english en-us en-gb en_us en_gb""".split())
_LANG_ENDING = regex.compile(r"(?i)[._-](?:zh(?:[-_](?:cn|tw|hans|hant))?|cn|chs|cht|zho|chi|chinese|"
                             r"en(?:[-_](?:us|gb))?|eng|english)$")


def name_key(path: str | Path) -> str | None:
    """What a file is called once its language is taken out of its name: ``zh/a/x.txt`` and ``en/a/x.txt``
    give ``*/a/x``, ``x.zh.txt`` and ``x.en.txt`` give ``x``; None when the name says no language."""
    p = Path(path)
    folders = [("*" if part.lower() in _LANG_FOLDERS else part) for part in p.parent.parts]
    stem = _LANG_ENDING.sub("", p.stem)
    if stem == p.stem and "*" not in folders:
        return None
    return "/".join([*folders, stem])


def _numbers(doc: Document) -> frozenset[str]:
    """The numbers a document holds, as values (the aligner's: 二十二 = 22, 6 March = month 3)."""
    return frozenset(t for p in doc.paragraphs for t in number_tokens(p.text, doc.lang))


def _chars(doc: Document) -> int:
    return sum(len(regex.sub(r"\s+", "", p.text)) for p in doc.paragraphs)


def _bigrams(text: str) -> set[str]:
    han = "".join(regex.findall(r"\p{Han}", text))
    return {han[i:i + 2] for i in range(len(han) - 1)}


def _likeliest(k: str, others: Sequence[str], nums: dict, chars: dict, docs: dict, scorer: _ContentScorer
               ) -> str | None:
    """Of ``others`` (English documents paired already), the one most like Chinese document ``k``, ranked as
    content pairing ranks candidates (document vectors and shared numbers): to say which pair took it."""
    cands = [e for e in others if LENGTH_RATIO[0] <= chars[e] / max(chars[k], 1) <= LENGTH_RATIO[1]]
    if not cands:
        return None

    def vec(key: str) -> np.ndarray:
        v = scorer.aligner.cache.encode([p.text for p in docs[key].paragraphs]).mean(axis=0)
        return v / max(float(np.linalg.norm(v)), 1e-12)

    z = vec(k)
    return max(cands, key=lambda e: float(z @ vec(e)) + len(nums[k] & nums[e]) / max(len(nums[k] | nums[e]), 1))


class _ContentScorer:
    """How much of two documents aligns as paragraphs with confidence: the content evidence that they translate each
    other."""
    def __init__(self, embedder: Embedder) -> None:
        # paragraphs: beads of up to 3 paragraphs a side (UDHR has a 3:1 preamble case)
        # summed paragraph vectors for windows: coverage does not need the finer scores, and each
        # document's paragraphs are then embedded once, whatever it is compared with
        # the documents may not be translations at all: a fixed similarity model for the embedder (one estimated
        # from the pair would take the best of unrelated paragraphs for matches), and skipping a paragraph is
        # not rare; embedders without a reference fall back to the estimate, which makes pairing lenient; no
        # reward for aligned beads, which would pair the paragraphs of unrelated documents
        self.aligner = Aligner(embedder, AlignConfig(max_size=3, max_total=4, windows="sum", passes=1,
                                                     reference=REFERENCE.get(embedder.name), skip_prior=0.05,
                                                     bead_reward=0.0))
        self.runs = 0

    def score(self, zh: Document, en: Document) -> tuple[float, str]:
        """The share of both documents' text in confidently aligned paragraph beads, and a note of how it was found."""
        self.runs += 1
        src = [Segment(p.text, i) for i, p in enumerate(zh.paragraphs)]
        tgt = [Segment(p.text, i) for i, p in enumerate(en.paragraphs)]
        a = self.aligner.align(src, tgt, "zh", "en")
        zc = [len(s.text) for s in src]
        ec = [len(t.text) for t in tgt]
        good_z = sum(zc[i] for b in a.beads if b.src and b.tgt and b.score >= MIN_BEAD_CONFIDENCE for i in b.src)
        good_e = sum(ec[j] for b in a.beads if b.src and b.tgt and b.score >= MIN_BEAD_CONFIDENCE for j in b.tgt)
        cz, ce = good_z / max(sum(zc), 1), good_e / max(sum(ec), 1)
        return min(cz, ce), f"confident paragraph beads cover {cz:.0%} of the Chinese and {ce:.0%} of the English"


def pair_documents(paths: Sequence[Path], embedder: Embedder, threshold: float = DEFAULT_THRESHOLD,
                   max_candidates: int = 3, progress: bool = False,
                   embed: Callable[[list[Document]], list[DocVectors | None]] | None = None,
                   found: tuple[list[Path], list[Unpaired]] | None = None) -> PairReport:
    """Pair every Chinese document under ``paths`` with its English translation.

    ``embed`` embeds the documents that content pairing compares (default: here, one by one); a
    build passes its workers'. The vectors come back in the report for the alignments that follow.
    ``found``: :func:`find_documents` of ``paths`` when the caller has it already.
    """
    files, skipped = found if found is not None else find_documents(paths)
    unpaired = list(skipped)
    docs: dict[str, Document] = {}
    for f in progress_bar(files, desc="reading", unit="doc", show=progress and len(files) > 1):
        try:
            docs[str(f)] = read_document(f)
        except TmbuildError as e:
            unpaired.append(Unpaired(str(f), "", str(e)))
    zh = {k: d for k, d in docs.items() if d.lang == "zh"}
    en = {k: d for k, d in docs.items() if d.lang == "en"}
    pairs: list[DocPair] = []
    used_zh: set[str] = set()
    used_en: set[str] = set()

    # 1. symbols
    by_symbol: dict[str, list[str]] = {}
    for k, d in en.items():
        if d.meta.symbol:
            by_symbol.setdefault(d.meta.symbol, []).append(k)
    for k, d in sorted(zh.items()):
        cands = [e for e in by_symbol.get(d.meta.symbol, []) if e not in used_en] if d.meta.symbol else []
        if cands:
            pairs.append(DocPair(k, cands[0], 1.0, "symbol", d.meta.symbol))
            used_zh.add(k)
            used_en.add(cands[0])

    # 1b. names: zh/x.txt and en/x.txt (or x.zh.txt and x.en.txt) are candidates first, confirmed by content
    scorer = _ContentScorer(embedder)
    by_name: dict[str, list[str]] = {}
    for k in sorted(en):
        key = name_key(k)
        if key is not None and k not in used_en:
            by_name.setdefault(key, []).append(k)
    named: dict[str, str] = {}  # a document -> the one its name made a candidate (both ways)
    by_names = [(k, d, [e for e in by_name.get(name_key(k) or "", []) if e not in used_en])
                for k, d in sorted(zh.items()) if k not in used_zh]
    by_names = [(k, d, c) for k, d, c in by_names if len(c) == 1]
    bar = progress_bar(total=len(by_names), desc="pairing by name", unit="doc",
                       show=progress and len(by_names) >= 2)
    for k, d, cands in by_names:
        bar.update(1)
        e = cands[0]
        named[k], named[e] = e, k
        s_, detail = scorer.score(d, docs[e])
        if s_ >= threshold:
            pairs.append(DocPair(k, e, s_, "name", f"same name; {detail}"))
            used_zh.add(k)
            used_en.add(e)
    bar.close()

    # 2. Traditional-script variants of another Chinese document
    variant_of: dict[str, str] = {}
    hans = {k: _bigrams(d.text) for k, d in zh.items() if d.script != "Hant"}
    for k, d in sorted(zh.items()):
        if d.script != "Hant" or k in used_zh:
            continue
        grams = _bigrams(to_simplified(d.text))
        best = max(((len(grams & g) / max(len(grams | g), 1), h) for h, g in hans.items()), default=(0.0, ""))
        if best[0] >= 0.8:
            variant_of[k] = best[1]

    # 3. content
    nums = {k: _numbers(d) for k, d in docs.items() if d.lang in ("zh", "en")}
    chars = {k: _chars(d) for k, d in docs.items() if d.lang in ("zh", "en")}
    scored: list[tuple[float, str, str, str]] = []
    why_not: dict[str, str] = {}
    best_for: dict[str, tuple[float, str]] = {}  # a Chinese document's best candidate above the threshold
    open_en = [e for e in sorted(en) if e not in used_en]
    open_zh = [k for k in sorted(zh) if k not in used_zh and k not in variant_of]
    # a document vector (mean of its paragraph vectors; the paragraphs are embedded once and the
    # vectors reused by the alignments below) ranks candidates together with shared numbers
    docvec = {}
    vectors: dict[str, DocVectors] = {}
    if open_zh and open_en:
        need = open_zh + open_en
        got: list[DocVectors | None] = []
        bar = progress_bar(total=len(need), desc="embedding documents", unit="doc",
                           show=progress and len(need) >= 2)
        for lo in range(0, len(need), EMBED_CHUNK):  # in chunks, for the progress bar
            chunk = [docs[k] for k in need[lo:lo + EMBED_CHUNK]]
            got += embed(chunk) if embed else [embed_document(d, embedder) for d in chunk]
            bar.update(len(chunk))
        bar.close()
        for k, dv in zip(need, got):
            if dv is not None:  # else (a worker failed on it) the paragraphs are embedded here when needed
                vectors[k] = dv
                dv.prefill(scorer.aligner, "paragraph")
        for k in need:
            v = scorer.aligner.cache.encode([p.text for p in docs[k].paragraphs]).mean(axis=0)
            docvec[k] = v / max(float(np.linalg.norm(v)), 1e-12)
    total = len(open_zh) if open_en else 0
    bar = progress_bar(total=total, desc="pairing by content", unit="doc", show=progress and total >= 2)
    for k in open_zh:
        bar.update(1)
        plausible = []
        for e in open_en:
            ratio = chars[e] / max(chars[k], 1)
            if not LENGTH_RATIO[0] <= ratio <= LENGTH_RATIO[1]:
                continue
            shared = len(nums[k] & nums[e]) / max(len(nums[k] | nums[e]), 1)
            plausible.append((float(docvec[k] @ docvec[e]) + shared, e))
        if not plausible:
            why_not[k] = "no English document of a plausible length for a translation"
            taken = _likeliest(k, [e for e in sorted(en) if e in used_en], nums, chars, docs, scorer)
            if taken:
                best_for[k] = (0.0, taken)  # said below: which pair took it
            continue
        plausible.sort(reverse=True)
        best_seen = (0.0, "", "")
        for _, e in plausible[:max_candidates]:
            s, detail = scorer.score(docs[k], docs[e])
            scored.append((s, k, e, detail))
            best_seen = max(best_seen, (s, e, detail))
            if s >= SURE:
                break  # nearly all of both texts align: no other candidate can do better
        if best_seen[0] < threshold:
            why_not[k] = (f"best candidate {Path(best_seen[1]).name} scored {best_seen[0]:.2f} < {threshold} "
                          f"({best_seen[2]})")
        else:
            best_for[k] = best_seen[:2]
    bar.close()
    for s, k, e, detail in sorted(scored, reverse=True):
        if s < threshold or k in used_zh or e in used_en:
            continue
        pairs.append(DocPair(k, e, s, "content", detail))
        used_zh.add(k)
        used_en.add(e)
    # variants follow their Simplified twin
    partner = {p.zh: p.en for p in pairs}
    for k, twin in sorted(variant_of.items()):
        if twin in partner:
            pairs.append(DocPair(k, partner[twin], 1.0, "script-variant",
                                 f"Traditional-script version of {Path(twin).name}"))
            used_zh.add(k)
        else:
            why_not[k] = f"Traditional-script version of {Path(twin).name}, which has no English counterpart"

    # 4. everything else is reported, naming the document that took a candidate
    partner = {**{p.en: p.zh for p in pairs}, **{p.zh: p.en for p in pairs}}
    score_of = {(p.zh, p.en): p.score for p in pairs}
    for k, d in sorted(docs.items()):
        if d.lang == "zh" and k not in used_zh:
            reason = why_not.get(k, "its English candidates were taken by better matches")
            if k in best_for and best_for[k][1] in partner:
                s_, e = best_for[k]
                what = f"its best candidate {Path(e).name} ({s_:.2f})" if s_ else (
                    f"its likeliest counterpart {Path(e).name} (by length and numbers)")
                reason = f"{what} was paired with {Path(partner[e]).name} ({score_of[partner[e], e]:.2f})"
            elif k in named and named[k] in partner:
                reason = f"{Path(named[k]).name}, of the same name, was paired with {Path(partner[named[k]]).name}"
            unpaired.append(Unpaired(k, "zh", reason))
        elif d.lang == "en" and k not in used_en:
            reason = ("no Chinese document is a translation of it"
                      if not d.meta.symbol else f"no Chinese document with symbol {d.meta.symbol} or the same content")
            if k in named:
                z = named[k]
                reason = (f"{Path(z).name}, of the same name, was paired with {Path(partner[z]).name}" if z in partner
                          else f"{Path(z).name}, of the same name, is not a translation of it "
                               f"({why_not.get(z, 'its content does not match')})")
            unpaired.append(Unpaired(k, "en", reason))
        elif d.lang not in ("zh", "en"):
            unpaired.append(Unpaired(k, d.lang, "neither Chinese nor English"))
    return PairReport(tuple(sorted(pairs, key=lambda p: p.zh)), tuple(sorted(unpaired, key=lambda u: u.path)),
                      scorer.runs, docs, vectors)
