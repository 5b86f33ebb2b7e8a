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
from corpus.review import Bead, EditError, StaleEdit, apply_edit, check_cover, cover
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


def test_rebuild_keeps_corrections_of_unchanged_documents_and_counts_dropped_ones(built, tmp_path):
    docs = tmp_path / "docs"
    shutil.copytree(built / "docs", docs)
    build([docs], tmp_path / "store")
    s = Store.open(tmp_path / "store")
    b = [x for x in s.document(1)["beads"] if x["src"] and x["tgt"]]
    s.edit(1, {"action": "confirm", "src": b[2]["src"], "tgt": b[2]["tgt"]})
    s.close()
    rep = build([docs], tmp_path / "store")
    assert rep.unchanged_documents == 1 and rep.dropped_reviews == 0
    with Store.open(tmp_path / "store", readonly=True) as r:
        assert r.documents()[0]["reviewed"] == 1
    eng = docs / "eng.html"
    eng.write_text(eng.read_text(encoding="utf-8").replace("</body>", "<p>One more paragraph.</p></body>"),
                   encoding="utf-8")
    rep = build([docs], tmp_path / "store")
    assert rep.replaced_documents == 1 and rep.dropped_reviews == 1
    assert "1 reviewed pairs of changed documents dropped" in rep.summary()
    with Store.open(tmp_path / "store", readonly=True) as r:
        assert [(d["id"], d["reviewed"]) for d in r.documents()] == [(1, 0)]  # the same number, aligned anew


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
