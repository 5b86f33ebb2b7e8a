"""Write alignments and translation units: TMX, TSV, JSON lines, bead files."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

from align import __version__
from align.model import Alignment, TranslationUnit
from tmx import TmxHeader, TmxUnit, WriteReport, tmx_date, write_tmx

FORMATS = ("tmx", "tsv", "jsonl", "beads")
DEFAULT_LANG_CODES = ("zh-CN", "en-US")


def parse_lang_codes(spec: str | None) -> tuple[str, str]:
    if not spec:
        return DEFAULT_LANG_CODES
    parts = [p.strip() for p in spec.split(",")]
    if len(parts) != 2 or not all(parts):
        raise ValueError(f"--lang-codes takes two codes such as zh-CN,en-US, not {spec!r}")
    return parts[0], parts[1]


def tmx_units(units: Iterable[TranslationUnit], lang_codes: Sequence[str] = DEFAULT_LANG_CODES,
              when: str | None = None) -> Iterable[TmxUnit]:
    when = when or tmx_date()
    for u in units:
        if not (u.src_text and u.tgt_text):
            continue  # a sentence left unaligned (--keep-unaligned) is no translation unit
        props = [("x-document", u.doc), ("x-paragraph", str(u.paragraph)), ("x-bead-type", u.bead_kind),
                 ("x-alignment-score", f"{u.score:.4f}")]
        if u.embedder:
            props.append(("x-embedder", u.embedder))
        yield TmxUnit(variants=((lang_codes[0], u.src_text), (lang_codes[1], u.tgt_text)),
                      tuid=f"{u.doc}:p{u.paragraph}:b{u.bead}", props=tuple((k, v) for k, v in props if v),
                      creationdate=when, changedate=when)


def write_tmx_units(units: Iterable[TranslationUnit], dest, lang_codes: Sequence[str] = DEFAULT_LANG_CODES,
                    segtype: str = "sentence") -> WriteReport:
    header = TmxHeader(srclang=lang_codes[0], segtype=segtype, creationtoolversion=__version__,
                       adminlang="en-US")
    return write_tmx(dest, header, tmx_units(units, lang_codes))


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
                    lang_codes: Sequence[str] = DEFAULT_LANG_CODES) -> str:
    """Write in ``fmt`` to a path or an open text stream; return a one-line summary."""
    if fmt == "tmx":
        if isinstance(out, Path):
            rep = write_tmx_units(units, out, lang_codes)
        else:
            rep = write_tmx_units(units, out.buffer, lang_codes)  # type: ignore[union-attr]
        extra = f", removed {rep.removed_chars} characters XML cannot hold" if rep.removed_chars else ""
        return f"{rep.units} translation units{extra}"
    if isinstance(out, Path):
        with open(out, "w", encoding="utf-8", newline="\n") as f:
            return write_alignment(alignment, units, fmt, f, lang_codes)
    if fmt == "tsv":
        return f"{write_tsv(units, out)} pairs"
    if fmt == "jsonl":
        return f"{write_jsonl(units, out)} pairs"
    if fmt == "beads":
        return f"{write_beads(alignment, out)} beads"
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
