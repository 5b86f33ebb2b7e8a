"""The evidence a bilingual reader sees beside meaning, sentence by sentence: numbers and names as 64-bit
masks (one hashed bit per token), their agreement between two windows, characters per sentence and the length
ratio of two windows. Pure functions of texts and arrays; the lattice (:mod:`align.lattice`) combines them
for every bead of the band."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet

import numpy as np
import regex
from numpy.typing import NDArray

from .numerals import number_tokens


def number_masks(texts: Sequence[str], lang: str = "") -> NDArray[np.uint64]:
    """A 64-bit mask per text with one bit per number it contains (hashed), as values
    (:func:`align.numerals.number_tokens`: 2 500 = 2,500, 200万 = 2 million, 三 = three, 3月 = March)."""
    return token_masks([number_tokens(t, lang) for t in texts])


def token_masks(token_sets: Sequence[Iterable[str]]) -> NDArray[np.uint64]:
    """A 64-bit mask per token set, one (hashed) bit per token."""
    out = np.zeros(len(token_sets), dtype=np.uint64)
    for i, toks in enumerate(token_sets):
        mask = 0
        for tok in toks:
            mask |= 1 << (token_bit(tok) % 64)
        out[i] = mask
    return out


def agreement(ns: NDArray[np.uint64], nt: NDArray[np.uint64]) -> NDArray[np.float64]:
    """2 * Jaccard - 1 of two token masks where both have tokens (1: the same, -1: none shared), else 0."""
    both = (ns != 0) & (nt != 0)
    inter = np.bitwise_count(ns & nt).astype(np.float64)
    union = np.bitwise_count(ns | nt).astype(np.float64)
    return np.where(both, 2 * inter / np.maximum(union, 1) - 1, 0.0)


_WORD = regex.compile(r"[\p{L}\p{N}][\p{L}\p{N}\p{M}'’]*")
_LATIN_WORD = regex.compile(r"[\p{Latin}\p{N}][\p{Latin}\p{N}\p{M}'’]*")
_HAN_RUN = regex.compile(r"\p{Han}+")


def is_zh(lang: str) -> bool:
    """Whether a language tag is Chinese (zh, zh-TW, zh-Hant...)."""
    return lang.lower().startswith("zh")


_NAME_HYPHEN = regex.compile(r"(?<=\p{L})[-\u2010\u2011](?=\p{L})")


def _fold(tok: str) -> str:
    """Case- and accent-folded form of a token, without apostrophes (Ch'ing: "ching")."""
    return "".join(c for c in unicodedata.normalize("NFKD", tok.casefold())
                   if not unicodedata.combining(c) and c not in "'’")


def name_tokens(text: str, lang: str) -> set[str]:
    """Tokens that name things: capitalised or alphanumeric words of three or more characters, folded.

    In Chinese text: the Latin-script words it holds (codes, acronyms, untranslated names). Elsewhere
    also two capitalised words as one ("Jia Rui": "jiarui") and hyphenated words joined ("Bao-yu":
    "baoyu", "Lin Dai-yu": "lindaiyu"), the forms a Chinese name's romanisation takes.
    """
    zh = is_zh(lang)
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
    out = set()
    for run in _HAN_RUN.findall(text):
        for syl in _syllables(run):
            for size in (2, 3, 4):
                for k in range(len(syl) - size + 1):
                    tok = "".join(syl[k:k + size])
                    if tok in wanted:
                        out.add(tok)
    return out


@functools.lru_cache(maxsize=16384)
def _syllables(run: str) -> tuple[tuple[str, ...], ...]:
    """A run of Chinese characters as toneless pinyin syllables and as Wade-Giles ones (none when pypinyin does not
    give every character one). Kept: a build reads each paragraph twice (pairing, alignment), and runs recur."""
    from pypinyin import Style, lazy_pinyin

    marked = lazy_pinyin(run, style=Style.TONE, errors="ignore")
    if len(marked) != len(run):
        return ()
    return tuple(zip(*(_romanised(m) for m in marked)))


@functools.lru_cache(maxsize=4096)
def _romanised(syllable: str) -> tuple[str, str]:
    """A tone-marked pinyin syllable as toneless pinyin and as Wade-Giles, folded (lǚ: "lu", "lu")."""
    from pypinyin import Style
    from pypinyin.style import convert

    return tuple(_fold(convert(syllable, style, True)).replace("v", "u")  # type: ignore[return-value]
                 for style in (Style.NORMAL, Style.WADEGILES))


def shared_name_masks(src: Sequence[str], src_lang: str, tgt: Sequence[str],
                       tgt_lang: str) -> tuple[NDArray[np.uint64], NDArray[np.uint64]]:
    """Per sentence, a 64-bit mask of the name tokens found on both sides and in few sentences of each."""
    toks = [[name_tokens(t, lang) for t in texts] for texts, lang in ((src, src_lang), (tgt, tgt_lang))]
    for side, lang, other in ((0, src_lang, tgt_lang), (1, tgt_lang, src_lang)):
        if is_zh(lang) and not is_zh(other):
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
    return token_masks([s & shared for s in toks[0]]), token_masks([s & shared for s in toks[1]])


def token_bit(tok: str) -> int:
    """A token's 64-bit FNV-1a hash, the same in every process (Python's ``hash`` of a string is not)."""
    h = 1469598103934665603
    for ch in tok.encode():
        h = ((h ^ ch) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def char_lengths(texts: Sequence[str]) -> NDArray[np.float64]:
    """Characters of each text, white space aside."""
    return np.array([len(regex.sub(r"\s+", "", t)) for t in texts], dtype=np.float64)


def length_ratio(ls: NDArray, lt: NDArray, ratio: float) -> NDArray[np.float64]:
    """Log ratio of target characters to those expected from the source (smoothed for short windows)."""
    return np.log((lt + 2.0 * ratio) / (ls * ratio + 2.0 * ratio))


def or_windows(masks: NDArray[np.uint64], size: int) -> NDArray[np.uint64]:
    """(n + 1,): OR of the masks of the ``size`` sentences ending before each row."""
    n = len(masks)
    out = np.zeros(n + 1, dtype=np.uint64)
    for off in range(size):
        # window ending at row i covers sentences i - size .. i - 1
        out[size:] |= masks[size - 1 - off:n - off] if n >= size else np.zeros(0, np.uint64)
    return out


def prefix_sums(x: NDArray) -> NDArray:
    """0 and the running sums of ``x`` (n + 1 values)."""
    return np.concatenate([[0.0], np.cumsum(x)])
