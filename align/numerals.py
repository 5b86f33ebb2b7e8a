"""Numbers written in words: Chinese numerals, English cardinals and ordinals."""

from __future__ import annotations

import regex

CN_NUMERAL = regex.compile(r"[零〇一二两兩三四五六七八九十百千]+")
_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
             "九": 9}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}


def chinese_number(s: str) -> int | None:
    """The value of a Chinese numeral such as 二十二 or 一百零五 (None if it is not one)."""
    if all(c in _CN_DIGIT for c in s):
        return int("".join(str(_CN_DIGIT[c]) for c in s)) if len(s) > 1 or s not in "一两兩" else None
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
    parts = regex.split(r"[-\s]+", s)
    parts[-1] = _EN_ORD.get(parts[-1], "")
    return _cardinal("-".join(parts)) or None


_EN_SCALE = {"hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}
_EN_NUMBER_WORD = regex.compile(
    r"\b(?:" + "|".join(sorted({*_EN_UNITS, *_EN_TENS, *_EN_ORD}, key=len, reverse=True)) + r")"
    r"(?:-(?:" + "|".join(sorted({*_EN_UNITS, *_EN_ORD}, key=len, reverse=True)) + r"))?"
    r"(?:\s+(?:hundred|thousand|million|billion)\b)?\b", regex.IGNORECASE)


def english_numbers(text: str) -> list[int]:
    """The numbers an English text writes in words: "three" 3, "twenty-two" 22, "two hundred" 200,
    "seventy-sixth" 76, "first" 1. "one" is left out, as 一 alone is on the Chinese side: both are mostly
    not numbers ("no one", "one of", 一些); "first" and 第一 are."""
    out = []
    for m in _EN_NUMBER_WORD.finditer(text):
        *head, last = m.group(0).lower().split()
        word, scale = (head[0], _EN_SCALE[last]) if head else (last, 1)
        value = english_ordinal(word) if word.split("-")[-1] in _EN_ORD else _cardinal(word)
        if value is not None and (value * scale != 1 or word == "first"):
            out.append(value * scale)
    return out


def _cardinal(word: str) -> int | None:
    """The value of a cardinal such as "seventy-six" (None if it is not one)."""
    total = 0
    for w in word.split("-"):
        if w in _EN_UNITS:
            total += _EN_UNITS[w]
        elif w in _EN_TENS:
            total += _EN_TENS[w]
        else:
            return None
    return total


# ---------------------------------------------------------------- numbers in a sentence, as values

_MONTHS = {m: i + 1 for i, m in enumerate("January February March April May June July August September October "
                                          "November December".split())}
_DIGITS = r"\d{1,3}(?:[ \u00a0\u2009\u202f]\d{3})+(?![\d.,])|\d+(?:[.,]\d+)*"
_SCALES = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000, "百万": 1_000_000, "百萬": 1_000_000,
           "千万": 10_000_000, "千萬": 10_000_000, **_EN_SCALE}
_NUMBER = regex.compile(
    rf"(?P<digits>{_DIGITS})\s*(?P<scale>百[万萬]|千[万萬]|[万萬亿億]|(?:thousand|million|billion)\b)?"
    r"|(?P<cn>第?[零〇一二两兩三四五六七八九十百千]+)(?P<cnscale>[万萬亿億])?"
    r"|\b(?P<roman>(?=[IVXLC]{2,}\b)C{0,3}(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3}))\b"
    r"|(?P<month>\b(?:" + "|".join(_MONTHS) + r")\b)")


# numerals that are words: 十分 "very" (not 十分钟 "ten minutes"); weekdays (星期二 is Tuesday, not 2)
_NOT_A_NUMBER = regex.compile(r"十分(?![钟之])")
_WEEK = ("星期", "礼拜", "禮拜", "周", "週")


def number_tokens(text: str, lang: str = "") -> list[str]:
    """The numbers a sentence holds, as canonical values, for comparing across languages.

    Digits (2,500 = 2 500 = 2500), with their scale (200万 = 2 million = 2000000, 1.5亿 = 150 million);
    Chinese numerals (二十二, 第七十六; 一 alone only as 第一, and 百 or 千 alone not at all: 百分之,
    千年; nor 十分 "very" or the day in 星期二); and in English, number words (:func:`english_numbers`),
    Roman numerals of two or more letters (Habitat III = 人居三) and month names (6 March 2015 =
    2015年3月6日; "May" only next to a number).
    """
    english = lang.lower().startswith("en")
    out = []
    for m in _NUMBER.finditer(text):
        if m["digits"]:
            value = regex.sub(r"[,\s]", "", m["digits"])
            scale = m["scale"]
            if scale:
                try:
                    out.append(_canonical(float(value) * _SCALES[scale]))
                    continue
                except ValueError:
                    pass
            out.append(value)
        elif m["cn"]:
            cn = m["cn"]
            ordinal = cn.startswith("第")
            cn = cn.removeprefix("第")
            if cn in ("百", "千") or _NOT_A_NUMBER.match(text, m.start()) or text[:m.start()].endswith(_WEEK):
                continue
            # 一 alone is a number as 第一 or before a scale (一万)
            v = 1 if cn == "一" and (ordinal or m["cnscale"]) else 2 if cn in ("两", "兩") else chinese_number(cn)
            if v is not None and m["cnscale"]:
                v = v * _SCALES[m["cnscale"]] or None
            if v is not None:
                out.append(str(v))
        elif m["roman"] and english:
            out.append(str(_roman(m["roman"])))
        elif m["month"] and english:
            # "May" only in a date ("3 May", "May 2015"): else mostly the verb
            if m["month"] != "May" or regex.search(r"\d\s*$", text[:m.start()]) or regex.match(r"\s*\d",
                                                                                              text[m.end():]):
                out.append(str(_MONTHS[m["month"]]))
    if english:
        out.extend(str(v) for v in english_numbers(text))
    return out


def _canonical(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def _roman(s: str) -> int:
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
    total = 0
    for k, c in enumerate(s):
        v = values[c]
        total += -v if k + 1 < len(s) and values[s[k + 1]] > v else v
    return total
