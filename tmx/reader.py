"""Read TMX 1.4 files from any tool, safely.

The parser never expands entities, never loads a DTD and never touches the
network; a file that declares entities (the XXE and billion-laughs attacks)
is refused outright. UTF-8 and UTF-16 (with a BOM or an encoding
declaration) are read; inline markup inside ``<seg>`` (``<bpt>``, ``<ph>``
...) is dropped and its text kept, as CAT tools do for plain-text matching.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from align.errors import FormatError

from .model import TU_ATTRS, TmxHeader, TmxUnit
from .writer import XML_LANG

_INLINE_CODES = {"bpt", "ept", "it", "ph"}  # native codes, not text


def _parser_kwargs() -> dict:
    return dict(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                huge_tree=False, remove_comments=True, remove_pis=True)


def _check_no_entities(path: Path) -> None:
    head = path.read_bytes()[:65536]
    for enc in ("utf-8", "utf-16"):
        try:
            text = head.decode(enc, errors="ignore")
        except Exception:  # noqa: BLE001
            continue
        if "<!ENTITY" in text:
            raise FormatError(f"{path}: the file declares XML entities; tmbuild refuses such TMX files "
                              "(entity expansion can read local files or exhaust memory)")


def seg_text(seg: etree._Element) -> str:
    """The text of a ``<seg>``: character data and ``<hi>``/``<sub>`` text, without native codes."""
    return _seg_text(seg)[0]


def _seg_text(seg: etree._Element) -> tuple[str, int]:
    """The text of a ``<seg>`` and how many native codes were left out."""
    parts = [seg.text or ""]
    codes = 0
    for child in seg:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in _INLINE_CODES:
            codes += 1
        else:
            text, n = _seg_text(child)
            parts.append(text)
            codes += n
        parts.append(child.tail or "")
    return "".join(parts), codes


def read_header(path: str | Path) -> TmxHeader:
    path = Path(path)
    for header, _ in _iter(path, header_only=True):
        return header
    raise FormatError(f"{path}: no <header> element; is this a TMX file?")


def read_tmx(path: str | Path) -> tuple[TmxHeader, list[TmxUnit]]:
    """Header and all units of a TMX file."""
    path = Path(path)
    header = None
    units = []
    for h, u in _iter(path):
        header = header or h
        if u is not None:
            units.append(u)
    if header is None:
        raise FormatError(f"{path}: no <header> element; is this a TMX file?")
    return header, units


def iter_units(path: str | Path) -> Iterator[TmxUnit]:
    for _, u in _iter(Path(path)):
        if u is not None:
            yield u


def _iter(path: Path, header_only: bool = False) -> Iterator[tuple[TmxHeader, TmxUnit | None]]:
    """The header and each unit of a TMX file, read as a stream with entities refused; ``header_only`` stops after the
    header."""
    if not path.is_file():
        raise FormatError(f"{path}: no such file")
    _check_no_entities(path)
    header: TmxHeader | None = None
    try:
        ctx = etree.iterparse(str(path), events=("start", "end"), **_parser_kwargs())
        root_seen = False
        for event, el in ctx:
            tag = el.tag if isinstance(el.tag, str) else ""
            if event == "start":
                if not root_seen:
                    root_seen = True
                    dtd = el.getroottree().docinfo.internalDTD
                    if dtd is not None and (list(dtd.iterentities()) or list(dtd.elements())):
                        # the parser expands nothing (resolve_entities=False); a file that declares entities
                        # anywhere, after a long comment or in any encoding, is refused all the same
                        raise FormatError(f"{path}: the file declares XML entities or elements in a DOCTYPE; "
                                          "tmbuild refuses such TMX files (entity expansion can read local files "
                                          "or exhaust memory)")
                    if tag != "tmx":
                        raise FormatError(f"{path}: the root element is <{tag}>, not <tmx>")
                continue
            if tag == "header":
                a = el.attrib
                header = TmxHeader(
                    srclang=a.get("srclang", ""), segtype=a.get("segtype", "sentence"),
                    adminlang=a.get("adminlang", ""), creationtool=a.get("creationtool", ""),
                    creationtoolversion=a.get("creationtoolversion", ""),
                    datatype=a.get("datatype", ""), o_tmf=a.get("o-tmf", ""),
                    creationdate=a.get("creationdate", ""),
                    props=tuple((p.get("type", ""), p.text or "") for p in el.findall("prop")),
                    notes=tuple(n.text or "" for n in el.findall("note")))
                if header_only:
                    yield header, None
                    return
            elif tag == "tu":
                if header is None:
                    raise FormatError(f"{path}: <tu> before <header>")
                variants = []
                codes = 0
                for tuv in el.findall("tuv"):
                    lang = tuv.get(XML_LANG) or tuv.get("lang") or ""
                    seg = tuv.find("seg")
                    text, n = _seg_text(seg) if seg is not None else ("", 0)
                    variants.append((lang, text))
                    codes += n
                yield header, TmxUnit(
                    variants=tuple(variants), tuid=el.get("tuid", ""),
                    props=tuple((p.get("type", ""), p.text or "") for p in el.findall("prop")),
                    notes=tuple(n.text or "" for n in el.findall("note")),
                    creationdate=el.get("creationdate", ""), changedate=el.get("changedate", ""),
                    attrs=tuple((a, el.get(a)) for a in TU_ATTRS if el.get(a)), inline_codes=codes)
                el.clear(keep_tail=False)
    except etree.XMLSyntaxError as e:
        raise FormatError(f"{path}: not well-formed XML ({e.msg}, line {e.lineno})") from e
    if header is None:
        raise FormatError(f"{path}: no <header> element; is this a TMX file?")
