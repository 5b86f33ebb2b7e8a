"""Moving pairs out of a store (TMX, MT training data) and into it (existing TMX files)."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import regex

from align.embed import get_embedder
from align.embed.base import encode_batched, signature
from align.errors import InputError
from align.model import TranslationUnit, join_segments
from tmx import read_tmx

from .exports import DEFAULT_LANG_CODES, one_line, unit_record, write_tmx_units
from .store import Store

SPLITS = ("train", "dev", "test")


# ------------------------------------------------------------------ reading a store

@dataclass(frozen=True, slots=True)
class StoredUnit:
    unit: TranslationUnit
    doc_key: str  # what identifies the document (splits never cut through one)


def iter_units(store: Store, min_score: float = 0.0, segtype: str = "sentence") -> Iterator[StoredUnit]:
    """Pairs in document and bead order; ``segtype="paragraph"`` joins each paragraph's pairs into one."""
    rows = store.con.execute(
        "SELECT p.src_text, p.tgt_text, p.src_lang, p.tgt_lang, p.score, p.bead_kind, p.paragraph, p.bead_index, "
        "p.embedder, d.symbol, d.src_path, d.key FROM pairs p JOIN documents d ON p.doc_id = d.id "
        "ORDER BY d.id, p.id")
    if segtype == "sentence":
        for r in rows:
            if r[4] < min_score:
                continue
            yield StoredUnit(TranslationUnit(r[0], r[1], r[2], r[3], r[4], r[5], _doc_name(r), r[6], r[7], r[8]),
                             r[11])
        return
    if segtype != "paragraph":
        raise InputError(f"--segtype is sentence or paragraph, not {segtype!r}")
    group: list = []

    def flush():
        if not group:
            return None
        first = group[0]
        score = min(g[4] for g in group)
        if score < min_score:
            return None
        kinds = "+".join(g[5] for g in group) if len(group) > 1 else first[5]
        return StoredUnit(TranslationUnit(join_segments([g[0] for g in group], first[2]),
                                          join_segments([g[1] for g in group], first[3]), first[2], first[3],
                                          score, kinds, _doc_name(first), first[6], first[7], first[8]), first[11])

    for r in rows:
        if group and (r[11] != group[0][11] or r[6] != group[0][6]):
            out = flush()
            if out:
                yield out
            group = []
        group.append(r)
    out = flush()
    if out:
        yield out


def _doc_name(r) -> str:
    return r[9] or Path(r[10] or r[11]).name


# ------------------------------------------------------------------ TMX

def export_tmx(store: Store, path: Path, min_score: float = 0.0, segtype: str = "sentence",
               lang_codes: Sequence[str] = DEFAULT_LANG_CODES) -> str:
    units = (s.unit for s in iter_units(store, min_score, segtype))
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    rep = write_tmx_units(units, path, lang_codes, segtype=segtype)
    extra = f"; removed {rep.removed_chars} characters XML cannot hold" if rep.removed_chars else ""
    return f"{path}: {rep.units} translation units ({segtype}){extra}"


# ------------------------------------------------------------------ MT data

@dataclass(frozen=True, slots=True)
class Filters:
    min_score: float = 0.5  # a pair more likely right than wrong (confidence is calibrated; README)
    min_ratio: float = 0.8  # English characters per Chinese character (no spaces)
    max_ratio: float = 8.0
    min_chars: int = 1  # per side, after trimming
    dedupe: bool = True


@dataclass
class MtReport:
    read: int = 0
    removed: dict[str, int] = field(default_factory=dict)
    written: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"read {self.read} pairs"]
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
    if not any((moses, tsv, jsonl, parquet)):
        raise InputError("say where to write: --moses PREFIX, --tsv FILE, --jsonl FILE or --parquet FILE")
    if split is not None and (len(split) != 3 or abs(sum(split) - 1) > 1e-6 or min(split) < 0):
        raise InputError("--split takes three fractions that add up to 1, e.g. 0.98,0.01,0.01")
    for target in (moses, tsv, jsonl, parquet):
        if target is not None:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
    rep = MtReport()
    seen: set[str] = set()
    kept: dict[str, list[StoredUnit]] = {}
    for s in iter_units(store):
        rep.read += 1
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
    for name in (SPLITS if split else ("all",)):
        units = [s.unit for s in kept.get(name, [])]
        rep.written[name] = len(units)
        tag = "" if name == "all" else f".{name}"
        if moses:
            src = Path(f"{moses}{tag}.{store.src_lang}")
            tgt = Path(f"{moses}{tag}.{store.tgt_lang}")
            src.write_text("".join(one_line(u.src_text) + "\n" for u in units), encoding="utf-8")
            tgt.write_text("".join(one_line(u.tgt_text) + "\n" for u in units), encoding="utf-8")
            rep.files += [str(src), str(tgt)]
        if tsv:
            p = _tagged(tsv, tag)
            p.write_text("".join(f"{one_line(u.src_text)}\t{one_line(u.tgt_text)}\t{u.score:.4f}\t{u.doc}\n"
                                 for u in units), encoding="utf-8")
            rep.files.append(str(p))
        if jsonl:
            p = _tagged(jsonl, tag)
            p.write_text("".join(json.dumps(unit_record(u), ensure_ascii=False) + "\n" for u in units),
                         encoding="utf-8")
            rep.files.append(str(p))
        if parquet:
            try:
                import pyarrow as pa
                import pyarrow.parquet as pq
            except ImportError as e:
                raise InputError("--parquet needs pyarrow; run: pip install 'tmbuild[parquet]'") from e
            p = _tagged(parquet, tag)
            recs = [unit_record(u) for u in units]
            cols = ["src", "tgt", "src_lang", "tgt_lang", "score", "bead", "doc", "paragraph"]
            table = pa.table({c: [r[c] for r in recs] for c in cols}) if recs else pa.table(
                {c: pa.array([], type=pa.float64() if c == "score" else pa.int64() if c == "paragraph"
                             else pa.string()) for c in cols})
            pq.write_table(table, p)
            rep.files.append(str(p))
    return rep


def _tagged(p: Path, tag: str) -> Path:
    return p if not tag else p.with_name(p.stem + tag + p.suffix)


# ------------------------------------------------------------------ TMX import

@dataclass
class ImportReport:
    units: int = 0
    added: int = 0
    skipped_missing_side: int = 0
    status: str = ""


def import_tmx(store_dir: Path, tmx_path: Path, embedder: str | None = None, progress: bool = False) -> ImportReport:
    """Add the units of a TMX file to a store (created when missing); the file is their provenance."""
    from .build import content_hash, open_or_create

    tmx_path = Path(tmx_path)
    header, tmx_units = read_tmx(tmx_path)
    if Store.exists(store_dir):
        store = Store.open(store_dir)
        if embedder:
            store.check_embedder(signature(get_embedder(embedder)))
        emb = store.embedder()
    else:
        emb = get_embedder(embedder or "use-m3")
        store = open_or_create(Path(store_dir), emb)
    rep = ImportReport(units=len(tmx_units))
    try:
        pairs = []
        for u in tmx_units:
            s, t = u.text(store.src_lang), u.text(store.tgt_lang)
            if not s or not t or not s.strip() or not t.strip():
                rep.skipped_missing_side += 1
                continue
            pairs.append((s.strip(), t.strip(), u))
        key = f"tmx:{tmx_path.resolve()}"
        h = content_hash(tmx_path)
        rep.status = store.document_status(key, h)
        if rep.status == "same":
            return rep
        src_vecs = encode_batched(emb, [p[0] for p in pairs], progress=progress)
        tgt_vecs = encode_batched(emb, [p[1] for p in pairs], progress=progress)
        units = [TranslationUnit(s, t, store.src_lang, store.tgt_lang, 1.0, "tmx", tmx_path.name, 0, i,
                                 signature(emb)) for i, (s, t, _) in enumerate(pairs)]
        rep.added = store.add_document(key, h, units, src_vecs, tgt_vecs, src_path=str(tmx_path),
                                       title=header.creationtool, origin="tmx")
    finally:
        store.close()
    return rep
