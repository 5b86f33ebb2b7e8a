"""Numbers written in words: Chinese numerals, English cardinals and ordinals."""

from __future__ import annotations

import unicodedata

import regex

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

MONTHS = {m: i + 1 for i, m in enumerate("January February March April May June July August September October "
                                         "November December".split())}
_DIGITS = r"\d{1,3}(?:[ \u00a0\u2009\u202f]\d{3})+(?:\.\d+)?(?![\d.,])|\d+(?:[.,]\d+)*"
_SCALES = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000, "百万": 1_000_000, "百萬": 1_000_000,
           "千万": 10_000_000, "千萬": 10_000_000, **_EN_SCALE}
_ROMAN = r"C{0,3}(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})"
# 多/余 between a number and its scale: 200多万 = more than 2 million
_NUMBER = regex.compile(
    rf"(?P<digits>{_DIGITS})(?:\s*[多余餘]?(?P<scale>百[万萬]|千[万萬]|[万萬亿億]|(?:thousand|million|billion)\b))?"
    r"|(?P<cn>第?[零〇一二两兩三四五六七八九十百千]+)(?:[多余餘]?(?P<cnscale>[万萬亿億]))?"
    rf"|\b(?P<roman>(?=[IVXLC]{{2,}}\b){_ROMAN})\b"
    r"|(?P<month>\b(?:" + "|".join(MONTHS) + r")\b)")

# numerals that are words: 十分 "very" (not 十分钟 "ten minutes"); 两性 "gender", 两年期 "biennium", 两用
# "dual-use"; weekdays (星期二 is Tuesday, not 2)
_NOT_A_NUMBER = regex.compile(r"十分(?![钟鐘之])|[两兩](?:性|年期|用)")
_WEEK = ("星期", "礼拜", "禮拜", "周", "週")
# approximate numbers: 数十万 "hundreds of thousands", 几十年 "decades", 上千 "thousands", 千百万 "millions"
_APPROX_BEFORE = ("数", "數", "几", "幾", "上", "成")
_APPROX = regex.compile(r"千百|千千|十[几幾]")
# 首次, 首个, 首位, 首届, 首批, 首先, 首轮: "first"
_FIRST = regex.compile(r"首[次个個位届屆批先轮輪]")
# a Roman numeral of one letter, where it cannot be the pronoun: after a word that numbers parts of a document
# (Section V, annex I) or opening a heading ("V. Transitional provision")
_ROMAN_LABEL = regex.compile(
    r"(?:\b(?i:sections?|articles?|annex(?:es)?|chapters?|parts?|titles?|appendix|appendices|schedules?|volumes?|"
    r"books?|phases?|categor(?:y|ies)|protocols?)"
    r"\s+|^\s*(?=[IVX]\.\s))(?P<roman>[IVX])\b")
# times of day, as hour and minute on a 12-hour clock: 10.23 a.m. = 上午10时23分, 10 p.m. = 22时, 2359Z = 23时59分
_EN_TIME = regex.compile(r"\b(?P<h>\d{1,2})(?:[.:](?P<m>\d{2}))?\s*[ap]\.\s?m\."
                         r"|\b(?P<h24>[01]\d|2[0-3])(?P<m24>[0-5]\d)\s*(?:hours|hrs|Z)\b")
_ZH_HOUR = regex.compile(r"(?<!\d)(?P<h>1[3-9]|2[0-4])(?=\s*[时時])")
# fractions: the numerator only, as 三分之二 = two thirds = 2
_EN_FRACTION = regex.compile(
    r"\b(?P<num>an?|one|two|three|four|five|six|seven|eight|nine)[-\s]+(?:thirds?|quarters?|"
    r"(?:fourth|fifth|sixth|seventh|eighth|ninth|tenth)s?)\b"
    # a ratio written as a count: one in three = 三分之一, 1 out of 5 = 五分之一 (not the start of a compound or a
    # range: "one in three-year terms", "two in 10 to 15")
    r"|\b(?P<num>one|two|three|four|five|six|seven|eight|nine|\d{1,2})\s+(?:in|out\s+of)\s+"
    r"(?:two|three|four|five|six|seven|eight|nine|ten|\d{1,3})\b(?!\s*(?:[-‑]|per|and|to)\b)",
    regex.IGNORECASE)
# digits that are no numbers: the exponent of a unit (km2 = 平方公里), a footnote mark glued to a word and its
# punctuation ("website.3", "Questions,22")
_NOT_DIGITS = regex.compile(r"(?<=\b[kcm]?m)[23]\b|(?<=\p{Ll}[.,;:)\"”’])\d{1,3}(?!\d|[.,]\d)")
# a digit just before or just after a position (white space between): "3 May", "May 2015"
_DIGIT_BEFORE = regex.compile(r"(?<=\d\s*)")
_DIGIT_AFTER = regex.compile(r"\s*\d")


def number_tokens(text: str, lang: str = "") -> list[str]:
    """The numbers a sentence holds, as canonical values, for comparing across languages.

    Digits (2,500 = 2 500 = 2500), with their scale (200万 = 2 million = 2000000, 1.5亿 = 150 million);
    Chinese numerals (二十二, 第七十六; 一 alone only as 第一, and 百 or 千 alone not at all: 百分之,
    千年; nor 十分 "very", 两性 "gender", the day in 星期二 or approximate numbers: 数十万); Roman numerals
    of two or more letters (Habitat III = 人居三); fractions by their numerator (三分之二 = two thirds,
    三分之一 = one in three); times on a 12-hour clock (22时 = 10 p.m.); and in English, number words
    (:func:`english_numbers`), one-letter Roman numerals that label a part (Section V = 第五节, annex I =
    附件一), "first" (首次) and month names (6 March 2015 = 2015年3月6日; "May" only next to a number).
    Digits glued to letters (km2, UF6) and footnote marks glued to a word ("website.3") are left out.
    The text is read in NFKC form (full-width ２０１５ = 2015).
    """
    text = unicodedata.normalize("NFKC", text)
    english = lang.lower().startswith("en")
    out: list[str] = []
    # times, fractions and labels are read first and blanked, so that the general scan does not read them again
    chars = list(text)

    def take(m, group: str | int = 0) -> None:
        for k in range(*m.span(group)):
            chars[k] = " "

    for m in _NOT_DIGITS.finditer(text):
        take(m)
    if english:
        for m in _EN_TIME.finditer(text):
            h, minute = (m["h"], m["m"]) if m["h"] else (m["h24"], m["m24"])
            out.append(str(int(h) % 12 or 12))
            if minute and minute != "00":
                out.append(str(int(minute)))
            take(m)
        for m in _EN_FRACTION.finditer(text):
            num = m["num"].lower()
            out.append(num if num.isdigit() else "1" if num in ("a", "an", "one") else str(_EN_UNITS[num]))
            take(m)
        for m in _ROMAN_LABEL.finditer(text):
            out.append(str(_roman(m["roman"])))
            take(m, "roman")
    else:
        for m in _ZH_HOUR.finditer(text):
            out.append(str(int(m["h"]) - 12))
            take(m)
        out.extend("1" for _ in _FIRST.finditer(text))
    text = "".join(chars)
    lead = len(text) - len(text.lstrip())  # the white space that opens the text
    # what comes before and after a match is looked at in place (slices of a long paragraph would make reading
    # it quadratic)
    for m in _NUMBER.finditer(text):
        if m["digits"]:
            value = regex.sub(r"[,\s]", "", m["digits"])
            scale = m["scale"]
            if scale:
                try:
                    out.append(_canonical(float(value) * _SCALES[scale]))
                    continue
                except (ValueError, OverflowError):  # no number a text means (a run of 400 digits): as written
                    pass
            out.append(value)
        elif m["cn"]:
            cn = m["cn"]
            ordinal = cn.startswith("第")
            cn = cn.removeprefix("第")
            start, end = m.span()
            if (cn in ("百", "千") or _NOT_A_NUMBER.match(text, start) or text.endswith(_WEEK, 0, start)
                    or (text.endswith(_APPROX_BEFORE, 0, start) and cn[0] in "十百千")
                    or _APPROX.search(text, start, end + 1)
                    or text.startswith("分之", end)  # 三分之二: the denominator
                    # (三) labels as (c) does
                    or (text.endswith(("(", "（"), 0, start) and text.startswith((")", "）"), end))):
                continue
            # 一 alone is a number as 第一, before a scale (一万), as a numerator (三分之一), a label (附件一)
            # or a heading (一. 导言)
            one = ordinal or m["cnscale"] or text.endswith(("分之", "附件", "附录", "附錄", "附表"), 0, start) or (
                start <= lead and text[end:end + 1] in ".．、")
            v = 1 if cn == "一" and one else 2 if cn in ("两", "兩") else chinese_number(cn)
            if v is not None and m["cnscale"]:
                v = v * _SCALES[m["cnscale"]] or None
            if v is not None:
                out.append(str(v))
        elif m["roman"]:
            out.append(str(_roman(m["roman"])))
        elif m["month"] and english:
            # "May" only in a date ("3 May", "May 2015"): else mostly the verb
            if m["month"] != "May" or _DIGIT_BEFORE.match(text, m.start()) or _DIGIT_AFTER.match(text, m.end()):
                out.append(str(MONTHS[m["month"]]))
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
