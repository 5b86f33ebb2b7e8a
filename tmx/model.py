"""What a TMX file holds, independent of tmbuild's own pair model."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

SEGTYPES = ("block", "paragraph", "sentence", "phrase")
# <tu> attributes of the TMX 1.4b DTD besides tuid and the dates, which TmxUnit has fields for
TU_ATTRS = ("o-encoding", "datatype", "usagecount", "lastusagedate", "creationtool", "creationtoolversion",
            "creationid", "changeid", "segtype", "o-tmf", "srclang")


def tmx_date(when: datetime | None = None) -> str:
    """A TMX date: UTC, ``YYYYMMDDThhmmssZ``."""
    when = when or datetime.now(UTC)
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.strftime("%Y%m%dT%H%M%SZ")


@dataclass(frozen=True, slots=True)
class TmxHeader:
    """A TMX file's header: source language, segment type, tool and data type."""
    srclang: str
    segtype: str = "sentence"
    adminlang: str = "en-US"
    creationtool: str = "tmbuild"
    creationtoolversion: str = ""
    datatype: str = "plaintext"
    o_tmf: str = "tmbuild"
    creationdate: str = field(default_factory=tmx_date)
    props: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TmxUnit:
    """One ``<tu>``: its language variants in order, and its metadata."""

    variants: tuple[tuple[str, str], ...]  # (xml:lang, text)
    tuid: str = ""
    props: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()
    creationdate: str = ""
    changedate: str = ""
    attrs: tuple[tuple[str, str], ...] = ()  # other <tu> attributes (TU_ATTRS): creationid, changeid...
    inline_codes: int = 0  # native codes (<bpt>, <ept>, <it>, <ph>) the reader left out of the text

    def variant(self, lang: str) -> tuple[str, str] | None:
        """``(xml:lang, text)`` of the first variant whose language matches ``lang``.

        An exact (case-insensitive) match wins; otherwise the primary subtags
        are compared, so ``zh`` finds ``zh-CN`` and ``ZH-TW``.
        """
        want = lang.lower()
        for code, text in self.variants:
            if code.lower() == want:
                return code, text
        base = want.split("-")[0]
        for code, text in self.variants:
            if code.lower().split("-")[0] == base:
                return code, text
        return None

    def text(self, lang: str) -> str | None:
        """Text of :meth:`variant` ``lang``."""
        v = self.variant(lang)
        return v[1] if v else None

    def prop(self, type_: str) -> str | None:
        for t, v in self.props:
            if t == type_:
                return v
        return None
