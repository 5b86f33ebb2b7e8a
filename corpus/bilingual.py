"""Bilingual files from finished CAT projects, read as translation units: XLIFF 1.2 and 2.0, gettext PO, Qt TS.

Each file gives :class:`tmx.TmxUnit` s (two language variants, the unit's id, notes and props), which the
store imports as it imports TMX (:func:`corpus.transfer.import_units`). Units that are not finished
translations are left out and counted: untranslated ones (no target text) and fuzzy ones (PO ``#, fuzzy``,
TS ``type="unfinished"``, XLIFF 1.2 ``state="new"`` or ``needs-*``, XLIFF 2.0 ``state="initial"``).

translate-toolkit reads PO, TS and XLIFF 1.2 (its storage classes). Where it does not serve, this module says
so and reads the file itself with lxml: XLIFF 1.2's finished state (translate-toolkit calls every unit
without ``approved="yes"`` fuzzy, which most CAT tools never write), inline codes (counted, as for TMX), and
XLIFF 2.0 (its class keeps neither a unit's notes nor its state). XML files are parsed without DTDs,
entities or network access; a file that declares entities is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from align.errors import FormatError
from tmx import TmxHeader, TmxUnit
from tmx.reader import _check_no_entities, _parser_kwargs

SUFFIXES = {".xlf": "xliff", ".xliff": "xliff", ".sdlxliff": "xliff", ".mqxliff": "xliff", ".po": "po",
            ".ts": "ts"}
XLIFF12 = "{urn:oasis:names:tc:xliff:document:1.2}"
XLIFF20 = "{urn:oasis:names:tc:xliff:document:2.0}"
UNFINISHED_12 = {"new", "needs-translation", "needs-adaptation", "needs-l10n", "needs-review-adaptation",
                 "needs-review-l10n", "needs-review-translation"}


@dataclass
class Skipped:
    """Units of a bilingual file that are not finished translations."""
    untranslated: int = 0
    fuzzy: int = 0


def kind_of(path: Path) -> str | None:
    """"xliff", "po" or "ts" by the file's suffix; None for another file."""
    return SUFFIXES.get(path.suffix.lower())


def read_bilingual(path: Path) -> tuple[TmxHeader, list[TmxUnit], Skipped]:
    """The finished translation units of a bilingual file, what was left out, and a header naming the tool
    and the source language."""
    path = Path(path)
    kind = kind_of(path)
    if kind is None:
        raise FormatError(f"{path}: not a bilingual file tmbuild reads (TMX, XLIFF .xlf/.xliff, PO, TS)")
    if not path.is_file():
        raise FormatError(f"{path}: no such file")
    if kind == "po":
        return _po(path)
    _check_no_entities(path)
    try:
        root = etree.parse(str(path), etree.XMLParser(**_parser_kwargs())).getroot()
    except etree.XMLSyntaxError as e:
        raise FormatError(f"{path}: not well-formed XML ({e.msg}); nothing imported") from None
    if root.tag == f"{XLIFF20}xliff" or (root.tag.endswith("xliff") and root.get("version", "").startswith("2")):
        return _xliff2(path, root)
    if kind == "ts" or root.tag == "TS":
        return _ts(path)
    if root.tag != f"{XLIFF12}xliff" and root.tag != "xliff":
        raise FormatError(f"{path}: the root element is <{etree.QName(root).localname}>, not <xliff>; nothing "
                          "imported")
    return _xliff12(path, root)


def _langs(path: Path, src: str | None, tgt: str | None) -> tuple[str, str]:
    if not src or not tgt:
        raise FormatError(f"{path}: the file does not say its {'source' if not src else 'target'} language; "
                          "nothing imported")
    return src.replace("_", "-"), tgt.replace("_", "-")


def _unit(langs: tuple[str, str], source: str, target: str, uid: str, notes, props=(), codes: int = 0) -> TmxUnit:
    return TmxUnit(variants=((langs[0], source), (langs[1], target)), tuid=uid,
                   notes=tuple(n.strip() for n in notes if n and n.strip()), props=tuple(props), inline_codes=codes)


def _xliff12(path: Path, root) -> tuple[TmxHeader, list[TmxUnit], Skipped]:
    """XLIFF 1.2 through translate-toolkit's Xliff1File (text with inline codes flattened, notes), the
    finished state and the codes from the element itself."""
    from translate.storage import xliff

    store = xliff.xlifffile.parsefile(str(path))
    langs = _langs(path, store.getsourcelanguage(), store.gettargetlanguage())
    units, skipped = [], Skipped()
    for u in store.units:
        el = u.xmlelement
        target = el.find(f"{XLIFF12}target")
        if not (u.target or "").strip():
            skipped.untranslated += 1
            continue
        if target is not None and target.get("state") in UNFINISHED_12:
            skipped.fuzzy += 1
            continue
        source = el.find(f"{XLIFF12}source")
        codes = int(any(len(x) for x in (source, target) if x is not None))
        origin = el.getparent().getparent().get("original", "") if el.getparent() is not None else ""
        units.append(_unit(langs, u.source, u.target, el.get("id", ""), u.getnotes().split("\n"),
                           [("x-file", origin)] if origin else (), codes))
    return TmxHeader(srclang=langs[0], creationtool=_tool(root, f"{XLIFF12}tool") or "XLIFF 1.2"), units, skipped


def _tool(root, tag: str) -> str:
    tool = root.find(f".//{tag}")
    if tool is not None:
        return tool.get("tool-name") or tool.get("tool-id") or ""
    file_el = root.find(f".//{XLIFF12}file")
    return (file_el.get("tool-id") or file_el.get("tool") or "") if file_el is not None else ""


def _text(el) -> str:
    return "".join(el.itertext()) if el is not None else ""


def _xliff2(path: Path, root) -> tuple[TmxHeader, list[TmxUnit], Skipped]:
    """XLIFF 2.0, read here: translate-toolkit's Xliff2File keeps neither notes nor states."""
    langs = _langs(path, root.get("srcLang"), root.get("trgLang"))
    units, skipped = [], Skipped()
    for unit in root.iter(f"{XLIFF20}unit"):
        notes = [_text(n) for n in unit.iter(f"{XLIFF20}note")]
        segments = list(unit.iter(f"{XLIFF20}segment"))
        src = "".join(_text(s.find(f"{XLIFF20}source")) for s in segments).strip()
        tgt = "".join(_text(s.find(f"{XLIFF20}target")) for s in segments).strip()
        if not tgt:
            skipped.untranslated += 1
            continue
        if any(s.get("state") == "initial" and s.find(f"{XLIFF20}target") is not None for s in segments):
            skipped.fuzzy += 1
            continue
        codes = int(any(len(x) for s in segments for x in s if x.tag in (f"{XLIFF20}source", f"{XLIFF20}target")))
        file_id = unit.getparent().get("id", "") if unit.getparent() is not None else ""
        units.append(_unit(langs, src, tgt, unit.get("id", ""), notes, [("x-file", file_id)] if file_id else (),
                           codes))
    return TmxHeader(srclang=langs[0], creationtool="XLIFF 2.0"), units, skipped


def _po(path: Path) -> tuple[TmxHeader, list[TmxUnit], Skipped]:
    """gettext PO through translate-toolkit: msgid is the source, msgstr the target (Language header);
    the source language, which PO does not record, is English unless the msgids are Chinese."""
    from translate.storage import pypo

    from .readers import detect_lang

    try:
        store = pypo.pofile.parsefile(str(path))
    except Exception as e:  # noqa: BLE001 - translate-toolkit raises several kinds for a broken file
        raise FormatError(f"{path}: not a PO file translate-toolkit can read ({str(e)[:120]}); nothing "
                          "imported") from None
    body = [u for u in store.units if not u.isheader() and not u.isobsolete()]
    sample = " ".join(u.source or "" for u in body[:200])
    langs = _langs(path, store.getsourcelanguage() or detect_lang(sample), store.gettargetlanguage())
    units, skipped = [], Skipped()
    for u in body:
        if not (u.target or "").strip():
            skipped.untranslated += 1
        elif u.isfuzzy():
            skipped.fuzzy += 1
        else:
            where = " ".join(u.getlocations())
            units.append(_unit(langs, u.source, u.target, u.getid(), u.getnotes().split("\n"),
                               [("x-locations", where)] if where else ()))
    return TmxHeader(srclang=langs[0], creationtool="gettext PO"), units, skipped


def _ts(path: Path) -> tuple[TmxHeader, list[TmxUnit], Skipped]:
    """Qt TS through translate-toolkit (``type="unfinished"`` is fuzzy)."""
    from translate.storage import ts2

    store = ts2.tsfile.parsefile(str(path))
    langs = _langs(path, store.getsourcelanguage(), store.gettargetlanguage())
    units, skipped = [], Skipped()
    for u in store.units:
        if not (u.target or "").strip():
            skipped.untranslated += 1
        elif u.isfuzzy():
            skipped.fuzzy += 1
        else:
            units.append(_unit(langs, u.source, u.target, u.getid(), u.getnotes().split("\n"),
                               [("x-context", u.getcontext())] if u.getcontext() else ()))
    return TmxHeader(srclang=langs[0], creationtool="Qt TS"), units, skipped
