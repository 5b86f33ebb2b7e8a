"""Language tags that follow the text: what a segment is, written the way the user asked.

Inside tmbuild a side's language is a short BCP 47 tag: the primary language
subtag (``"en"``, ``"de"``), and for Chinese ``"zh"`` (Simplified, or script
unknown) or ``"zh-Hant"`` (Traditional). Writers turn it into the tag the
output needs with :class:`LangCodes`: by default ``zh-CN``/``zh-TW`` and
``en-US``; the user's ``--lang-codes`` chooses the form (``zh-Hans,en``,
``ZH-CN,EN-US``) and the text keeps the script, so Traditional text is never
tagged as Simplified nor English as Chinese, whatever order the files came in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import regex

from align.errors import InputError

# ISO 639-1: the two-letter primary subtags BCP 47 accepts
_ISO639_1 = set("""
aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el
en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu
ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na
nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so
sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
""".split())
_TAG = regex.compile(r"(?i)^([a-z]{2,3})(?:-([a-z]{4}))?(?:-([a-z]{2}|[0-9]{3}))?"  # language, script, region
                    r"((?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*)$")  # variants
HAN_LANGS = {"zh", "ja", "zho", "chi", "cmn", "yue", "wuu", "lzh", "hak", "nan", "gan", "hsn", "jpn"}
_TRADITIONAL_REGIONS = {"TW", "HK", "MO"}
_DEFAULTS = {"zh": "zh-CN", "en": "en-US"}
_HAN = regex.compile(r"\p{Han}")
_LATIN = regex.compile(r"\p{Latin}")


def check_tag(tag: str, what: str) -> str:
    """``tag`` if it is a well-formed BCP 47 tag of a known language, else an :class:`InputError`."""
    m = _TAG.match(tag.strip())
    if not m or (len(m.group(1)) == 2 and m.group(1).lower() not in _ISO639_1):
        raise InputError(f"{what}: {tag!r} is not a BCP 47 language tag; use codes such as zh, en, zh-CN, "
                         "zh-TW, zh-Hans, en-US, de, fr")
    return tag.strip()


def canonical_case(tag: str) -> str:
    """A tag in BCP 47's case: ``ZH-CN`` -> ``zh-CN``, ``zh-hant-tw`` -> ``zh-Hant-TW``, ``EN-gb`` -> ``en-GB``."""
    parts = tag.strip().split("-")
    out = [parts[0].lower()]
    for p in parts[1:]:
        out.append(p.title() if len(p) == 4 and p.isalpha() else p.upper() if len(p) == 2 else p.lower())
    return "-".join(out)


def primary(tag: str) -> str:
    """The language subtag, lower case: ``primary("ZH-TW") == "zh"``."""
    return tag.split("-")[0].lower()


def is_traditional_tag(tag: str) -> bool | None:
    """True for tags that say Traditional Chinese (zh-TW, zh-HK, zh-Hant...), False for Simplified
    (zh-CN, zh-SG, zh-Hans), None when the tag does not say."""
    m = _TAG.match(tag.strip())
    if not m or primary(tag) not in HAN_LANGS:
        return None
    script, region = (m.group(2) or "").title(), (m.group(3) or "").upper()
    if script in ("Hant", "Hans"):
        return script == "Hant"
    if region:
        return region in _TRADITIONAL_REGIONS
    return None


def text_lang(lang: str, script: str = "") -> str:
    """The internal tag of a side: ``"zh-Hant"`` for Traditional Chinese, else the primary subtag."""
    base = primary(lang)
    return "zh-Hant" if base == "zh" and script == "Hant" else base


def tag_lang(tag: str, script: str | Callable[[], str]) -> str:
    """The internal tag of a side tagged ``tag`` (a user's ``--src-lang``, a TMX variant's ``xml:lang``): the
    script follows the tag where it says one (zh-TW, zh-Hans), else ``script`` (the text's; a function is
    called only when the tag does not say)."""
    trad = is_traditional_tag(tag)
    if trad is None:
        return text_lang(tag, script() if callable(script) else script)
    return text_lang(tag, "Hant" if trad else "Hans")


def user_lang(tag: str, script: str, what: str) -> str:
    """:func:`tag_lang` of a user's ``--src-lang``/``--tgt-lang``, checked to be BCP 47 first."""
    return tag_lang(check_tag(tag, what), script)


def check_text(lang: str, sample: str, where: str, option: str) -> None:
    """Refuse a language that cannot be the text's: Chinese with no Han characters, or a Latin-script
    language for text that is mostly Han."""
    from .readers import detect_lang

    han_lang = primary(lang) in HAN_LANGS
    if han_lang and not _HAN.search(sample) and _LATIN.search(sample):
        raise InputError(f"{where}: {option} {lang} says Chinese, but the text has no Chinese characters; "
                         "leave the option out to detect the language")
    if not han_lang and detect_lang(sample) == "zh":
        raise InputError(f"{where}: {option} {lang}, but the text is Chinese; leave the option out to detect "
                         "the language, or give the right one (zh)")


def _with_case(model: str, value: str) -> str:
    return value.upper() if model.isupper() else value.lower() if model.islower() else value


@dataclass(frozen=True, slots=True)
class LangCodes:
    """How to write each language: the user's ``--lang-codes`` by primary language, else defaults."""

    codes: tuple[str, ...] = ()

    @classmethod
    def parse(cls, spec: str | None, option: str = "--lang-codes") -> LangCodes:
        if not spec:
            return cls()
        parts = [p.strip() for p in spec.split(",")]
        if len(parts) != 2 or not all(parts):
            raise InputError(f"{option} takes two codes such as zh-CN,en-US, not {spec!r}")
        for p in parts:
            check_tag(p, option)
        if primary(parts[0]) == primary(parts[1]):
            raise InputError(f"{option} {spec}: both codes are {primary(parts[0])}; give one code per language, "
                             "e.g. zh-CN,en-US")
        return cls(tuple(parts))

    def check(self, langs: tuple[str, ...], option: str = "--lang-codes") -> None:
        """Every code the user gave must name one of the texts' languages."""
        have = {primary(lang) for lang in langs}
        for c in self.codes:
            if primary(c) not in have:
                raise InputError(f"{option} gives {c}, but the texts are {' and '.join(sorted(have))}; "
                                 f"give one code for each of them")

    def tag(self, lang: str) -> str:
        """The tag to write for internal language ``lang`` ("zh", "zh-Hant", "en", "de"...)."""
        base = primary(lang)
        trad = lang == "zh-Hant"
        code = next((c for c in self.codes if primary(c) == base), None)
        if code is None:
            code = _DEFAULTS.get(base, base)
        if base != "zh":
            return code
        m = _TAG.match(code)
        lang_sub, script, region, rest = m.group(1), m.group(2), m.group(3), m.group(4)
        said = is_traditional_tag(code)
        if said is None or said == trad:
            return code  # "zh", or the user's code already says the text's script
        if script:
            region_part = f"-{region}" if region else ""
            return f"{lang_sub}-{_with_case(script, 'Hant' if trad else 'Hans')}{region_part}{rest}"
        return f"{lang_sub}-{_with_case(region, 'TW' if trad else 'CN')}" + rest
