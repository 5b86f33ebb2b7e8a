"""Simplified and Traditional Chinese: recognise the script, convert for matching.

Outputs always keep the original text; conversion is only used where two
texts are compared (pairing, lookup).
"""

from __future__ import annotations

from functools import lru_cache

import regex

_HAN = regex.compile(r"\p{Han}")


@lru_cache(maxsize=2)
def _converter(config: str):
    import opencc

    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    return _converter("t2s").convert(text)


def detect_script(text: str) -> str:
    """"Hant" when converting to Simplified changes a noticeable share of the Han characters."""
    han = "".join(_HAN.findall(text[:20000]))
    if not han:
        return ""
    simp = _converter("t2s").convert(han)
    changed = sum(1 for a, b in zip(han, simp) if a != b)
    return "Hant" if changed >= max(3, 0.05 * len(han)) else "Hans"


# ------------------------------------------------------------------ one text whatever the script

_CJK_BLOCKS = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2A6DF), (0x2A700, 0x2EBEF))
# Traditional characters that are everyday Simplified ones too, with a meaning of their own (著作, 什么):
# mapping them would merge words Simplified text keeps apart
KEEP = frozenset("著么")


@lru_cache(maxsize=1)
def canonical_table() -> dict[int, str]:
    """Each Traditional or variant Han character to its Simplified form, one character to one (OpenCC's
    character tables through its t2s, tw2s and hk2s conversions, each character alone): the form in which
    the two scripts are one text to matching. Worked out once per process (about 0.2 s)."""
    chars = [chr(c) for lo, hi in _CJK_BLOCKS for c in range(lo, hi + 1)]
    table: dict[int, str] = {}
    for config in ("t2s", "tw2s", "hk2s"):
        out = _converter(config).convert("\n".join(chars)).split("\n")
        if len(out) != len(chars):  # pragma: no cover - a conversion that joined or split lines
            continue
        for c, o in zip(chars, out):
            if o != c and len(o) == 1 and c not in KEEP:
                table.setdefault(ord(c), o)
    for k, v in table.items():  # each character straight to the end of its chain: one pass is enough
        seen = {v}
        while ord(v) in table and table[ord(v)] not in seen:
            v = table[ord(v)]
            seen.add(v)
        table[k] = v
    return table


def canonical(text: str) -> str:
    """``text`` with every Traditional or variant character in its Simplified form, character for character
    (the length and offsets stay): 安全理事會 -> 安全理事会, 人權 -> 人权."""
    return text.translate(canonical_table())


def traditional_only(text: str) -> bool:
    """Whether ``text`` holds a character Simplified Chinese does not use (a key of :func:`canonical_table`)."""
    return not _traditional_characters().isdisjoint(text)


@lru_cache(maxsize=1)
def _traditional_characters() -> frozenset[str]:
    return frozenset(map(chr, canonical_table()))
