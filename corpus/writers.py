"""The output formats: one writer class per format (:data:`WRITERS`: TMX, TSV, JSON lines, beads, Moses,
Parquet), used by ``tmbuild align -o`` (:func:`write_alignment`) and ``tmbuild export`` alike."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from align import __version__
from align.model import Alignment, Bead, TranslationUnit
from tmx import TmxHeader, TmxUnit, WriteReport, tmx_date, write_tmx

from .files import binary_output, text_output
from .langtags import LangCodes

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
    """Write units as TMX to ``dest``; ``src_lang`` (internal form, e.g. "zh") gives the header's
    ``srclang``."""
    return TmxWriter().report(units, dest, Output(src_lang, "", codes, segtype))


def unit_record(u: TranslationUnit) -> dict:
    """A unit as the JSON-lines and Parquet writers write it."""
    rec = {"src": u.src_text, "tgt": u.tgt_text, "src_lang": u.src_lang, "tgt_lang": u.tgt_lang,
           "score": round(u.score, 4), "bead": u.bead_kind, "doc": u.doc, "paragraph": u.paragraph}
    if u.src_ids or u.tgt_ids:  # units of an alignment: which input sentences (0-based) they hold
        rec["src_ids"] = list(u.src_ids)
        rec["tgt_ids"] = list(u.tgt_ids)
    return rec


def one_line(s: str) -> str:
    """Text safe for one line of a TSV or Moses file."""
    return s.replace("\t", " ").replace("\r", " ").replace("\n", " ")


# ------------------------------------------------------------------ one writer class per format


@dataclass(frozen=True, slots=True)
class Output:
    """What a writer needs besides the units: the languages (internal form), how TMX tags them, the TMX
    segment type, and the alignment's beads (for the beads format)."""
    src_lang: str
    tgt_lang: str
    codes: LangCodes = LangCodes()
    segtype: str = "sentence"
    beads: tuple[Bead, ...] = ()


class Writer:
    """One output format. :meth:`write` puts units on an open stream (text, or binary for ``binary``
    formats) and returns how many records it wrote; :meth:`write_to` writes a file whole or not at all
    (``-`` is standard output) and returns a one-line summary."""
    name: ClassVar[str]
    suffixes: ClassVar[tuple[str, ...]] = ()
    binary: ClassVar[bool] = False
    records: ClassVar[str] = "pairs"  # what the count of the summary counts

    def write(self, units: Sequence[TranslationUnit], out, output: Output) -> int:
        raise NotImplementedError

    def write_to(self, units: Sequence[TranslationUnit], path: Path, output: Output) -> str:
        if self.binary:
            with binary_output(path) as dest:
                n = self.write(units, dest, output)
        else:
            with text_output(path) as f:
                n = self.write(units, f, output)
        return f"{n} {self.records}"

    def files(self, path: Path, output: Output) -> list[Path]:
        """The files :meth:`write_to` writes for ``path``."""
        return [path]


class TmxWriter(Writer):
    """TMX 1.4b (:mod:`tmx`), each side tagged with its own language."""
    name, suffixes, binary, records = "tmx", ("tmx",), True, "translation units"

    def write(self, units, out, output):
        return self.report(units, out, output).units

    def report(self, units, out, output) -> WriteReport:
        """Write, and say what was written (units, characters XML cannot hold and that were removed)."""
        header = TmxHeader(srclang=output.codes.tag(output.src_lang), segtype=output.segtype,
                           creationtoolversion=__version__, adminlang="en-US")
        return write_tmx(out, header, tmx_units(units, output.codes))

    def write_to(self, units, path, output):
        with binary_output(path) as dest:
            rep = self.report(units, dest, output)
        removed = f", removed {rep.removed_chars} characters XML cannot hold" if rep.removed_chars else ""
        return f"{rep.units} {self.records}{removed}"


class TsvWriter(Writer):
    """Tab-separated: source, target, confidence, document; one pair a line."""
    name, suffixes = "tsv", ("tsv",)

    def write(self, units, out, output):
        n = 0
        for u in units:
            out.write(f"{one_line(u.src_text)}\t{one_line(u.tgt_text)}\t{u.score:.4f}\t{u.doc}\n")
            n += 1
        return n


class JsonlWriter(Writer):
    """One JSON object a pair (:func:`unit_record`)."""
    name, suffixes = "jsonl", ("jsonl", "json")

    def write(self, units, out, output):
        n = 0
        for u in units:
            out.write(json.dumps(unit_record(u), ensure_ascii=False) + "\n")
            n += 1
        return n


class BeadsWriter(Writer):
    """The alignment's beads, one a line (``[0, 1]:[2]``), as ``tmbuild eval`` and the gold sets write them."""
    name, suffixes, records = "beads", ("beads", "align", "txt"), "beads"

    def write(self, units, out, output):
        for b in output.beads:
            out.write(f"{b}\n")
        return len(output.beads)


class MosesWriter(Writer):
    """Two files, PREFIX.SRC and PREFIX.TGT, line i of one the translation of line i of the other."""
    name = "moses"

    def files(self, path, output):
        return [Path(f"{path}.{output.src_lang}"), Path(f"{path}.{output.tgt_lang}")]

    def write_to(self, units, path, output):
        for side, target in zip(("src", "tgt"), self.files(path, output)):
            with text_output(target) as f:
                f.writelines(one_line(getattr(u, f"{side}_text")) + "\n" for u in units)
        return f"{len(units)} pairs"


class ParquetWriter(Writer):
    """A Parquet table of :func:`unit_record`'s columns (needs pyarrow)."""
    name, suffixes, binary = "parquet", ("parquet",), True

    def write(self, units, out, output):
        import pyarrow as pa
        import pyarrow.parquet as pq

        recs = [unit_record(u) for u in units]
        cols = ["src", "tgt", "src_lang", "tgt_lang", "score", "bead", "doc", "paragraph"]
        table = pa.table({c: [r[c] for r in recs] for c in cols}) if recs else pa.table(
            {c: pa.array([], type=pa.float64() if c == "score" else pa.int64() if c == "paragraph"
                         else pa.string()) for c in cols})
        pq.write_table(table, out if not isinstance(out, Path) else str(out))
        return len(recs)


WRITERS: dict[str, Writer] = {w.name: w for w in (TmxWriter(), TsvWriter(), JsonlWriter(), BeadsWriter(),
                                                  MosesWriter(), ParquetWriter())}
# what ``tmbuild align -o`` writes (Moses and Parquet are training data: ``tmbuild export``)
FORMATS = ("tmx", "tsv", "jsonl", "beads")


def format_from_suffix(path: Path) -> str:
    """The output format a file name asks for (TMX when the suffix says nothing)."""
    suffix = path.suffix.lower().lstrip(".")
    return next((name for name in FORMATS if suffix in WRITERS[name].suffixes), "tmx")


def write_alignment(alignment: Alignment, units: list[TranslationUnit], fmt: str, out: Path,
                    codes: LangCodes = LangCodes()) -> str:
    """Write an alignment's units in ``fmt`` to ``out`` (whole or not at all; ``-`` is standard output);
    return a one-line summary."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    output = Output(alignment.src_lang, alignment.tgt_lang, codes, beads=tuple(alignment.beads))
    return WRITERS[fmt].write_to(units, Path(out), output)
