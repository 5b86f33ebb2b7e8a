"""Write alignments and translation units: TMX, TSV, JSON lines, bead files."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from align import __version__
from align.model import Alignment, TranslationUnit
from tmx import TmxHeader, TmxUnit, WriteReport, tmx_date, write_tmx

from .files import STDIO, binary_output, text_output
from .langtags import LangCodes

FORMATS = ("tmx", "tsv", "jsonl", "beads")


def format_from_suffix(path: Path) -> str:
    """The output format a file name asks for (TMX when the suffix says nothing)."""
    suffix = path.suffix.lower().lstrip(".")
    return {"tmx": "tmx", "tsv": "tsv", "jsonl": "jsonl", "json": "jsonl", "beads": "beads",
            "align": "beads", "txt": "beads"}.get(suffix, "tmx")


# the props tmbuild writes on every unit and reads back on import
TMBUILD_PROPS = ("x-document", "x-paragraph", "x-bead-type", "x-alignment-score", "x-embedder", "x-review")


def tmx_units(units: Iterable[TranslationUnit], codes: LangCodes = LangCodes(),
              when: str | None = None) -> Iterable[TmxUnit]:
    """TMX units of translation units; each side tagged with its own language (:class:`LangCodes`).

    A unit imported from a TMX file gets back what it carried there (its ``extra``): tuid, dates,
    attributes such as ``creationid``, props and notes.
    """
    when = when or tmx_date()
    for u in units:
        if not (u.src_text and u.tgt_text):
            continue  # a sentence left unaligned (--keep-unaligned) is no translation unit
        extra = json.loads(u.extra) if u.extra else {}
        if u.review == "imported":  # a human translation: no alignment of ours to describe
            props = [("x-document", u.doc), ("x-review", u.review)]
        else:
            props = [("x-document", u.doc), ("x-paragraph", str(u.paragraph)), ("x-bead-type", u.bead_kind),
                     ("x-alignment-score", f"{u.score:.4f}"), ("x-embedder", u.embedder), ("x-review", u.review)]
        props += [(t, v) for t, v in extra.get("props", ()) if t not in TMBUILD_PROPS]
        tags = (codes.tag(u.src_lang), codes.tag(u.tgt_lang))
        own = extra.get("langs")
        if own and not codes.codes and len(own) == 2:  # an imported unit keeps its file's tags (en-GB)
            tags = tuple(own)
        yield TmxUnit(variants=((tags[0], u.src_text), (tags[1], u.tgt_text)),
                      tuid=extra.get("tuid") or f"{u.doc}:p{u.paragraph}:b{u.bead}",
                      props=tuple((k, v) for k, v in props if v), notes=tuple(extra.get("notes", ())),
                      creationdate=extra.get("creationdate") or when, changedate=extra.get("changedate") or when,
                      attrs=tuple(tuple(a) for a in extra.get("attrs", ())))


def write_tmx_units(units: Iterable[TranslationUnit], dest, src_lang: str, codes: LangCodes = LangCodes(),
                    segtype: str = "sentence") -> WriteReport:
    """Write units as TMX; ``src_lang`` (internal form, e.g. "zh") gives the header's ``srclang``."""
    header = TmxHeader(srclang=codes.tag(src_lang), segtype=segtype, creationtoolversion=__version__,
                       adminlang="en-US")
    return write_tmx(dest, header, tmx_units(units, codes))


def write_tsv(units: Iterable[TranslationUnit], out: TextIO) -> int:
    n = 0
    for u in units:
        out.write(f"{one_line(u.src_text)}\t{one_line(u.tgt_text)}\t{u.score:.4f}\n")
        n += 1
    return n


def write_jsonl(units: Iterable[TranslationUnit], out: TextIO) -> int:
    n = 0
    for u in units:
        out.write(json.dumps(unit_record(u), ensure_ascii=False) + "\n")
        n += 1
    return n


def write_beads(alignment: Alignment, out: TextIO) -> int:
    for b in alignment.beads:
        out.write(f"{b}\n")
    return len(alignment.beads)


def unit_record(u: TranslationUnit) -> dict:
    """A unit as the JSON-lines and Parquet exports write it."""
    rec = {"src": u.src_text, "tgt": u.tgt_text, "src_lang": u.src_lang, "tgt_lang": u.tgt_lang,
           "score": round(u.score, 4), "bead": u.bead_kind, "doc": u.doc, "paragraph": u.paragraph}
    if u.src_ids or u.tgt_ids:  # units of an alignment: which input sentences (0-based) they hold
        rec["src_ids"] = list(u.src_ids)
        rec["tgt_ids"] = list(u.tgt_ids)
    return rec


def one_line(s: str) -> str:
    """Text safe for one line of a TSV or Moses file."""
    return s.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def write_alignment(alignment: Alignment, units: list[TranslationUnit], fmt: str, out: Path | TextIO,
                    codes: LangCodes = LangCodes()) -> str:
    """Write in ``fmt`` to a path (whole or not at all; ``-`` is standard output) or an open text stream;
    return a one-line summary."""
    if isinstance(out, Path):
        if fmt == "tmx":
            with binary_output(out) as dest:
                rep = write_tmx_units(units, dest, alignment.src_lang, codes)
            extra = f", removed {rep.removed_chars} characters XML cannot hold" if rep.removed_chars else ""
            return f"{rep.units} translation units{extra}"
        with text_output(out) as f:
            return write_alignment(alignment, units, fmt, f, codes)
    if fmt == "tmx":
        out.flush()
        return write_alignment(alignment, units, fmt, Path(STDIO), codes)
    if fmt == "tsv":
        return f"{write_tsv(units, out)} pairs"
    if fmt == "jsonl":
        return f"{write_jsonl(units, out)} pairs"
    if fmt == "beads":
        return f"{write_beads(alignment, out)} beads"
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
