"""Reviewing stored alignments: the edits as pure functions over covers (property tests), and the store's
review methods (edits saved at once, indexes following, undo, exports and rebuilds respecting review)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import SAMPLES
from hypothesis import given
from hypothesis import strategies as st

from corpus.build import build
from corpus.review import EditError, StaleEdit, apply_edit, carry_reviews, check_cover, cover
from corpus.review import ReviewedBead as Bead
from corpus.store import Store
from corpus.transfer import export_tmx
from tmx import read_tmx

WHEN = "2026-01-01T00:00:00Z"


# ------------------------------------------------------------------ covers and edits, no store

@st.composite
def covers(draw) -> tuple[list[Bead], int, int]:
    """A random exact cover: runs of 0-3 sentences on each side, never both empty."""
    beads, i, j = [], 0, 0
    for _ in range(draw(st.integers(1, 12))):
        a, b = draw(st.sampled_from([(1, 1), (1, 0), (0, 1), (2, 1), (1, 2), (2, 2), (3, 1)]))
        beads.append(Bead(tuple(range(i, i + a)), tuple(range(j, j + b)), 0.5 if a and b else None))
        i, j = i + a, j + b
    return beads, i, j


COVER_ERRORS = ("would be in", "out of order", "must follow", "with no sentence", "the document has")
EDITS = st.fixed_dictionaries({
    "action": st.sampled_from(["confirm", "merge", "split", "move", "detach", "unalign"]),
    "to": st.sampled_from(["next", "previous"]),
    "side": st.sampled_from(["src", "tgt"]),
    "first": st.booleans(),
})


@given(covers(), st.lists(st.tuples(st.integers(0, 40), EDITS), max_size=6))
def test_every_edit_gives_a_cover_or_changes_nothing(cov, edits):
    beads, n, m = cov
    check_cover(beads, n, m)
    for at, e in edits:
        b = beads[at % len(beads)]
        edit = {"action": e["action"], "src": list(b.src), "tgt": list(b.tgt), "to": e["to"], "side": e["side"]}
        ids = getattr(b, e["side"])
        if ids:
            edit["sentence"] = ids[0] if e["first"] else ids[-1]
        try:
            after = apply_edit(beads, edit, n, m, WHEN)
        except EditError as err:  # refused for a reason of its own, never because it broke the cover
            assert not any(x in str(err) for x in COVER_ERRORS), err
            continue
        check_cover(after, n, m)
        # an edit changes its bead and at most one neighbour: every other bead is kept as it was
        k = beads.index(b)
        assert all(x in after for x in beads[:max(k - 1, 0)] + beads[k + 2:])
        assert all(x.review == "corrected" for x in after if x.paired and x not in beads
                   and e["action"] != "confirm")
        beads = after


def test_cover_fills_unaligned_sentences_in_place():
    pairs = [Bead((1,), (0,), 0.9), Bead((3, 4), (2,), 0.8)]
    got = cover(pairs, 6, 4)
    assert [(b.src, b.tgt) for b in got] == [((0,), ()), ((1,), (0,)), ((2,), ()), ((), (1,)), ((3, 4), (2,)),
                                              ((5,), ()), ((), (3,))]


def test_edits_do_what_they_say():
    beads = cover([Bead((0,), (0,), 0.9), Bead((1, 2), (1, 2), 0.4), Bead((3,), (3,), 0.9)], 4, 4)
    split = apply_edit(beads, {"action": "split", "src": [1, 2], "tgt": [1, 2]}, 4, 4, WHEN)
    assert [(b.src, b.tgt, b.review) for b in split[1:3]] == [((1,), (1,), "corrected"), ((2,), (2,), "corrected")]
    merged = apply_edit(split, {"action": "merge", "src": [2], "tgt": [2], "to": "previous"}, 4, 4, WHEN)
    assert (merged[1].src, merged[1].tgt) == ((1, 2), (1, 2))
    moved = apply_edit(beads, {"action": "move", "src": [1, 2], "tgt": [1, 2], "side": "src", "to": "next"}, 4, 4,
                       WHEN)
    assert [(b.src, b.tgt) for b in moved] == [((0,), (0,)), ((1,), (1, 2)), ((2, 3), (3,))]
    detached = apply_edit(beads, {"action": "detach", "src": [1, 2], "tgt": [1, 2], "side": "tgt", "sentence": 1},
                          4, 4, WHEN)
    assert [(b.src, b.tgt) for b in detached[1:3]] == [((), (1,)), ((1, 2), (2,))]
    confirmed = apply_edit(beads, {"action": "confirm", "src": [0], "tgt": [0]}, 4, 4, WHEN)
    assert (confirmed[0].review, confirmed[0].score, confirmed[0].reviewed) == ("confirmed", 1.0, WHEN)
    assert apply_edit(beads, {"action": "unalign", "src": [3], "tgt": [3]}, 4, 4, WHEN)[-2:] == [
        Bead((3,), ()), Bead((), (3,))]


@pytest.mark.parametrize("edit, message", [
    ({"action": "fly", "src": [0], "tgt": [0]}, "unknown action"),
    ({"action": "merge", "src": [0], "tgt": [0], "to": "previous"}, "no previous bead"),
    ({"action": "split", "src": [0], "tgt": [0]}, "cannot be split"),
    ({"action": "detach", "src": [1, 2, 3], "tgt": [1], "side": "src", "sentence": 2}, "first or last"),
    ({"action": "replace", "src": [0], "tgt": [0], "beads": [{"src": [0], "tgt": [0]}, {"src": [0]}]},
     "source sentence 0 would be in two beads"),
    ({"action": "replace", "src": [0], "tgt": [0], "beads": [{"src": [0]}]}, "target sentence 0 would be in no bead"),
    ({"action": "confirm", "src": ["a"], "tgt": [0]}, "lists of sentence numbers"),
])
def test_impossible_edits_are_refused_with_a_reason(edit, message):
    beads = cover([Bead((0,), (0,), 0.9), Bead((1, 2, 3), (1,), 0.4)], 4, 2)
    with pytest.raises(EditError, match=message):
        apply_edit(beads, edit, 4, 2, WHEN)
    with pytest.raises(StaleEdit):
        apply_edit(beads, {"action": "confirm", "src": [1], "tgt": [1]}, 4, 2, WHEN)


@st.composite
def revisions(draw):
    """An old version (distinct sentences, a cover with some beads reviewed) and a new one: sentences edited,
    deleted and inserted on either side, order kept, aligned anew by any cover."""
    beads, n_src, n_tgt = draw(covers())
    beads = [Bead(b.src, b.tgt, b.score, "confirmed" if b.paired and draw(st.booleans()) else "automatic")
             for b in beads]
    old_src, old_tgt = [f"s{i}" for i in range(n_src)], [f"t{j}" for j in range(n_tgt)]

    def revise(texts: list[str], tag: str) -> list[str]:
        out = []
        for k, t in enumerate(texts):
            op = draw(st.sampled_from(["keep", "keep", "keep", "edit", "delete", "insert"]))
            if op == "edit":
                out.append(t + "'")
            elif op == "insert":
                out += [f"{tag}new{k}", t]
            elif op == "keep":
                out.append(t)
        return out or [f"{tag}new"]

    new_src, new_tgt = revise(old_src, "s"), revise(old_tgt, "t")
    new, i, j = [], 0, 0
    while i < len(new_src) or j < len(new_tgt):  # any alignment of the new version
        a = draw(st.integers(0, min(2, len(new_src) - i)))
        b = draw(st.integers(0 if a else 1, min(2, len(new_tgt) - j))) if j < len(new_tgt) else 0
        if not a and not b:
            a = 1
        new.append(Bead(tuple(range(i, i + a)), tuple(range(j, j + b)), 0.5))
        i, j = i + a, j + b
    return beads, old_src, old_tgt, new, new_src, new_tgt


@given(revisions())
def test_a_revision_carries_every_reviewed_bead_whose_sentences_are_unchanged(case):
    old, old_src, old_tgt, new, new_src, new_tgt = case
    pairs, report = carry_reviews(old, old_src, old_tgt, new, new_src, new_tgt)
    check_cover(cover(pairs, len(new_src), len(new_tgt)), len(new_src), len(new_tgt))
    reviewed = [b for b in old if b.paired and b.review != "automatic"]
    assert [c.old for c in report] == reviewed
    for c in report:  # brute force: still there, consecutive on both sides (texts are distinct, order kept)
        s_run, t_run = [old_src[i] for i in c.old.src], [old_tgt[j] for j in c.old.tgt]
        there = any(new_src[p:p + len(s_run)] == s_run for p in range(len(new_src))) and any(
            new_tgt[q:q + len(t_run)] == t_run for q in range(len(new_tgt)))
        assert (c.new is not None) == there, c
        if c.new is not None:
            assert [new_src[i] for i in c.new.src] == s_run and [new_tgt[j] for j in c.new.tgt] == t_run
            assert c.new in pairs and c.new.review == c.old.review
    carried = {c.new for c in report if c.new}
    assert all(p in carried or p in new for p in pairs)  # nothing invented: carried beads and the new alignment's


# ------------------------------------------------------------------ in a store built from real documents

@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A store of the bundled UDHR pair (Simplified Chinese and English), built as users build."""
    root = tmp_path_factory.mktemp("review")
    docs = root / "docs"
    docs.mkdir()
    for name in ("cmn_hans.html", "eng.html"):
        shutil.copy(SAMPLES / "udhr" / name, docs / name)
    rep = build([docs], root / "store")
    assert rep.added_documents == 1 and not rep.failed
    return root


@pytest.fixture()
def store_dir(built, tmp_path) -> Path:
    shutil.copytree(built / "store", tmp_path / "store")
    return tmp_path / "store"


def _shape(doc: dict) -> list[tuple]:
    return [(tuple(b["src"]), tuple(b["tgt"]), b["review"], b["score"]) for b in doc["beads"]]


def test_a_built_document_is_an_exact_cover_of_its_sentences(store_dir):
    with Store.open(store_dir, readonly=True) as s:
        [info] = s.documents()
        doc = s.document(info["id"])
    n, m = len(doc["sentences"]["src"]), len(doc["sentences"]["tgt"])
    check_cover([Bead(tuple(b["src"]), tuple(b["tgt"])) for b in doc["beads"]], n, m)
    assert info["pairs"] == sum(1 for b in doc["beads"] if b["src"] and b["tgt"]) > 90
    assert (info["unaligned_src"], info["unaligned_tgt"]) == (
        sum(1 for b in doc["beads"] if not b["tgt"]), sum(1 for b in doc["beads"] if not b["src"]))
    assert info["reviewed"] == 0 and doc["undo"] == 0


def test_edits_are_saved_at_once_indexes_follow_and_undo_restores(store_dir):
    s = Store.open(store_dir)
    doc = s.document(1)
    original = _shape(doc)
    b = [x for x in doc["beads"] if x["src"] and x["tgt"]][20]
    src_text = "".join(doc["sentences"]["src"][i]["text"] for i in b["src"])
    s.edit(1, {"action": "unalign", "src": b["src"], "tgt": b["tgt"]})
    assert not [h for h in s.lookup(src_text, k=5, mode="concordance").hits if h.kind == "exact"]
    after = s.edit(1, {"action": "merge", "src": b["src"], "tgt": [], "to": "next"})
    fixed = next(x for x in after["beads"] if x["src"] == b["src"])
    assert (fixed["tgt"], fixed["review"], fixed["score"]) == (b["tgt"], "corrected", 1.0)
    s.close()
    # a new process sees the edits: database, lexical and vector indexes
    with Store.open(store_dir, readonly=True) as r:
        assert r.check() == []
        assert r.documents()[0]["reviewed"] == 1 and r.document(1)["undo"] == 2
        hit = r.lookup(src_text, k=1).hits[0]
        assert hit.kind == "exact" and hit.pair_id == fixed["pair"]
        assert r.search(src_text, k=1)[0].pair_id == fixed["pair"]  # the vector index holds the new pair
    s = Store.open(store_dir)
    s.undo(1)
    assert _shape(s.undo(1)) == original
    with pytest.raises(EditError, match="nothing to undo"):
        s.undo(1)
    assert s.check() == []
    s.close()


def test_a_refused_edit_changes_nothing(store_dir):
    s = Store.open(store_dir)
    before = s.document(1)
    gen = s.stats().generation
    b = before["beads"][3]
    for edit in ({"action": "replace", "src": b["src"], "tgt": b["tgt"], "count": 2,
                  "beads": [{"src": b["src"], "tgt": b["tgt"]}, {"src": b["src"], "tgt": []}]},
                 {"action": "merge", "src": [0], "tgt": [5]}):
        with pytest.raises(EditError):
            s.edit(1, edit)
    assert s.document(1) == before and s.stats().generation == gen
    s.close()


def test_export_marks_and_filters_review_and_import_keeps_it(store_dir, tmp_path):
    s = Store.open(store_dir)
    b = [x for x in s.document(1)["beads"] if x["src"] and x["tgt"]]
    s.edit(1, {"action": "confirm", "src": b[5]["src"], "tgt": b[5]["tgt"]})
    s.edit(1, {"action": "merge", "src": b[6]["src"], "tgt": b[6]["tgt"], "to": "next"})
    export_tmx(s, tmp_path / "all.tmx")
    export_tmx(s, tmp_path / "reviewed.tmx", reviewed_only=True)
    s.close()
    reviews = [u.prop("x-review") for u in read_tmx(tmp_path / "all.tmx")[1]]
    assert reviews.count("confirmed") == 1 and reviews.count("corrected") == 1
    assert reviews.count("automatic") == len(b) - 3
    assert sorted(u.prop("x-review") for u in read_tmx(tmp_path / "reviewed.tmx")[1]) == ["confirmed", "corrected"]
    from corpus.transfer import import_tmx

    import_tmx(tmp_path / "back", tmp_path / "reviewed.tmx")
    with Store.open(tmp_path / "back", readonly=True) as back:
        assert back.documents()[0]["reviewed"] == 2


def _bead_of(doc: dict, side: str, text: str) -> dict:
    """The bead holding the sentence of ``side`` that contains ``text``."""
    at = next(i for i, s in enumerate(doc["sentences"][side]) if text in s["text"])
    return next(b for b in doc["beads"] if at in b[side])


def test_a_revised_document_keeps_exactly_the_reviews_of_its_unchanged_beads(built, tmp_path):
    """One sentence edited, a paragraph inserted, a sentence deleted: the reviews of the beads whose sentences
    are unchanged are carried to where the sentences now are; the other two are dropped, each with its reason,
    and the counts are said."""
    docs = tmp_path / "docs"
    shutil.copytree(built / "docs", docs)
    build([docs], tmp_path / "store", user="ana")
    s = Store.open(tmp_path / "store")
    s.user = "ana"
    d = s.document(1)
    kept_a = _bead_of(d, "tgt", "Everyone is entitled to all the rights")  # confirmed, unchanged
    s.edit(1, {"action": "confirm", "src": kept_a["src"], "tgt": kept_a["tgt"]})
    slavery = _bead_of(d, "tgt", "No one shall be held in slavery")  # corrected (merged), unchanged
    d = s.edit(1, {"action": "merge", "src": slavery["src"], "tgt": slavery["tgt"], "to": "next"})
    merged = _bead_of(d, "tgt", "No one shall be held in slavery")
    security = _bead_of(d, "src", "人身安全")  # its Chinese sentence will be edited
    s.edit(1, {"action": "confirm", "src": security["src"], "tgt": security["tgt"]})
    torture = _bead_of(d, "tgt", "No one shall be subjected to torture")  # its English sentence will be deleted
    d = s.edit(1, {"action": "confirm", "src": torture["src"], "tgt": torture["tgt"]})
    reviewed = {(tuple(b["src"]), tuple(b["tgt"])): b["review"] for b in d["beads"] if b["review"] != "automatic"}
    assert len(reviewed) == 4 and d["reviewed"] == 4
    texts = {key: ("".join(d["sentences"]["src"][i]["text"] for i in key[0]),
                   " ".join(d["sentences"]["tgt"][j]["text"] for j in key[1])) for key in reviewed}
    s.close()

    zh, en = docs / "cmn_hans.html", docs / "eng.html"
    zh.write_text(zh.read_text(encoding="utf-8").replace("人身安全。", "人身安全保障。"), encoding="utf-8")
    eng = en.read_text(encoding="utf-8")
    eng = eng.replace("<p>No one shall be subjected to torture or to cruel, inhuman or degrading treatment or "
                      "punishment.</p>", "")
    eng = eng.replace("<h2>Article 2</h2>", "<h2>Article 2</h2>\n<p>A paragraph the translation added.</p>")
    en.write_text(eng, encoding="utf-8")
    rep = build([docs], tmp_path / "store", user="ben")

    assert rep.replaced_documents == 1 and rep.dropped_reviews == 2
    assert [r.summary() for r in rep.revisions] == ["cmn_hans.html: 2 reviewed beads kept, 2 dropped"]
    why = {src: reason for src, _, reason in rep.revisions[0].dropped}
    security_zh = texts[(tuple(security["src"]), tuple(security["tgt"]))][0]
    torture_zh = texts[(tuple(torture["src"]), tuple(torture["tgt"]))][0]
    assert why == {security_zh: "one of its sentences changed or is gone",
                   torture_zh: "one of its sentences changed or is gone"}
    assert "reviews of changed documents: 2 kept, 2 dropped" in rep.summary()
    with Store.open(tmp_path / "store", readonly=True) as r:
        d = r.document(1)
        now_reviewed = {(" ".join(d["sentences"]["src"][i]["text"] for i in b["src"]).replace(" ", ""),
                         " ".join(d["sentences"]["tgt"][j]["text"] for j in b["tgt"])): b["review"]
                        for b in d["beads"] if b["review"] not in (None, "automatic")}
        a_key, m_key = (tuple(kept_a["src"]), tuple(kept_a["tgt"])), (tuple(merged["src"]), tuple(merged["tgt"]))
        assert now_reviewed == {texts[a_key]: "confirmed", texts[m_key]: "corrected"}
        assert d["reviewed"] == 2 and d["undo"] == 0  # the old version's edits are history, not undoable
        history = r.con.execute("SELECT action, undone FROM edits WHERE doc_id = 1 ORDER BY id").fetchall()
        assert history[-1] == ("revised", 2) and len(history) == 5
        people = dict(r.con.execute("SELECT review, reviewed_by FROM pairs WHERE review != 'automatic'"))
        assert people == {"confirmed": "ana", "corrected": "ana"}
        by = {row[0] for row in r.con.execute("SELECT added_by FROM pairs WHERE doc_id = 1")}
        assert by == {"ana", "ben"}  # pairs of unchanged texts keep who first stored them
        moved = r.search("Everyone is entitled to all the rights and freedoms", k=1, lang="en")
        assert moved and moved[0].translation.startswith("人人有资格享有本宣言所载的一切权利和自由")


def test_rebuild_keeps_corrections_of_unchanged_documents(built, tmp_path):
    docs = tmp_path / "docs"
    shutil.copytree(built / "docs", docs)
    build([docs], tmp_path / "store")
    s = Store.open(tmp_path / "store")
    b = [x for x in s.document(1)["beads"] if x["src"] and x["tgt"]]
    s.edit(1, {"action": "confirm", "src": b[2]["src"], "tgt": b[2]["tgt"]})
    s.close()
    rep = build([docs], tmp_path / "store")
    assert rep.unchanged_documents == 1 and rep.dropped_reviews == 0 and not rep.revisions
    with Store.open(tmp_path / "store", readonly=True) as r:
        assert r.documents()[0]["reviewed"] == 1


def test_a_document_stored_without_sentences_is_aligned_again_by_the_next_build(built, tmp_path):
    shutil.copytree(built / "docs", tmp_path / "b" / "docs")
    build([tmp_path / "b" / "docs"], tmp_path / "b" / "store")
    with Store.open(tmp_path / "b" / "store") as s:  # as a tmbuild before review left it
        with s.con:
            s.con.execute("DELETE FROM sentences")
            s.con.execute("UPDATE pairs SET src_ids = NULL, tgt_ids = NULL")
            s.con.execute("UPDATE documents SET src_lang = NULL, tgt_lang = NULL")
        assert not s.documents()[0]["reviewable"]
    rep = build([tmp_path / "b" / "docs"], tmp_path / "b" / "store")
    assert rep.replaced_documents == 1 and any("aligned again" in n for n in rep.notes)
    with Store.open(tmp_path / "b" / "store") as s:
        assert s.documents()[0]["reviewable"]
    rep = build([tmp_path / "b" / "docs"], tmp_path / "b" / "store")
    assert rep.unchanged_documents == 1


def test_documents_without_sentences_show_their_pairs_and_refuse_edits(tmp_path, store_dir):
    with Store.open(store_dir, readonly=True) as s:
        export_tmx(s, tmp_path / "x.tmx")
    from corpus.transfer import import_tmx

    import_tmx(tmp_path / "t", tmp_path / "x.tmx")
    with Store.open(tmp_path / "t") as t:
        [info] = t.documents()
        assert not info["reviewable"] and info["unaligned_src"] is None
        doc = t.document(info["id"])
        assert "beads" not in doc and len(doc["pairs_only"]) == info["pairs"]
        with pytest.raises(EditError, match="build it again"):
            t.edit(info["id"], {"action": "confirm", "src": [0], "tgt": [0]})
    assert json.dumps(doc)  # what the web API sends


def test_a_sentence_edited_in_review_is_searched_exported_undone_and_survives_a_revision(built, tmp_path):
    docs = tmp_path / "docs"
    shutil.copytree(built / "docs", docs)
    build([docs], tmp_path / "store")
    s = Store.open(tmp_path / "store")
    d = s.document(1)
    bead = _bead_of(d, "tgt", "Everyone has the right to life")
    j = bead["tgt"][0]
    with pytest.raises(EditError, match="unchanged"):
        s.edit(1, {"action": "text", "side": "tgt", "sentence": j, "text": d["sentences"]["tgt"][j]["text"]})
    with pytest.raises(EditError, match="cannot be empty"):
        s.edit(1, {"action": "text", "side": "tgt", "sentence": j, "text": "  \n "})
    d = s.edit(1, {"action": "text", "side": "tgt", "sentence": j,
                   "text": "Everyone has the  right to life, liberty and security of the person.\n"})
    assert d["sentences"]["tgt"][j]["text"] == "Everyone has the right to life, liberty and security of the person."
    after = next(b for b in d["beads"] if j in b["tgt"])
    assert after["review"] == "corrected" and after["src"] == bead["src"] and d["undo"] == 1
    assert after["pair"] == bead["pair"]  # the same pair, its links still right
    for mode in ("auto", "semantic"):
        hit = s.lookup("liberty and security of the person", k=1, lang="en", mode=mode).hits[0]
        assert hit.text == "Everyone has the right to life, liberty and security of the person.", mode
    assert s.lookup("人人有权享有生命、自由和人身安全", k=1).hits[0].translation.endswith("security of the person.")
    assert not s.check()
    export_tmx(s, tmp_path / "edited.tmx")
    assert any(u.variants[1][1].endswith("security of the person.") for u in read_tmx(tmp_path / "edited.tmx")[1])
    d = s.undo(1)
    assert d["sentences"]["tgt"][j]["text"] == "Everyone has the right to life, liberty and the security of person."
    assert next(b for b in d["beads"] if j in b["tgt"])["review"] == "automatic" and not s.check()
    assert s.con.execute("SELECT COUNT(*) FROM sentences WHERE original IS NOT NULL").fetchone()[0] == 0
    s.edit(1, {"action": "text", "side": "tgt", "sentence": j, "text": "Everyone has the right to life."})
    s.close()
    rep = build([docs], tmp_path / "store")  # the file is unchanged: the edit stays, nothing is aligned again
    assert rep.unchanged_documents == 1
    zh = docs / "cmn_hans.html"
    zh.write_text(zh.read_text(encoding="utf-8").replace("<p>人人生而自由", "<p>人人生而自由、"), encoding="utf-8")
    rep = build([docs], tmp_path / "store")  # a revision elsewhere: the edited bead is recognised and kept
    assert [r.summary() for r in rep.revisions] == ["cmn_hans.html: 1 reviewed beads kept, 0 dropped"]
    with Store.open(tmp_path / "store", readonly=True) as r:
        d = r.document(1)
        k = next(i for i, x in enumerate(d["sentences"]["tgt"]) if x["text"] == "Everyone has the right to life.")
        assert r.con.execute("SELECT original FROM sentences WHERE doc_id = 1 AND side = 'tgt' AND idx = ?",
                             (k,)).fetchone()[0].endswith("the security of person.")
        assert r.search("人人有权享有生命、自由和人身安全", k=1)[0].translation == "Everyone has the right to life."
