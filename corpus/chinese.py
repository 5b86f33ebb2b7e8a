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
