"""One Chinese whatever the script: Simplified, Traditional and variant characters are one text to exact,
concordance and fuzzy matching (checked against a brute-force scan of the canonical forms, with queries in
the other script), spans are marked in the stored original, renderings merge across scripts, and a store
written before this normal form is brought up to date on its first writable open."""

from __future__ import annotations

import random
import sqlite3

import numpy as np
import pytest
from conftest import SAMPLES, edit

from align.model import TranslationUnit
from corpus.chinese import canonical, canonical_table, to_simplified, traditional_only
from corpus.store import Store, lexical, normalise_text
from corpus.store.matching import Fuzzy, find_spans
from corpus.store.store import COUNT_CAP


def _traditional(text: str) -> str:
    from corpus.chinese import _converter

    return _converter("s2t").convert(text)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory, unpc_pairs):
    """unpc-dev's pairs in a store, the Chinese of every other document in Traditional script (random vectors:
    no embedder is needed to match text)."""
    rng = np.random.default_rng(3)
    s = Store.create(tmp_path_factory.mktemp("scripts") / "s", "fake@1", "fake", 8)
    pairs = unpc_pairs[:1200]
    for d in range(12):
        chunk = pairs[d * 100:(d + 1) * 100]
        if d % 2:
            chunk = [(_traditional(z), e) for z, e in chunk]
        v = rng.standard_normal((len(chunk), 8)).astype(np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        s.add_document(f"doc{d}", "h", [TranslationUnit(z, e, doc=f"D{d}", bead=i) for i, (z, e) in
                                        enumerate(chunk)], v, v)
    rows = s.con.execute("SELECT id, src_text FROM pairs").fetchall()
    yield s, rows
    s.close()


def _canon(text: str) -> str:
    """The brute-force reference's form: every character converted on its own, by OpenCC, after NFKC and
    case folding (not through the store)."""
    return normalise_text(text)


def test_the_canonical_form_is_character_for_character_and_idempotent():
    table = canonical_table()
    assert canonical("安全理事會") == "安全理事会" and canonical("人權") == "人权" and canonical("有罪不罰") == "有罪不罚"
    assert canonical("著作") == "著作" and canonical("什么") == "什么"  # everyday Simplified characters stay
    for k, v in table.items():
        assert len(v) == 1 and canonical(v) == v, (chr(k), v)  # one pass reaches the end of every chain
    sample = (SAMPLES / "udhr" / "cmn_hant.html").read_text(encoding="utf-8")
    assert len(canonical(sample)) == len(sample)
    assert traditional_only("人權") and not traditional_only("人权")


def test_the_udhr_in_both_scripts_is_one_text():
    hans = (SAMPLES / "udhr" / "cmn_hans.html").read_text(encoding="utf-8")
    hant = (SAMPLES / "udhr" / "cmn_hant.html").read_text(encoding="utf-8")
    assert canonical(to_simplified(hant)) == canonical(hant)  # the character form agrees with OpenCC's t2s here
    assert "人人有权享有生命、自由和人身安全" in canonical(hans) and "人人有权享有生命、自由和人身安全" in canonical(hant)


def test_concordance_in_either_script_finds_every_segment_a_canonical_scan_finds(mixed):
    s, rows = mixed
    rng = random.Random(5)
    canon = {i: _canon(t) for i, t in rows}
    checked = 0
    for _ in range(120):
        text = rng.choice(rows)[1]
        size = rng.choice((1, 2, 2, 3, 4, 5, 8, 12))
        at = rng.randrange(max(1, len(text) - size))
        q = text[at:at + size]
        q = _traditional(q) if rng.random() < 0.5 else to_simplified(q)  # either script, whatever the segment's
        norm = normalise_text(q)
        if not norm.strip():
            continue
        truth = {i for i, c in canon.items() if norm in c}
        count, ids = lexical.containing(s.con, "src", norm, limit=None)
        assert set(ids) == truth and count == len(truth), q
        found = s.lookup(q, k=5, lang="zh", mode="concordance", renderings=False)
        assert found.counts["concordance"] == min(len(truth), COUNT_CAP), q
        for h in found.hits:  # the query marked in the stored original, whatever its script
            assert h.spans and all(_canon(h.text[a:b]) == norm for a, b in h.spans), (q, h.text)
        checked += bool(truth - {i for i, t in rows if q in t})  # found only across the scripts
    assert checked > 30


def test_exact_and_fuzzy_matches_across_scripts_are_those_of_a_canonical_scan(mixed):
    s, rows = mixed
    rng = random.Random(6)
    canon = {i: _canon(t) for i, t in rows}
    hanzi = sorted({c for _, t in rows for c in t if "\u4e00" <= c <= "\u9fff"})
    exact_checked = missed = total = 0
    for _ in range(40):
        i, text = rng.choice(rows)
        other = to_simplified(text) if traditional_only(text) else _traditional(text)
        truth = {j for j, c in canon.items() if c == canon[i]}
        got = {r[0] for r in s.con.execute("SELECT id FROM pairs WHERE src_norm=?", (normalise_text(other),))}
        found = s.lookup(other, k=50, lang="zh", mode="fuzzy", renderings=False)
        assert got == truth and found.counts["exact"] == len(truth) and found.hits[0].kind == "exact", other
        exact_checked += other != text
        q = edit(other, rng, False, hanzi)
        fz = Fuzzy(q, "zh")
        truth = {j for j, c in canon.items() if fz.score(c, cutoff=70) >= 70}
        got = {j for j, _ in s._fuzzy("src", fz, 70.0)}
        assert got <= truth
        missed += len(truth - got)
        total += len(truth)
    assert exact_checked > 30 and total > 40 and missed == 0


def test_a_traditional_query_is_shown_the_traditional_segment_first(tmp_path, use_m3):
    from corpus.build import build

    build([SAMPLES / "udhr"], tmp_path / "s", use_m3)
    with Store.open(tmp_path / "s", readonly=True) as s:
        for q, want_hant in (("人人有權享有生命、自由和人身安全。", True), ("人人有权享有生命、自由和人身安全。", False)):
            found = s.lookup(q, k=3)
            first = found.hits[0]
            assert first.kind == "exact" and first.count == 2 and traditional_only(first.text) == want_hant
        hans = sum("安全" in h for h in (SAMPLES / "udhr" / "cmn_hans.html").read_text(encoding="utf-8").split("。"))
        assert s.lookup("安全", k=50, mode="concordance").counts["concordance"] >= 2 * min(hans, 1) > 0
        found = s.lookup("human rights", k=20)
        assert found.renderings[0] == ("人权", 14)  # 人权 (7) and 人權 (7), one rendering
        found = s.lookup("人權", k=20)
        assert found.renderings[0][0] == "human rights" and found.counts["concordance"] == 14


def test_a_store_of_an_earlier_normal_form_is_brought_up_to_date(tmp_path, use_m3):
    from corpus.build import build

    store = tmp_path / "s"
    build([SAMPLES / "udhr"], store, use_m3)
    con = sqlite3.connect(store / "store.sqlite")  # as the earlier tmbuild left it: Traditional as written
    lexical.register(con)
    from corpus.store import matching

    old = [(matching.SPACE.sub(" ", __import__("unicodedata").normalize("NFKC", z)).strip().casefold(), i)
           for i, z in con.execute("SELECT id, src_text FROM pairs")]
    with con:
        con.executemany("UPDATE pairs SET src_norm=? WHERE id=?", old)
    con.close()
    for f in store.glob("tokens-*"):
        f.unlink()
    Store.open(store).close()  # its fuzzy index rebuilt from those forms, as the earlier tmbuild kept it
    con = sqlite3.connect(store / "store.sqlite")
    with con:
        con.execute("DELETE FROM meta WHERE key='normal_form'")
    con.close()
    with Store.open(store, readonly=True) as s:
        assert any("earlier tmbuild" in n for n in s.notes)
        assert s.check() == []  # an old normal form is not damage
    with Store.open(store) as s:
        assert any(n.startswith("normalised the text of 9") for n in s.notes), s.notes  # of 99 Traditional
        assert s.lookup("人权", k=20, mode="concordance").counts["concordance"] == 14
        assert s.check() == []
    with Store.open(store) as s:
        assert not any("anew" in n for n in s.notes)


def test_spans_are_marked_in_the_original_script():
    assert find_spans("世界人權宣言", normalise_text("人权")) == [(2, 4)]
    assert find_spans("世界人权宣言", normalise_text("人權")) == [(2, 4)]
