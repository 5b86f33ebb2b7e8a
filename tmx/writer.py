"""Write TMX 1.4b, streamed, with lxml.

translate-toolkit's ``tmxfile`` writes fixed header values (``o-tmf="UTF-8"``,
``adminlang="en"``) and has no API for per-unit ``tuid``, dates or arbitrary
``<prop>``s, all of which CAT tools and provenance need; so the file is
written here element by element, and the tests read it back with
translate-toolkit and validate it against the TMX 1.4b DTD.

Characters that XML 1.0 forbids (most C0 controls, U+FFFE, U+FFFF, lone
surrogates) are removed and counted; everything else, CJK Extension B
included, is written as it is, UTF-8 without a BOM.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import regex
from lxml import etree

from .model import SEGTYPES, TU_ATTRS, TmxHeader, TmxUnit

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_FORBIDDEN = regex.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean_xml_text(text: str) -> tuple[str, int]:
    """Remove characters XML 1.0 cannot carry; return the text and how many went."""
    cleaned, n = _FORBIDDEN.subn("", text)
    return cleaned, n


@dataclass(frozen=True, slots=True)
class WriteReport:
    """What writing a TMX file did: units written, characters XML cannot hold removed, units skipped."""
    units: int
    removed_chars: int  # forbidden characters removed from text
    skipped: int  # units with fewer than two non-empty variants


def write_tmx(dest: str | Path | BinaryIO, header: TmxHeader, units: Iterable[TmxUnit]) -> WriteReport:
    """Write ``units`` under ``header`` to a path or a binary file object."""
    if header.segtype not in SEGTYPES:
        raise ValueError(f"segtype must be one of {', '.join(SEGTYPES)}, not {header.segtype!r}")
    if not header.srclang or header.srclang == "*all*":
        raise ValueError("srclang must be a real language code (not *all*)")
    name = str(dest) if isinstance(dest, (str, Path)) else None
    try:
        if name is None:
            return _write(dest, header, units)
        with open(name, "wb") as f:  # Python's file reports a failed final flush; lxml's own does not
            return _write(f, header, units)
    except etree.SerialisationError as e:  # lxml reports a failed write (a full disk) this way
        code = errno.ENOSPC if "ENOSPC" in str(e) else errno.EIO
        raise OSError(code, os.strerror(code), name) from e
    except OSError as e:
        if e.filename is None and name:
            raise OSError(e.errno, e.strerror, name) from e
        raise


def _write(target, header: TmxHeader, units: Iterable[TmxUnit]) -> WriteReport:
    removed = written = skipped = 0

    def clean(s: str) -> str:
        nonlocal removed
        c, k = clean_xml_text(s)
        removed += k
        return c

    with etree.xmlfile(target, encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element("tmx", version="1.4"):
            xf.write("\n  ")
            h = etree.Element("header", {
                "creationtool": header.creationtool,
                "creationtoolversion": header.creationtoolversion or "0",
                "segtype": header.segtype,
                "o-tmf": header.o_tmf,
                "adminlang": header.adminlang,
                "srclang": header.srclang,
                "datatype": header.datatype,
                "creationdate": header.creationdate,
            })
            for note in header.notes:
                etree.SubElement(h, "note").text = clean(note)
            for t, v in header.props:
                etree.SubElement(h, "prop", type=t).text = clean(v)
            _indent(h, 2)
            xf.write(h)
            xf.write("\n  ")
            with xf.element("body"):
                for u in units:
                    variants = [(lang, clean(text)) for lang, text in u.variants]
                    if sum(1 for _, t in variants if t.strip()) < 2:
                        skipped += 1
                        continue
                    attrs = {"tuid": clean(u.tuid)} if u.tuid else {}
                    attrs.update((a, clean(v)) for a, v in u.attrs if a in TU_ATTRS and v and a != "tuid")
                    if u.creationdate:
                        attrs["creationdate"] = u.creationdate
                    if u.changedate:
                        attrs["changedate"] = u.changedate
                    tu = etree.Element("tu", attrs)
                    for note in u.notes:  # the DTD order: notes, props, then variants
                        etree.SubElement(tu, "note").text = clean(note)
                    for t, v in u.props:
                        etree.SubElement(tu, "prop", type=t).text = clean(v)
                    for lang, text in variants:
                        tuv = etree.SubElement(tu, "tuv", {XML_LANG: lang})
                        etree.SubElement(tuv, "seg").text = text
                    _indent(tu, 4)
                    xf.write("\n    ")
                    xf.write(tu)
                    written += 1
                xf.write("\n  ")
            xf.write("\n")
    return WriteReport(written, removed, skipped)


def _indent(el: etree._Element, level: int) -> None:
    """Indent children only; ``<seg>`` text is never touched."""
    pad = "\n" + " " * (level + 2)
    if len(el):
        el.text = pad
        for i, child in enumerate(el):
            if child.tag == "tuv":
                child.text = pad + "  "
                child[-1].tail = pad
            child.tail = pad if i < len(el) - 1 else "\n" + " " * level
