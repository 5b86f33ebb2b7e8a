"""``tmbuild build``: read, pair, align and store every document pair under some paths."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from align.aligner import DEFAULT_CONFIG, AlignConfig, Aligner
from align.embed import DEFAULT_EMBEDDER, get_embedder
from align.embed.base import Embedder, signature
from align.errors import TmbuildError

from .pairing import DEFAULT_THRESHOLD, Unpaired, pair_documents
from .pipeline import segment_document, translation_units
from .store import Store

FLUSH_EVERY = 50  # documents between index checkpoints


@dataclass
class BuildReport:
    paired: int = 0
    added_documents: int = 0
    replaced_documents: int = 0
    unchanged_documents: int = 0
    pairs_added: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (document pair, error)
    unpaired: list[Unpaired] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.paired} document pairs found: {self.added_documents} added, {self.replaced_documents} "
                f"replaced, {self.unchanged_documents} unchanged, {len(self.failed)} failed; "
                f"{self.pairs_added} translation pairs added; {len(self.unpaired)} inputs unpaired")


def content_hash(*paths: str | Path) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(Path(p).read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def open_or_create(store_dir: Path, embedder: Embedder, src_lang: str = "zh", tgt_lang: str = "en") -> Store:
    if Store.exists(store_dir):
        store = Store.open(store_dir)
        store.check_embedder(signature(embedder))
        return store
    return Store.create(store_dir, signature(embedder), embedder.name, embedder.dim, src_lang, tgt_lang)


def build(paths: Sequence[Path], store_dir: Path, embedder: str | Embedder = DEFAULT_EMBEDDER,
          config: AlignConfig = DEFAULT_CONFIG, threshold: float = DEFAULT_THRESHOLD,
          progress: bool = False) -> BuildReport:
    emb = get_embedder(embedder) if isinstance(embedder, str) else embedder
    report = BuildReport()
    store = open_or_create(Path(store_dir), emb)
    report.notes.extend(store.notes)
    try:
        pairing = pair_documents(paths, emb, threshold=threshold, progress=progress)
        report.unpaired = list(pairing.unpaired)
        report.paired = len(pairing.pairs)
        aligner = Aligner(emb, config)
        sig = signature(emb)
        todo = pairing.pairs
        bar = None
        if progress and todo:
            from tqdm import tqdm

            bar = tqdm(total=len(todo), desc="aligning", unit="doc", file=sys.stderr)
        for k, pair in enumerate(todo):
            key = f"{Path(pair.zh).resolve()}|{Path(pair.en).resolve()}"
            try:
                h = content_hash(pair.zh, pair.en)
                status = store.document_status(key, h)
                if status == "same":
                    report.unchanged_documents += 1
                    continue
                zd, ed = pairing.documents[pair.zh], pairing.documents[pair.en]
                alignment = aligner.align(segment_document(zd), segment_document(ed), zd.lang, ed.lang)
                name = zd.meta.symbol or ed.meta.symbol or Path(pair.zh).name
                units = translation_units(alignment, doc=name, embedder=sig)
                src_vecs = aligner.cache.encode([u.src_text for u in units])
                tgt_vecs = aligner.cache.encode([u.tgt_text for u in units])
                report.pairs_added += store.add_document(
                    key, h, units, src_vecs, tgt_vecs, src_path=str(pair.zh), tgt_path=str(pair.en),
                    symbol=zd.meta.symbol or ed.meta.symbol, title=zd.meta.title or ed.meta.title)
                aligner.cache.clear()  # one document's windows at a time, not the corpus's
                if status == "changed":
                    report.replaced_documents += 1
                else:
                    report.added_documents += 1
                if (k + 1) % FLUSH_EVERY == 0:
                    store.flush()
            except TmbuildError as e:
                report.failed.append((f"{pair.zh} + {pair.en}", str(e)))
            finally:
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix_str(Path(pair.zh).name[:30])
        if bar is not None:
            bar.close()
    finally:
        store.close()
    return report
