"""Reviewing a stored alignment: documents with their progress, a document's sentences and beads, edits that
are saved at once (pairs, both indexes and an undo log in one step).

Mixed into :class:`.store.Store`; the edits themselves are the pure functions of :mod:`corpus.review`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from align.errors import StoreError
from align.model import Alignment, Segment, TranslationUnit, join_segments
from align.model import Bead as AlignedBead

from ..review import AUTOMATIC, CORRECTED, EditError, ReviewedBead, apply_edit, carry_reviews, cover, text_edit
from .database import now
from .matching import normalise_text
from .vectors import blob_vecs, vec_blob

DOUBTFUL = 0.8  # automatic pairs below this confidence are counted as doubtful (the review page's amber)


class NotFound(StoreError):
    """A document the store does not hold."""


@dataclass(frozen=True, slots=True)
class PairStamp:
    """A pair's review state, dates and people, as stored (see :meth:`Reviews._revised`)."""
    review: str = AUTOMATIC
    reviewed: str | None = None
    reviewed_by: str | None = None
    added: str | None = None  # None: now
    added_by: str | None = None
    bead: int | None = None  # its bead number, when not the unit's own


@dataclass
class Revision:
    """What became of a document's reviews when a new version of it was aligned."""
    doc_key: str
    name: str
    kept: int = 0
    dropped: list[tuple[str, str, str]] = field(default_factory=list)  # (source, target, why), in order
    edited: dict[tuple[str, int], str] = field(default_factory=dict)  # (side, new sentence number) -> its edited text

    def summary(self) -> str:
        return f"{self.name}: {self.kept} reviewed beads kept, {len(self.dropped)} dropped"

    def as_dict(self) -> dict:
        return {"kept": self.kept, "dropped": [{"src": s, "tgt": t, "why": w} for s, t, w in self.dropped]}


class Reviews:
    """Review methods of the store (``self`` is a :class:`.store.Store`)."""

    def documents(self, doc_id: int | None = None) -> list[dict]:
        """Every document pair (or the one numbered ``doc_id``) with its pairs, unaligned sentences, mean
        confidence and review progress."""
        c = self.column
        where, args = ("WHERE d.id = ? ", (doc_id,)) if doc_id is not None else ("", ())
        rows = self.con.execute(
            f"SELECT d.id, d.key, d.symbol, d.title, d.src_path, d.tgt_path, d.origin, d.added, COUNT(p.id), "
            f"AVG(p.score), COALESCE(SUM({c['review']} != 'automatic'), 0), "
            f"COALESCE(SUM(length({c['src_ids']}) - length(replace({c['src_ids']}, ' ', '')) + 1), 0), "
            f"COALESCE(SUM(length({c['tgt_ids']}) - length(replace({c['tgt_ids']}, ' ', '')) + 1), 0), "
            f"COALESCE(SUM({c['review']} = 'automatic' AND p.score < {DOUBTFUL}), 0) "
            f"FROM documents d LEFT JOIN pairs p ON p.doc_id = d.id {where}GROUP BY d.id ORDER BY d.id",
            args).fetchall()
        counts = {}
        if self.reviewable:
            for doc, side, n in self.con.execute(
                    f"SELECT doc_id, side, COUNT(*) FROM sentences {where.replace('d.id', 'doc_id')}"
                    "GROUP BY doc_id, side", args):
                counts[doc, side] = n
        out = []
        for r in rows:
            n_src, n_tgt = counts.get((r[0], "src")), counts.get((r[0], "tgt"))
            reviewable = n_src is not None and n_tgt is not None
            out.append({
                "id": r[0], "name": r[2] or _file_name(r[4] or r[1]), "symbol": r[2] or "", "title": r[3] or "",
                "src_path": r[4] or "", "tgt_path": r[5] or "", "origin": r[6], "added": r[7], "pairs": r[8],
                "mean_score": round(r[9], 4) if r[9] is not None else None, "reviewed": r[10],
                "reviewable": reviewable, "src_sentences": n_src, "tgt_sentences": n_tgt,
                "unaligned_src": n_src - r[11] if reviewable else None,
                "unaligned_tgt": n_tgt - r[12] if reviewable else None, "doubtful": r[13]})
        return out

    def pair_documents(self, pair_ids: Sequence[int]) -> dict[int, int]:
        """The document each of these pairs belongs to (pair id -> document id)."""
        ids = [int(i) for i in pair_ids]
        if not ids:
            return {}
        return dict(self.con.execute(f"SELECT id, doc_id FROM pairs WHERE id IN ({','.join('?' * len(ids))})", ids))

    def document(self, doc_id: int) -> dict:
        """One document pair: its sentences (both sides, in order) and its beads, the whole cover of both sides
        (a sentence no pair holds is a bead of its own); without stored sentences (imported TMX, a store from
        an earlier tmbuild), its pairs only."""
        found = self.documents(doc_id) if isinstance(doc_id, int) else []
        if not found:
            raise NotFound(f"no document {doc_id!r} in this store")
        info = found[0]
        src_lang, tgt_lang = self._doc_langs(doc_id)
        out = {**info, "src_lang": src_lang, "tgt_lang": tgt_lang,
               "undo": self._undoable(doc_id) if self.reviewable else 0, "writable": not self.readonly}
        if not info["reviewable"]:
            c = self.column
            out["pairs_only"] = [
                {"pair": r[0], "src_text": r[1], "tgt_text": r[2], "score": r[3], "review": r[4]}
                for r in self.con.execute(f"SELECT p.id, p.src_text, p.tgt_text, p.score, {c['review']} FROM pairs p "
                                          "WHERE p.doc_id = ? ORDER BY p.bead_index, p.id", (doc_id,))]
            return out
        src, tgt = self._sentences(doc_id)
        out["sentences"] = {"src": [{"text": s.text, "paragraph": s.paragraph} for s in src],
                            "tgt": [{"text": s.text, "paragraph": s.paragraph} for s in tgt]}
        out["beads"] = [_bead_record(b) for b in self._cover(doc_id, len(src), len(tgt))]
        return out

    def edit(self, doc_id: int, edit: dict) -> dict:
        """Make one reviewer's edit (see :func:`corpus.review.apply_edit`), saved at once with its time and an
        undo record; returns the document as :meth:`document` does. Raises :class:`EditError` (nothing
        changed) for an edit that cannot be made."""
        src, tgt = self._editable(doc_id)
        if not isinstance(edit, dict):
            raise EditError("an edit is a JSON object with an action")
        before = self._cover(doc_id, len(src), len(tgt))
        if edit.get("action") == "text":
            side, i, text = text_edit(edit, len(src), len(tgt))
            segs = src if side == "src" else tgt
            if text == segs[i].text:
                raise EditError("the text is unchanged")
            bead = next(b for b in before if i in getattr(b, side))
            original = self._original(doc_id, side, i)
            log = {"text": {"side": side, "sentence": i, "was": segs[i].text, "original": original},
                   "bead": _bead_record(bead) | {"reviewed_by": self._reviewed_by(bead.pair_id)}}
            state = PairStamp(CORRECTED, now(), self.user, None, self.user)
            self._retext(doc_id, src, tgt, side, i, text, original or segs[i].text, bead, state, log=log)
            return self.document(doc_id)
        after = apply_edit(before, edit, len(src), len(tgt), now())
        self._set_beads(doc_id, src, tgt, before, after, log=str(edit.get("action")))
        return self.document(doc_id)

    def undo(self, doc_id: int) -> dict:
        """Take back the document's last edit (not taken back yet)."""
        src, tgt = self._editable(doc_id)
        row = self.con.execute("SELECT id, before FROM edits WHERE doc_id = ? AND undone = 0 ORDER BY id DESC "
                               "LIMIT 1", (doc_id,)).fetchone()
        if row is None:
            raise EditError("nothing to undo in this document")
        logged = json.loads(row[1])
        if isinstance(logged, dict) and "text" in logged:  # a text edit: the sentence and its bead as they were
            t, b = logged["text"], logged["bead"]
            side, i = t["side"], t["sentence"]
            bead = next(x for x in self._cover(doc_id, len(src), len(tgt)) if i in getattr(x, side))
            state = PairStamp(b["review"] or AUTOMATIC, b["reviewed"], b.get("reviewed_by"), None, self.user)
            self._retext(doc_id, src, tgt, side, i, t["was"], t["original"], bead, state, undo=row[0],
                         score=b["score"])
            return self.document(doc_id)
        target = cover([ReviewedBead(tuple(b["src"]), tuple(b["tgt"]), b["score"], b["review"], b["reviewed"] or "")
                        for b in json.loads(row[1])], len(src), len(tgt))
        self._set_beads(doc_id, src, tgt, self._cover(doc_id, len(src), len(tgt)), target, undo=row[0])
        return self.document(doc_id)

    def _original(self, doc_id: int, side: str, i: int) -> str | None:
        if self.column["original"] == "NULL":
            return None
        row = self.con.execute("SELECT original FROM sentences WHERE doc_id = ? AND side = ? AND idx = ?",
                               (doc_id, side, i)).fetchone()
        return row[0] if row else None

    def _originals(self, doc_id: int) -> dict[tuple[str, int], str]:
        """The document's own text of each sentence a reviewer edited."""
        if self.column["original"] == "NULL":
            return {}
        return {(side, i): text for side, i, text in self.con.execute(
            "SELECT side, idx, original FROM sentences WHERE doc_id = ? AND original IS NOT NULL", (doc_id,))}

    def _reviewed_by(self, pair_id: int | None) -> str | None:
        if pair_id is None:
            return None
        row = self.con.execute(f"SELECT {self.column['reviewed_by']} FROM pairs p WHERE p.id = ?",
                               (pair_id,)).fetchone()
        return row[0] if row else None

    def _retext(self, doc_id: int, src: list[Segment], tgt: list[Segment], side: str, i: int, text: str,
                original: str | None, bead: ReviewedBead, state: PairStamp, log: dict | None = None, undo: int = 0,
                score: float | None = None) -> None:
        """Give sentence ``i`` of ``side`` the text ``text`` (``original``: the document's own text, None when
        the sentence is then as the document has it), and its bead's pair the new text and vectors with
        ``state``: one transaction with the edit log, then the indexes."""
        segs = src if side == "src" else tgt
        segs[i] = Segment(text, segs[i].paragraph)
        src_lang, tgt_lang = self._doc_langs(doc_id)
        units, removed = [], []
        if bead.paired:
            removed = [bead.pair_id]
            units = [TranslationUnit(join_segments([src[k].text for k in bead.src], src_lang),
                                     join_segments([tgt[k].text for k in bead.tgt], tgt_lang), src_lang, tgt_lang,
                                     bead.score if score is None else score, f"{len(bead.src)}-{len(bead.tgt)}",
                                     paragraph=src[bead.src[0]].paragraph, embedder=self.embedder_signature,
                                     src_ids=bead.src, tgt_ids=bead.tgt)]
        src_vecs, tgt_vecs = self._bead_vectors(src, tgt, [bead] if bead.paired else [], src_lang, tgt_lang)
        with self.con:
            if undo:
                self.con.execute("UPDATE edits SET undone = 1 WHERE id = ?", (undo,))
            else:
                self.con.execute("INSERT INTO edits(doc_id, time, action, before) VALUES (?,?,'text',?)",
                                 (doc_id, now(), json.dumps(log, ensure_ascii=False)))
            self.con.execute("UPDATE sentences SET text = ?, original = ? WHERE doc_id = ? AND side = ? AND idx = ?",
                             (text, None if original == text else original, doc_id, side, i))
            if bead.paired:  # the pair keeps its number (links to it), with its new text and vectors
                u = units[0]
                self.con.execute(
                    "UPDATE pairs SET src_text = ?, tgt_text = ?, src_norm = ?, tgt_norm = ?, src_vec = ?, "
                    "tgt_vec = ?, score = ?, review = ?, reviewed = ?, reviewed_by = ? WHERE id = ?",
                    (u.src_text, u.tgt_text, normalise_text(u.src_text), normalise_text(u.tgt_text),
                     vec_blob(src_vecs[0]), vec_blob(tgt_vecs[0]), float(u.score), state.review, state.reviewed,
                     state.reviewed_by, bead.pair_id))
            self.con.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")
        self._apply(removed, np.array(removed, dtype=np.int64), src_vecs, tgt_vecs)

    # ------------------------------------------------------------ revisions

    def _revised(self, doc_id: int, name: str, units: Sequence[TranslationUnit], src_vecs, tgt_vecs,
                 sentences: tuple[Sequence[Segment], Sequence[Segment]] | None):
        """A new version's units, vectors and stamps, with the old version's reviewed beads carried over
        (inside the caller's transaction, before the old pairs are removed); and the :class:`Revision`.

        Every new pair whose texts an old pair had keeps that pair's first date and author."""
        key = self.con.execute("SELECT key FROM documents WHERE id = ?", (doc_id,)).fetchone()[0]
        revision = Revision(key, name)
        c = self.column
        old_rows = self.con.execute(
            f"SELECT p.id, {c['src_ids']}, {c['tgt_ids']}, p.score, {c['review']}, {c['reviewed']}, "
            f"{c['reviewed_by']}, p.added, {c['added_by']}, CAST(p.src_text AS BLOB), CAST(p.tgt_text AS BLOB), "
            "p.src_vec, p.tgt_vec, p.src_lang, p.tgt_lang, p.paragraph, p.bead_kind, p.embedder FROM pairs p "
            "WHERE p.doc_id = ? ORDER BY p.bead_index, p.id", (doc_id,)).fetchall()
        # read as bytes: damaged text (tmbuild check finds it) is no reason to fail a build; it matches nothing
        old_rows = [(*r[:9], bytes(r[9]).decode("utf-8", "replace"), bytes(r[10]).decode("utf-8", "replace"),
                     *r[11:]) for r in old_rows]
        first = {}
        for r in old_rows:
            first.setdefault((r[9], r[10]), (r[7], r[8]))

        def stamp(u: TranslationUnit, bead: int | None = None) -> PairStamp:
            added, by = first.get((u.src_text, u.tgt_text), (None, None))
            return PairStamp(u.review or AUTOMATIC, None, None, added, by or self.user, bead)

        reviewed = [r for r in old_rows if r[4] not in (AUTOMATIC, "imported")]
        old_src, old_tgt = self._sentences(doc_id) if self.reviewable else ([], [])
        usable = sentences is not None and old_src and old_tgt and all(u.src_ids and u.tgt_ids for u in units)
        if not reviewed or not usable:
            why = "the earlier version's sentences were not stored (an earlier tmbuild)" if not (
                old_src and old_tgt) else "the new version was not aligned sentence by sentence"
            revision.dropped = [(r[9], r[10], why) for r in reviewed]
            return units, src_vecs, tgt_vecs, [stamp(u) for u in units], revision
        old = [ReviewedBead(_ids(r[1]), _ids(r[2]), r[3], r[4], r[5] or "", r[0]) for r in reviewed]
        new = [ReviewedBead(tuple(u.src_ids), tuple(u.tgt_ids), u.score, AUTOMATIC, "", k) for k, u in enumerate(units)]
        originals = self._originals(doc_id)  # sentences a reviewer edited are found by the document's own text
        as_filed = ([originals.get(("src", i), x.text) for i, x in enumerate(old_src)],
                    [originals.get(("tgt", j), x.text) for j, x in enumerate(old_tgt)])
        pairs, report = carry_reviews(old, *as_filed, new, [s.text for s in sentences[0]],
                                      [s.text for s in sentences[1]])
        for x in report:  # a carried bead keeps its reviewer's text edits
            if x.new is not None:
                for side, was, now_at, segs in (("src", x.old.src, x.new.src, old_src),
                                                ("tgt", x.old.tgt, x.new.tgt, old_tgt)):
                    for i, k in zip(was, now_at):
                        if (side, i) in originals:
                            revision.edited[side, k] = segs[i].text
        rows = {r[0]: r for r in reviewed}
        carried = {id(x.new): x.old.pair_id for x in report if x.new is not None}
        out_units, s_out, t_out, stamps = [], [], [], []
        for k, b in enumerate(pairs):
            if id(b) in carried:
                r = rows[carried[id(b)]]
                out_units.append(TranslationUnit(r[9], r[10], r[13], r[14], r[3], r[16],
                                                 paragraph=sentences[0][b.src[0]].paragraph, embedder=r[17],
                                                 src_ids=b.src, tgt_ids=b.tgt))
                s_out.append(blob_vecs([r[11]], self.dim)[0])
                t_out.append(blob_vecs([r[12]], self.dim)[0])
                stamps.append(PairStamp(r[4], r[5], r[6], r[7], r[8], k))
            else:
                out_units.append(units[b.pair_id])
                s_out.append(src_vecs[b.pair_id])
                t_out.append(tgt_vecs[b.pair_id])
                stamps.append(stamp(units[b.pair_id], k))
        revision.kept = len(carried)
        revision.dropped = [(rows[x.old.pair_id][9], rows[x.old.pair_id][10], x.reason) for x in report
                            if x.new is None]
        if not carried:  # nothing carried: the new alignment as it is, its own bead numbers
            return units, src_vecs, tgt_vecs, [stamp(u) for u in units], revision
        empty = np.zeros((0, self.dim), np.float32)
        return (out_units, np.array(s_out, np.float32) if s_out else empty,
                np.array(t_out, np.float32) if t_out else empty, stamps, revision)

    # ------------------------------------------------------------ parts

    def _editable(self, doc_id: int) -> tuple[list[Segment], list[Segment]]:
        """A document's sentences, when it may be edited: it exists, the store is writable and the document was stored
        with its sentences."""
        if not isinstance(doc_id, int) or self.con.execute("SELECT 1 FROM documents WHERE id = ?",
                                                           (doc_id,)).fetchone() is None:
            raise NotFound(f"no document {doc_id!r} in this store")
        if self.readonly:
            raise EditError(f"{self.path}: the store is open read-only; edits are not possible")
        src, tgt = self._sentences(doc_id) if self.reviewable else ([], [])
        if not src or not tgt:
            raise EditError("this document's sentences are not stored (imported from TMX, or built by an earlier "
                            "tmbuild): build it again to review it")
        return src, tgt

    def _sentences(self, doc_id: int) -> tuple[list[Segment], list[Segment]]:
        sides: dict[str, list[Segment]] = {"src": [], "tgt": []}
        for side, para, text in self.con.execute(
                "SELECT side, paragraph, CAST(text AS BLOB) FROM sentences WHERE doc_id = ? ORDER BY side, idx",
                (doc_id,)):
            sides[side].append(Segment(bytes(text).decode("utf-8", "replace"), para or 0))
        return sides["src"], sides["tgt"]

    def _doc_langs(self, doc_id: int) -> tuple[str, str]:
        c = self.column
        row = self.con.execute(f"SELECT {c['src_lang']}, {c['tgt_lang']} FROM documents d WHERE d.id = ?",
                               (doc_id,)).fetchone()
        if row and row[0] and row[1]:
            return row[0], row[1]
        row = self.con.execute("SELECT src_lang, tgt_lang FROM pairs WHERE doc_id = ? LIMIT 1", (doc_id,)).fetchone()
        return (row[0], row[1]) if row else (self.src_lang, self.tgt_lang)

    def _undoable(self, doc_id: int) -> int:
        return self.con.execute("SELECT COUNT(*) FROM edits WHERE doc_id = ? AND undone = 0", (doc_id,)).fetchone()[0]

    def _cover(self, doc_id: int, n_src: int, n_tgt: int) -> list[ReviewedBead]:
        c = self.column
        pairs = [ReviewedBead(_ids(r[1]), _ids(r[2]), r[3], r[4], r[5] or "", r[0]) for r in self.con.execute(
            f"SELECT p.id, {c['src_ids']}, {c['tgt_ids']}, p.score, {c['review']}, {c['reviewed']} FROM pairs p "
            "WHERE p.doc_id = ?", (doc_id,))]
        return cover([p for p in pairs if p.src and p.tgt], n_src, n_tgt)

    def _set_beads(self, doc_id: int, src: Sequence[Segment], tgt: Sequence[Segment], before: Sequence[ReviewedBead],
                   after: Sequence[ReviewedBead], log: str = "", undo: int = 0) -> None:
        """Make the document's pairs those of ``after``: pairs that stay keep their rows (their review state
        updated), the others are removed and the new ones added with their vectors; bead numbers follow the
        new order. One transaction, with the edit log; then the vector indexes."""
        old = {b.key: b for b in before if b.paired}
        new = [b for b in after if b.paired]
        keep = {b.key for b in new} & set(old)
        made = [b for b in new if b.key not in keep]
        removed = [old[k].pair_id for k in set(old) - keep]
        src_lang, tgt_lang = self._doc_langs(doc_id)
        units = [TranslationUnit(join_segments([src[i].text for i in b.src], src_lang),
                                 join_segments([tgt[j].text for j in b.tgt], tgt_lang), src_lang, tgt_lang,
                                 1.0 if b.score is None else b.score, f"{len(b.src)}-{len(b.tgt)}",
                                 paragraph=src[b.src[0]].paragraph, embedder=self.embedder_signature,
                                 src_ids=b.src, tgt_ids=b.tgt) for b in made]
        src_vecs, tgt_vecs = self._bead_vectors(src, tgt, made, src_lang, tgt_lang)
        with self.con:
            if undo:
                self.con.execute("UPDATE edits SET undone = 1 WHERE id = ?", (undo,))
            else:
                state = [{"src": list(b.src), "tgt": list(b.tgt), "score": b.score, "review": b.review,
                          "reviewed": b.reviewed} for b in before if b.paired]
                self.con.execute("INSERT INTO edits(doc_id, time, action, before) VALUES (?,?,?,?)",
                                 (doc_id, now(), log, json.dumps(state)))
            if removed:
                self.con.execute(f"DELETE FROM pairs WHERE id IN ({','.join('?' * len(removed))})", removed)
            for b in new:
                o = old.get(b.key)
                if o is not None and (o.review, o.reviewed, o.score) != (b.review, b.reviewed, b.score):
                    by = None if b.review == AUTOMATIC else self.user
                    self.con.execute("UPDATE pairs SET review = ?, reviewed = ?, reviewed_by = ?, score = ? "
                                     "WHERE id = ?", (b.review, b.reviewed or None, by,
                                                      1.0 if b.score is None else b.score, o.pair_id))
            ids = self._insert_pairs(doc_id, units, src_vecs, tgt_vecs, now(), stamps=[
                PairStamp(b.review, b.reviewed or None, None if b.review == AUTOMATIC else self.user, None,
                          self.user, k) for k, b in enumerate(made)])
            made_ids = dict(zip((b.key for b in made), ids))
            order = [(k, old[b.key].pair_id if b.key in keep else made_ids[b.key]) for k, b in enumerate(new)]
            self.con.executemany("UPDATE pairs SET bead_index = ? WHERE id = ?", order)
            self.con.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")
        self._apply(removed, np.array(ids, dtype=np.int64), src_vecs, tgt_vecs)

    def _bead_vectors(self, src: Sequence[Segment], tgt: Sequence[Segment], beads: Sequence[ReviewedBead],
                      src_lang: str, tgt_lang: str) -> tuple[np.ndarray, np.ndarray]:
        """Both sides' vectors of new beads, made as a build makes them (only these beads' sentences embedded)."""
        if not beads:
            empty = np.zeros((0, self.dim), np.float32)
            return empty, empty
        from align.aligner import Aligner

        s_ids = sorted({i for b in beads for i in b.src})
        t_ids = sorted({j for b in beads for j in b.tgt})
        s_at, t_at = {i: k for k, i in enumerate(s_ids)}, {j: k for k, j in enumerate(t_ids)}
        mini = Alignment(tuple(src[i] for i in s_ids), tuple(tgt[j] for j in t_ids),
                         tuple(AlignedBead(tuple(s_at[i] for i in b.src), tuple(t_at[j] for j in b.tgt))
                               for b in beads), src_lang, tgt_lang)
        return Aligner(self.embedder()).pair_vectors(mini)


def _ids(text: str | None) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split()) if text else ()


def _file_name(path: str) -> str:
    return path.replace("\\", "/").split("|")[0].rsplit("/", 1)[-1]


def _bead_record(b: ReviewedBead) -> dict:
    return {"src": list(b.src), "tgt": list(b.tgt), "score": None if b.score is None else round(b.score, 4),
            "review": b.review if b.paired else None, "reviewed": b.reviewed or None, "pair": b.pair_id}


__all__ = ["AUTOMATIC", "EditError", "NotFound", "Reviews"]
