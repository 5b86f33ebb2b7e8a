"""Text matching the way a CAT tool does it: the normalised form, edit similarity, highlighted spans.

Pure functions over strings; the store's lexical index finds candidates, these decide and mark them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import regex

from ..chinese import canonical_table

WORD = regex.compile(r"\w+|[^\w\s]")  # the tokens of languages written with spaces
SPACE = regex.compile(r"\s+")


NORMAL_FORM = "2"  # stores record the form their *_norm columns are in (2: one Chinese whatever the script)


def normalise_text(text: str) -> str:
    """The form exact matches, the lexical and fuzzy indexes and renderings use: NFKC, case-folded, white
    space collapsed, and Traditional or variant Han characters in their Simplified form, character for
    character (:func:`corpus.chinese.canonical`), so that 人權 and 人权 are one text."""
    return SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold().translate(canonical_table())


def by_characters(lang: str) -> bool:
    """Whether edit similarity counts characters (Chinese, Japanese) rather than words."""
    return lang.split("-")[0].lower() in ("zh", "ja")


def tokens(norm: str, lang: str) -> list[str]:
    """The units edit similarity counts: characters other than spaces, or words and punctuation marks."""
    if by_characters(lang):
        return list(SPACE.sub("", norm))  # as the fuzzy index and Fuzzy.encode count them
    return WORD.findall(norm)


class _Codes(dict):
    """Word -> a code point of its own (private use plane 15), given out as words come."""

    def __missing__(self, word: str) -> str:
        code = self[word] = chr(0xF0000 + len(self))
        return code


class Fuzzy:
    """CAT-style match percentage of one query against many segments: Levenshtein distance over characters
    (Chinese) or words (other languages), as 100 * (1 - distance / longer length).

    Words are mapped to single code points so that rapidfuzz's bit-parallel string distance does the work.
    """

    def __init__(self, query: str, lang: str) -> None:
        self.lang = lang
        self._chars = by_characters(lang)
        self._codes = _Codes()
        self.norm = normalise_text(query)
        self.query = self.encode(self.norm)

    def encode(self, norm: str) -> str:
        if self._chars:
            return SPACE.sub("", norm)
        return "".join(map(self._codes.__getitem__, WORD.findall(norm)))

    def score(self, norm: str, cutoff: float = 0.0) -> float:
        """Match percentage of a normalised segment (0 when below ``cutoff`` percent)."""
        from rapidfuzz.distance import Levenshtein

        sim = Levenshtein.normalized_similarity(self.query, self.encode(norm), score_cutoff=cutoff / 100.0)
        return round(100.0 * sim, 1)

    @property
    def length(self) -> int:
        return len(self.query)


def fuzzy_match(a: str, b: str, lang: str) -> float:
    """CAT-tool style match percentage of two texts: Levenshtein on characters (Chinese) or words (others)."""
    return Fuzzy(a, lang).score(normalise_text(b))


def normalised_with_offsets(text: str) -> tuple[str, list[int]]:
    """:func:`normalise_text` character by character, with the offset in ``text`` of each output character,
    so that a match found in the normalised form can be marked in the original."""
    out: list[str] = []
    where: list[int] = []
    space = True  # drops leading white space
    table = canonical_table()
    for i, ch in enumerate(text):
        if ch.isspace():
            if not space:
                out.append(" ")
                where.append(i)
            space = True
            continue
        space = False
        for c in unicodedata.normalize("NFKC", ch).casefold().translate(table):
            out.append(c)
            where.append(i)
    while out and out[-1] == " ":
        out.pop()
        where.pop()
    return "".join(out), where


def find_spans(text: str, needle_norm: str) -> list[tuple[int, int]]:
    """Where the normalised ``needle_norm`` occurs in ``text``: (start, end) offsets in ``text``, left to right,
    not overlapping."""
    if not needle_norm:
        return []
    norm, where = normalised_with_offsets(text)
    spans = []
    start = norm.find(needle_norm)
    while start >= 0:
        end = start + len(needle_norm)
        spans.append((where[start], where[end - 1] + 1))
        start = norm.find(needle_norm, end)
    return spans


def mark(text: str, spans: Sequence[tuple[int, int]], before: str = "[", after: str = "]") -> str:
    """``text`` with each span wrapped in ``before`` and ``after``."""
    out, last = [], 0
    for s, e in spans:
        out += [text[last:s], before, text[s:e], after]
        last = e
    out.append(text[last:])
    return "".join(out)
