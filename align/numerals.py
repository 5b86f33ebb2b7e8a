"""Numbers written in words: Chinese numerals, English cardinals and ordinals."""

from __future__ import annotations

import regex

CN_NUMERAL = regex.compile(r"[零〇一二两三四五六七八九十百千]+")
_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}


def chinese_number(s: str) -> int | None:
    """The value of a Chinese numeral such as 二十二 or 一百零五 (None if it is not one)."""
    if all(c in _CN_DIGIT for c in s):
        return int("".join(str(_CN_DIGIT[c]) for c in s)) if len(s) > 1 or s not in "一两" else None
    total, digit = 0, None
    for c in s:
        if c in _CN_DIGIT:
            digit = _CN_DIGIT[c]
        else:
            total += (1 if digit is None else digit) * _CN_UNIT[c]
            digit = None
    return total + (digit or 0)


_EN_UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split())}
_EN_TENS = {w: 10 * i for i, w in enumerate("_ _ twenty thirty forty fifty sixty seventy eighty ninety".split())
            if w != "_"}
_EN_ORD = {"first": "one", "second": "two", "third": "three", "fourth": "four", "fifth": "five", "sixth": "six",
           "seventh": "seven", "eighth": "eight", "ninth": "nine", "tenth": "ten", "eleventh": "eleven",
           "twelfth": "twelve", "thirteenth": "thirteen", "fourteenth": "fourteen", "fifteenth": "fifteen",
           "sixteenth": "sixteen", "seventeenth": "seventeen", "eighteenth": "eighteen", "nineteenth": "nineteen",
           "twentieth": "twenty", "thirtieth": "thirty", "fortieth": "forty", "fiftieth": "fifty",
           "sixtieth": "sixty", "seventieth": "seventy", "eightieth": "eighty", "ninetieth": "ninety"}


def english_ordinal(s: str) -> int | None:
    """The value of an ordinal such as "seventy-sixth", "forty-seventh" or "76th" (None if it is not one)."""
    s = s.strip().lower()
    m = regex.fullmatch(r"(\d+)(?:st|nd|rd|th)", s)
    if m:
        return int(m.group(1))
    total = 0
    parts = regex.split(r"[-\s]+", s)
    for k, w in enumerate(parts):
        if k == len(parts) - 1:
            w = _EN_ORD.get(w, "")
        if w in _EN_UNITS:
            total += _EN_UNITS[w]
        elif w in _EN_TENS:
            total += _EN_TENS[w]
        else:
            return None
    return total or None


_EN_SCALE = {"hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}
_EN_NUMBER_WORD = regex.compile(
    r"\b(?:" + "|".join(sorted({*_EN_UNITS, *_EN_TENS, *_EN_ORD}, key=len, reverse=True)) + r")"
    r"(?:-(?:" + "|".join(sorted({*_EN_UNITS, *_EN_ORD}, key=len, reverse=True)) + r"))?"
    r"(?:\s+(?:hundred|thousand|million|billion)\b)?\b", regex.IGNORECASE)


def english_numbers(text: str) -> list[int]:
    """The numbers an English text writes in words: "three" 3, "twenty-two" 22, "two hundred" 200,
    "seventy-sixth" 76. "one" and "first" are left out, as 一 alone is on the Chinese side: both are
    mostly not numbers ("no one", "one of", 一些)."""
    out = []
    for m in _EN_NUMBER_WORD.finditer(text):
        *head, last = m.group(0).lower().split()
        word, scale = (head[0], _EN_SCALE[last]) if head else (last, 1)
        value = english_ordinal(word) if word.split("-")[-1] in _EN_ORD else _cardinal(word)
        if value is not None and value * scale > 1:
            out.append(value * scale)
    return out


def _cardinal(word: str) -> int | None:
    total = 0
    for w in word.split("-"):
        if w in _EN_UNITS:
            total += _EN_UNITS[w]
        elif w in _EN_TENS:
            total += _EN_TENS[w]
        else:
            return None
    return total
