"""Moving pairs out of a store (TMX, MT training data) and into it (existing TMX files)."""

from __future__ import annotations

import hashlib
import json
import math
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import regex

from align.embed import get_embedder
from align.embed.base import encode_batched, signature
from align.errors import InputError
from align.model import TranslationUnit, join_segments
from tmx import TmxUnit, read_tmx

from .chinese import detect_script
from .files import binary_output, is_stdio
from .langtags import LangCodes, canonical_case, primary, tag_lang
from .review import IMPORTED, REVIEW_STATES
from .store import Store, WriterLock
from .writers import TMBUILD_PROPS, WRITERS, Output, write_tmx_units

SPLITS = ("train", "dev", "test")


# ------------------------------------------------------------------ reading a store

@dataclass(frozen=True, slots=True)
class StoredUnit:
    """A stored pair as a translation unit, with the key of its document."""
    unit: TranslationUnit
    doc_key: str  # what identifies the document (splits never cut through one)


def iter_units(store: Store, min_score: float = 0.0, segtype: str = "sentence",
               reviewed_only: bool = False) -> Iterator[StoredUnit]:
    """Pairs in document and bead order; ``segtype="paragraph"`` joins each paragraph's pairs into one;
    ``reviewed_only``: the pairs a reviewer confirmed or corrected, and imported human translations."""
    rows = store.export_rows(reviewed_only)
    if segtype == "sentence":
        for r in rows:
            if r["score"] < min_score:
                continue
            yield StoredUnit(TranslationUnit(
                r["src_text"], r["tgt_text"], r["src_lang"], r["tgt_lang"], r["score"], r["bead_kind"], _doc_name(r),
                r["paragraph"], r["bead_index"], r["embedder"], review=r["review"],
                extra=_dated(r["extra"], r["added"], r["reviewed"] or r["added"], r["added_by"],
                             r["reviewed_by"] or r["added_by"])), r["doc_key"])
        return
    if segtype != "paragraph":
        raise InputError(f"--segtype is sentence or paragraph, not {segtype!r}")
    group: list = []

    def flush():
        if not group:
            return None
        first = group[0]
        score = min(g["score"] for g in group)
        if score < min_score:
            return None
        kinds = "+".join(g["bead_kind"] for g in group) if len(group) > 1 else first["bead_kind"]
        reviews = {g["review"] for g in group}  # a paragraph is as reviewed as its least reviewed pair
        review = next(r for r in ("automatic", "corrected", "confirmed", "imported") if r in reviews or
                      r == "imported")
        stored = [(g["added"], g["added_by"]) for g in group if g["added"]]
        changed = [(g["reviewed"] or g["added"], g["reviewed_by"] or g["added_by"]) for g in group
                   if g["reviewed"] or g["added"]]
        made = min(stored, default=(None, None), key=lambda c: c[0])
        last = max(changed, default=(None, None), key=lambda c: c[0])
        return StoredUnit(TranslationUnit(join_segments([g["src_text"] for g in group], first["src_lang"]),
                                          join_segments([g["tgt_text"] for g in group], first["tgt_lang"]),
                                          first["src_lang"], first["tgt_lang"], score, kinds, _doc_name(first),
                                          first["paragraph"], first["bead_index"], first["embedder"],
                                          extra=_dated("", made[0], last[0], made[1], last[1]), review=review),
                          first["doc_key"])

    for r in rows:
        if group and (r["doc_key"] != group[0]["doc_key"] or r["paragraph"] != group[0]["paragraph"]
                      or _doc_name(r) != _doc_name(group[0])):
            out = flush()
            if out:
                yield out
            group = []
        group.append(r)
    out = flush()
    if out:
        yield out


def _dated(extra: str | None, added: str | None, changed: str | None, added_by: str | None = None,
           changed_by: str | None = None) -> str:
    """A pair's ``extra`` with the dates and people TMX gives it: when it was stored and by whom
    (``creationdate``, ``creationid``), when it last changed and by whom (its review: ``changedate``,
    ``changeid``), unless it carries its own (an imported unit keeps its file's). Two exports of an unchanged
    store write the same units."""
    data = json.loads(extra) if extra else {}
    for key, when in (("creationdate", added), ("changedate", changed)):
        if when and not data.get(key):
            data[key] = tmx_date_of(when)
    attrs = [list(a) for a in data.get("attrs", ())]
    for key, who in (("creationid", added_by), ("changeid", changed_by)):
        if who and not any(a[0] == key for a in attrs):
            attrs.append([key, who])
    if attrs:
        data["attrs"] = attrs
    return json.dumps(data, ensure_ascii=False) if data else ""


def tmx_date_of(iso: str) -> str:
    """The store's ISO time (2026-12-03T08:03:00Z) as TMX writes dates (20261203T080300Z)."""
    return iso.replace("-", "").replace(":", "")


def _doc_name(r) -> str:
    if r["extra"]:
        doc = json.loads(r["extra"]).get("doc")
        if doc:
            return doc
    return r["symbol"] or Path(r["src_path"] or r["doc_key"]).name


# ------------------------------------------------------------------ TMX

def export_tmx(store: Store, path: Path, min_score: float = 0.0, segtype: str = "sentence",
               codes: LangCodes = LangCodes(), reviewed_only: bool = False) -> str:
    """Write the store as TMX; each side tagged with its own language and script (zh-CN, zh-TW...)."""
    units = (s.unit for s in iter_units(store, min_score, segtype, reviewed_only))
    with binary_output(path) as dest:
        rep = write_tmx_units(units, dest, _header_src_lang(store), codes, segtype=segtype)
    path = "standard output" if is_stdio(path) else path
    extra = f"; removed {rep.removed_chars} characters XML cannot hold" if rep.removed_chars else ""
    return f"{path}: {rep.units} translation units ({segtype}){extra}"


def _header_src_lang(store: Store) -> str:
    """The source language for a TMX header: the one all pairs share, else the store's (Simplified)."""
    langs = [r[0] for r in store.con.execute("SELECT DISTINCT src_lang FROM pairs LIMIT 2")]
    return langs[0] if len(langs) == 1 else store.src_lang


# ------------------------------------------------------------------ MT data

@dataclass(frozen=True, slots=True)
class Filters:
    """What MT training data keeps: confidence, length ratio, non-empty sides, no near-duplicates, script."""
    min_score: float = 0.5  # a pair more likely right than wrong (confidence is calibrated; README)
    min_ratio: float = 0.8  # English characters per Chinese character (no spaces)
    max_ratio: float = 8.0
    min_chars: int = 1  # per side, after trimming
    dedupe: bool = True
    to_simplified: bool = False  # convert Traditional Chinese sides to Simplified (OpenCC t2s)
    reviewed_only: bool = False  # only the pairs a reviewer confirmed or corrected


@dataclass
class MtReport:
    """What an MT export read, removed (and why), converted and wrote where."""
    read: int = 0
    removed: dict[str, int] = field(default_factory=dict)
    written: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    converted: int = 0  # Traditional Chinese sides converted to Simplified

    def lines(self) -> list[str]:
        out = [f"read {self.read} pairs"]
        if self.converted:
            out.append(f"  converted {self.converted} Traditional Chinese segments to Simplified (--to-simplified)")
        out += [f"  removed {n:>7} {why}" for why, n in self.removed.items() if n]
        out += [f"  wrote   {n:>7} to {split}" for split, n in self.written.items()]
        return out + [f"  {f}" for f in self.files]


_HAN = regex.compile(r"\p{Han}")
_LATIN = regex.compile(r"\p{Latin}")


def _dedupe_key(u: TranslationUnit) -> str:
    def norm(s: str) -> str:
        s = unicodedata.normalize("NFKC", s).casefold()
        return regex.sub(r"[\p{P}\p{S}\s\d]+", "", s)

    return norm(u.src_text) + "\t" + norm(u.tgt_text)


def _reason(u: TranslationUnit, f: Filters) -> str | None:
    """Why ``u`` is left out of training data under ``f``, or None when it is kept."""
    src, tgt = u.src_text.strip(), u.tgt_text.strip()
    if len(src) < f.min_chars or len(tgt) < f.min_chars:
        return "empty side"
    if src == tgt:
        return "identical sides"
    if u.score < f.min_score:
        return f"alignment score below {f.min_score}"
    if u.src_lang.startswith("zh") and not _HAN.search(src):
        return "wrong script (no Chinese on the Chinese side)"
    if u.tgt_lang.startswith("en") and (not _LATIN.search(tgt) or len(_HAN.findall(tgt)) > len(tgt) / 4):
        return "wrong script (English side not in Latin script)"
    if u.src_lang.startswith("zh"):
        ratio = len(regex.sub(r"\s", "", tgt)) / max(len(regex.sub(r"\s", "", src)), 1)
        if not f.min_ratio <= ratio <= f.max_ratio:
            return f"length ratio outside {f.min_ratio}-{f.max_ratio}"
    return None


def _simplified(u: TranslationUnit) -> TranslationUnit:
    """The unit with its Traditional Chinese side converted to Simplified and tagged so."""
    from dataclasses import replace

    from .chinese import to_simplified

    if u.src_lang == "zh-Hant":
        u = replace(u, src_text=to_simplified(u.src_text), src_lang="zh")
    if u.tgt_lang == "zh-Hant":
        u = replace(u, tgt_text=to_simplified(u.tgt_text), tgt_lang="zh")
    return u


def split_of(doc_key: str, fractions: Sequence[float]) -> str:
    """Deterministic split of a whole document: a hash of its key, so no document spans two splits."""
    x = int.from_bytes(hashlib.sha256(doc_key.encode()).digest()[:8], "big") / 2**64
    acc = 0.0
    for name, frac in zip(SPLITS, fractions):
        acc += frac
        if x < acc:
            return name
    return SPLITS[len(fractions) - 1]


def export_mt(store: Store, *, moses: Path | None = None, tsv: Path | None = None, jsonl: Path | None = None,
              parquet: Path | None = None, filters: Filters = Filters(),
              split: Sequence[float] | None = None) -> MtReport:
    """Write filtered, deduplicated pairs for MT training. Everything the export needs is checked before
    anything is written; each file is written whole under a temporary name, then renamed. ``-`` for ``tsv``
    or ``jsonl`` is standard output (one split only)."""
    if not any((moses, tsv, jsonl, parquet)):
        raise InputError("say where to write: --moses PREFIX, --tsv FILE, --jsonl FILE or --parquet FILE")
    if split is not None and (len(split) != 3 or not all(math.isfinite(x) and x >= 0 for x in split)
                              or abs(sum(split) - 1) > 1e-6):
        raise InputError("--split takes three fractions that add up to 1, e.g. 0.98,0.01,0.01")
    if not 0 <= filters.min_ratio <= filters.max_ratio:
        raise InputError(f"--min-ratio {filters.min_ratio} is above --max-ratio {filters.max_ratio}")
    if is_stdio(moses) or is_stdio(parquet):
        raise InputError("--moses and --parquet write files; - (standard output) works with --tsv and --jsonl")
    stdout = [t for t in (tsv, jsonl) if is_stdio(t)]
    if stdout and (split or len(stdout) > 1):
        raise InputError("- (standard output) takes one export of one split; give file names with --split")
    if parquet:
        try:
            import pyarrow  # noqa: F401
        except ImportError as e:
            raise InputError("--parquet needs pyarrow; run: pip install 'tmbuild[parquet]' (nothing written)") from e
    rep = MtReport()
    seen: set[str] = set()
    kept: dict[str, list[StoredUnit]] = {}
    for s in iter_units(store, reviewed_only=filters.reviewed_only):
        rep.read += 1
        if filters.to_simplified and "zh-Hant" in (s.unit.src_lang, s.unit.tgt_lang):
            s = StoredUnit(_simplified(s.unit), s.doc_key)
            rep.converted += 1
        why = _reason(s.unit, filters)
        if why is None and filters.dedupe:
            key = _dedupe_key(s.unit)
            if key in seen:
                why = "near-duplicate (same text after normalising case, punctuation, digits)"
            seen.add(key)
        if why:
            rep.removed[why] = rep.removed.get(why, 0) + 1
            continue
        name = split_of(s.doc_key, split) if split else "all"
        kept.setdefault(name, []).append(s)
    output = Output(store.src_lang, store.tgt_lang)
    for name in (SPLITS if split else ("all",)):
        units = [s.unit for s in kept.get(name, [])]
        rep.written[name] = len(units)
        tag = "" if name == "all" else f".{name}"
        for fmt, where in (("moses", moses), ("tsv", tsv), ("jsonl", jsonl), ("parquet", parquet)):
            if where:
                writer = WRITERS[fmt]
                target = Path(f"{where}{tag}") if fmt == "moses" else _tagged(where, tag)
                writer.write_to(units, target, output)
                rep.files += [str(f) for f in writer.files(target, output)]
    return rep


def _tagged(p: Path, tag: str) -> Path:
    return p if not tag or is_stdio(p) else p.with_name(p.stem + tag + p.suffix)


# ------------------------------------------------------------------ TMX import

@dataclass
class ImportReport:
    """What an import of a TMX or CAT file found, added and left out (and why)."""
    units: int = 0
    added: int = 0
    skipped_missing_side: int = 0
    status: str = ""
    from_tmbuild: bool = False  # written by tmbuild: scores, documents and bead types read back
    inline_codes: int = 0  # units whose native codes (<bpt>, <ph>...) were left out of the stored text
    other_langs: dict[str, int] = field(default_factory=dict)  # variants in languages the store does not hold
    untranslated: int = 0  # units of a bilingual file without a translation (left out)
    fuzzy: int = 0  # units marked fuzzy or unfinished (left out)

    def lines(self, path: Path, store: Path) -> list[str]:
        if self.status == "same":
            return [f"{path}: already in {store}, unchanged; nothing added"]
        what = "replaced its earlier units with" if self.status == "changed" else "added"
        out = [f"{path}: {what} {self.added} of {self.units} units"
               + (" (scores, documents and bead types as tmbuild wrote them)" if self.from_tmbuild else "")]
        if self.skipped_missing_side:
            out.append(f"  skipped {self.skipped_missing_side} units without text in both languages of the store")
        if self.untranslated or self.fuzzy:
            out.append(f"  left out {self.untranslated} untranslated and {self.fuzzy} fuzzy (unfinished) units")
        if self.inline_codes:
            out.append(f"  {self.inline_codes} units had inline codes (<bpt>/<ph>/<g>/<x>...): their text is "
                       "stored, the codes are not")
        if self.other_langs:
            langs = ", ".join(f"{lang} ({n})" for lang, n in sorted(self.other_langs.items()))
            out.append(f"  left out variants in other languages: {langs}")
        return out


def _imported_unit(u: TmxUnit, i: int, s: tuple[str, str], t: tuple[str, str], name: str, emb: str,
                   from_tmbuild: bool) -> TranslationUnit:
    score, kind, doc, para, review = 1.0, "tmx", name, i, IMPORTED  # a human translation, not an alignment
    if from_tmbuild:  # what tmbuild wrote itself comes back as it was
        try:
            score = min(max(float(u.prop("x-alignment-score") or 1.0), 0.0), 1.0)
        except ValueError:
            pass
        kind = u.prop("x-bead-type") or kind
        doc = u.prop("x-document") or doc
        para = int(u.prop("x-paragraph")) if (u.prop("x-paragraph") or "").isdigit() else para
        review = u.prop("x-review") if u.prop("x-review") in (*REVIEW_STATES, IMPORTED) else IMPORTED
    extra = {"doc": doc if doc != name else "", "tuid": u.tuid, "creationdate": u.creationdate,
             "langs": [canonical_case(s[0]), canonical_case(t[0])],  # the file's own tags (en-GB stays en-GB)
             "changedate": u.changedate, "attrs": [list(a) for a in u.attrs],
             "props": [[k, v] for k, v in u.props if k not in TMBUILD_PROPS], "notes": list(u.notes)}
    extra = {k: v for k, v in extra.items() if v}
    s_lang, t_lang = (tag_lang(code, lambda text=text: detect_script(text)) for code, text in (s, t))
    return TranslationUnit(s[1].strip(), t[1].strip(), s_lang, t_lang, score, kind, doc, para, i,
                           emb, extra=json.dumps(extra, ensure_ascii=False) if extra else "", review=review)


def _importable(tmx_path: Path, header, tmx_units, langs: tuple[str, str]):
    """The report so far and the units with text in both of the store's languages ``langs``; an error when
    there are none."""
    rep = ImportReport(units=len(tmx_units), from_tmbuild=header.creationtool == "tmbuild")
    found: list[tuple[TmxUnit, tuple[str, str], tuple[str, str]]] = []
    seen_langs: dict[str, int] = {}
    store_langs = {primary(x) for x in langs}
    for u in tmx_units:
        s, t = u.variant(langs[0]), u.variant(langs[1])
        for code, _ in u.variants:
            seen_langs[code] = seen_langs.get(code, 0) + 1
            if primary(code) not in store_langs:
                rep.other_langs[code] = rep.other_langs.get(code, 0) + 1
        if s is None or t is None or not s[1].strip() or not t[1].strip():
            rep.skipped_missing_side += 1
            continue
        rep.inline_codes += u.inline_codes > 0
        found.append((u, s, t))
    if not found:
        have = ", ".join(sorted(seen_langs)) or "no language variants"
        raise InputError(f"{tmx_path}: none of its {len(tmx_units)} units has text in both {langs[0]} and "
                         f"{langs[1]}, the languages of the store (the file has: {have}); nothing imported")
    return rep, found


def import_tmx(store_dir: Path, tmx_path: Path, embedder: str | None = None, progress: bool = False) -> ImportReport:
    """Add the units of a TMX file, or of a bilingual CAT file (XLIFF 1.2/2.0, PO, TS: :mod:`corpus.bilingual`),
    to a store (created when missing); the file is their provenance, its units human translations (state
    ``imported``).

    Nothing is written when no unit has text in both of the store's languages.
    """
    from .bilingual import kind_of, read_bilingual
    from .build import content_hash, open_or_create

    tmx_path = Path(tmx_path)
    store_dir = Path(store_dir)
    kind = kind_of(tmx_path) or "tmx"
    if kind == "tmx":
        header, tmx_units = read_tmx(tmx_path)
        skipped = None
    else:
        header, tmx_units, skipped = read_bilingual(tmx_path)
    # the writer lock first: a stray file is cleaned up, and "missing, create it" decided, by its holder alone
    lock = WriterLock(store_dir)
    try:
        Store.discard_empty(store_dir)
        exists = Store.exists(store_dir)
        langs = ("zh", "en")
        if exists:
            with Store.open(store_dir, readonly=True) as probe:
                langs = (probe.src_lang, probe.tgt_lang)
        rep, found = _importable(tmx_path, header, tmx_units, langs)
        if skipped is not None:
            rep.untranslated, rep.fuzzy = skipped.untranslated, skipped.fuzzy
            rep.units += skipped.untranslated + skipped.fuzzy
        if exists:
            store = Store.open(store_dir, lock=lock)
            if embedder:
                store.check_embedder(signature(get_embedder(embedder)))
            emb = store.embedder()
        else:
            emb = get_embedder(embedder or "use-m3")
            store = open_or_create(store_dir, emb, lock=lock)
    except BaseException:
        lock.abandon()
        raise
    try:
        key = f"{kind}:{tmx_path.resolve()}"
        h = content_hash(tmx_path)
        rep.status = store.document_status(key, h)
        if rep.status == "same":
            return rep
        units = [_imported_unit(u, i, s, t, tmx_path.name, signature(emb), rep.from_tmbuild)
                 for i, (u, s, t) in enumerate(found)]
        src_vecs = encode_batched(emb, [u.src_text for u in units], progress=progress)
        tgt_vecs = encode_batched(emb, [u.tgt_text for u in units], progress=progress)
        rep.added = store.add_document(key, h, units, src_vecs, tgt_vecs, src_path=str(tmx_path),
                                       title=header.creationtool, origin=kind)
    finally:
        store.close()
    return rep


IMPORTABLE = (".tmx", ".xlf", ".xliff", ".sdlxliff", ".mqxliff", ".po", ".ts")


def importable_files(paths: Sequence[Path]) -> list[Path]:
    """The files to import under ``paths``: files as given, and in folders (recursively, hidden ones
    skipped) every TMX and bilingual file, in name order."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in IMPORTABLE
                          and not any(part.startswith(".") for part in f.relative_to(p).parts))
        else:
            out.append(p)
    return out
