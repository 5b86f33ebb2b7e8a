"""Lookup: each kind of match against a brute-force reference, ranking, spans and phrase renderings."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
from conftest import edit

from align.embed import get_embedder
from align.embed.base import signature
from align.model import TranslationUnit
from corpus.store import Hit, Store, lexical, normalise_text, rank
from corpus.store.matching import Fuzzy, find_spans, mark, normalised_with_offsets, tokens
from corpus.store.phrases import guess_renderings
from corpus.store.store import COUNT_CAP

HAN = [chr(0x4E00 + 37 * i) for i in range(160)]  # 160 CJK characters, spread over the block
SYLLABLES = ["ka", "lo", "mi", "ten", "sor", "ul", "ve", "dra", "nis", "po", "gar", "e", "th", "qu", "ix"]


def _zh(rng: random.Random) -> str:
    n = rng.randint(3, 40)
    chars = [rng.choice(HAN[: rng.choice((20, 160))]) for _ in range(n)]
    if n > 8:
        chars.insert(rng.randrange(n), rng.choice("，、"))
    return "".join(chars) + "。"


def _en(rng: random.Random, vocab: list[str]) -> str:
    words = [rng.choice(vocab) for _ in range(rng.randint(2, 24))]
    if len(words) > 4:
        words[rng.randrange(len(words))] += ","
    return " ".join(words).capitalize() + "."


def _seeded_pairs(seed: int = 7, n: int = 1500) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    vocab = sorted({"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4))) for _ in range(400)})
    pairs: list[tuple[str, str]] = []
    for _ in range(n):
        if pairs and rng.random() < 0.3:  # near-duplicates of earlier segments, as a memory has them
            z, e = rng.choice(pairs)
            pairs.append((edit(z, rng, False, HAN), edit(e, rng, True, vocab)))
        else:
            pairs.append((_zh(rng), _en(rng, vocab)))
    return pairs


def _store(path, pairs, docs: int = 5, embedder=None) -> Store:
    """A store of ``pairs`` in ``docs`` documents: random vectors, or ``embedder``'s."""
    rng = np.random.default_rng(0)
    s = (Store.create(path, signature(embedder), embedder.name, embedder.dim) if embedder
         else Store.create(path, "fake@1", "fake", 8))
    per = -(-len(pairs) // docs)
    for d in range(docs):
        chunk = pairs[d * per:(d + 1) * per]
        if embedder:
            vz, ve = embedder.encode([z for z, _ in chunk]), embedder.encode([e for _, e in chunk])
        else:
            vz = rng.standard_normal((len(chunk), 8)).astype(np.float32)
            vz /= np.linalg.norm(vz, axis=1, keepdims=True)
            ve = vz
        units = [TranslationUnit(z, e, doc=f"D{d}", bead=i) for i, (z, e) in enumerate(chunk)]
        s.add_document(f"doc{d}", "h", units, vz, ve)
    return s


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    pairs = _seeded_pairs()
    s = _store(tmp_path_factory.mktemp("lookup") / "s", pairs)
    rows = s.con.execute("SELECT id, src_norm, tgt_norm FROM pairs").fetchall()
    yield s, pairs, rows
    s.close()


def _concordance_queries(rows, rng: random.Random, col: int, n: int = 80) -> list[str]:
    out = []
    for _ in range(n):
        text = rng.choice(rows)[col]
        size = rng.choice((1, 2, 2, 3, 4, 6, 10))
        at = rng.randrange(max(1, len(text) - size))
        out.append(text[at:at + size])
    return out + ["，", "zz", "e", "not there at all", "一丁"]


@pytest.mark.parametrize("side, col", [("src", 1), ("tgt", 2)])
def test_concordance_finds_every_segment_a_substring_scan_finds(seeded, side, col):
    s, _, rows = seeded
    rng = random.Random(side)
    checked = 0
    for q in _concordance_queries(rows, rng, col):
        norm = normalise_text(q)
        if not norm:
            continue
        truth = {r[0] for r in rows if norm in r[col]}
        count, ids = lexical.containing(s.con, side, norm, limit=None)
        assert set(ids) == truth and count == len(truth), q
        # the store's answer: the same count (up to its cap), and the query upper-cased finds the same segments
        assert s.lookup(q.upper(), k=5, lang="zh" if side == "src" else "en", mode="concordance",
                        renderings=False).counts["concordance"] == min(len(truth), COUNT_CAP)
        checked += bool(truth)
    assert checked > 60


@pytest.mark.parametrize("side, col, lang", [("src", 1, "zh"), ("tgt", 2, "en")])
def test_sentence_long_concordance_from_the_token_lists_matches_a_scan(seeded, side, col, lang, monkeypatch):
    s, _, rows = seeded
    by_fts = []
    real = lexical.containing
    monkeypatch.setattr(lexical, "containing", lambda *a, **kw: by_fts.append(a) or real(*a, **kw))
    rng = random.Random(side + "long")
    for _ in range(60):
        text = rng.choice(rows)[col]
        size = rng.randint(12, 40) if lang == "zh" else rng.randint(50, 140)  # 8 tokens and more, mostly
        at = rng.randrange(max(1, len(text) - size))
        norm = normalise_text(text[at:at + size])  # cut anywhere, words included
        truth = sorted((r[0] for r in rows if norm in r[col]), reverse=True)
        assert s._containing(side, norm, 10_000, lang) == (min(len(truth), COUNT_CAP), truth), norm
    assert len(by_fts) < 20  # most were answered from the token lists


def test_concordance_orders_the_closest_segments_first_and_marks_the_query(seeded):
    s, _, rows = seeded
    q = rows[10][2].split()[0]
    found = s.lookup(q.upper(), k=20, lang="en", mode="concordance", renderings=False)
    lengths = [len(tokens(normalise_text(h.text), "en")) for h in found.hits if h.kind == "concordance"]
    assert lengths == sorted(lengths) and len(lengths) > 5  # the shortest (in words) first
    for h in found.hits:
        assert h.spans and all(normalise_text(h.text[a:b]) == normalise_text(q) for a, b in h.spans)


def test_reading_only_the_shortest_concordance_hits_gives_the_answer_of_reading_them_all(tmp_path, monkeypatch):
    """Without renderings a lookup reads the rows of the shortest concordance hits only, batch by batch (the
    fuzzy index's lengths); the answer must be that of ranking every hit, duplicates, Traditional script,
    removed pairs and pairs added since the index's base was written included."""
    rng = random.Random(5)
    pairs = _seeded_pairs(seed=11, n=700)
    pairs += [rng.choice(pairs) for _ in range(300)]  # identical pairs, in several documents
    pairs = [(z.translate(str.maketrans("一丁", "壹釘")) if i % 7 == 0 else z, e) for i, (z, e) in enumerate(pairs)]
    rng.shuffle(pairs)
    s = _store(tmp_path / "s", pairs, docs=4)
    s.delete_document("doc1")
    more = _seeded_pairs(seed=12, n=120)
    s.add_document("late", "h", [TranslationUnit(z, e, doc="L", bead=i) for i, (z, e) in enumerate(more)],
                   np.ones((len(more), 8), np.float32) / 8 ** 0.5, np.ones((len(more), 8), np.float32) / 8 ** 0.5)
    assert len(s.token_index("src").delta().seg_ids) and len(s.token_index("src").dead)
    rows = s.con.execute("SELECT id, src_norm, tgt_norm FROM pairs").fetchall()
    queries = [(q, "zh") for q in _concordance_queries(rows, rng, 1, 60)] + [
        (q, "en") for q in _concordance_queries(rows, rng, 2, 60)]
    unit = np.ones(8, np.float32) / 8 ** 0.5
    read = []
    real = s._rows
    monkeypatch.setattr(s, "_rows", lambda side, other, ids: read.append(len(ids)) or real(side, other, ids))
    pruned = {}
    for q, lang in queries:
        for k, mode in ((1, "concordance"), (5, "concordance"), (10, "auto"), (40, "concordance")):
            pruned[q, lang, k, mode] = s.lookup(q, k=k, lang=lang, mode=mode, renderings=False, vector=unit)
    pruned_reads = sum(read)
    read.clear()
    monkeypatch.setattr(s, "_by_length", lambda side, ids, size: [])  # every hit read at once
    for (q, lang, k, mode), got in pruned.items():
        want = s.lookup(q, k=k, lang=lang, mode=mode, renderings=False, vector=unit)
        assert got.counts == want.counts
        assert [(h.pair_id, h.kind, h.count, h.documents, h.spans) for h in got.hits] == [
            (h.pair_id, h.kind, h.count, h.documents, h.spans) for h in want.hits], (q, k, mode)
    assert pruned_reads < sum(read) / 3  # and it read far fewer rows
    s.close()


@pytest.mark.parametrize("side, lang, col", [("src", "zh", 1), ("tgt", "en", 2)])
def test_fuzzy_matches_are_those_of_a_brute_force_edit_distance_scan(seeded, side, lang, col):
    s, pairs, rows = seeded
    rng = random.Random(lang)
    missed = total = 0
    for _ in range(40):
        base = rng.choice(pairs)[0 if side == "src" else 1]
        q = edit(base, rng, lang == "en", HAN if lang == "zh" else base.split())
        fz = Fuzzy(q, lang)
        truth = {r[0] for r in rows if fz.score(r[col], cutoff=70) >= 70}
        got = {i for i, _ in s._fuzzy(side, fz, 70.0)}
        assert got <= truth
        missed += len(truth - got)
        total += len(truth)
    assert total > 40 and missed == 0


def test_exact_matches_come_first_whatever_the_case_and_spacing(seeded):
    s, pairs, _ = seeded
    en = pairs[3][1]
    found = s.lookup("  " + en.upper().replace(" ", "   ") + " ", k=3, lang="en", vector=np.ones(8, np.float32))
    assert found.hits[0].kind == "exact" and found.hits[0].text == en and found.hits[0].fuzzy == 100.0


def test_semantic_neighbours_below_the_floor_are_dropped(seeded):
    s, _, _ = seeded
    v = np.zeros(8, np.float32)
    v[0] = 1.0
    hits = s.search("qqqq", k=50, lang="en", vector=v, mode="semantic", min_similarity=0.5)
    assert hits and all(h.kind == "semantic" and h.similarity >= 0.5 for h in hits)
    assert len(s.search("qqqq", k=50, lang="en", vector=v, mode="semantic", min_similarity=-1)) == 50


def test_results_are_the_same_after_a_repair(tmp_path):
    pairs = _seeded_pairs(seed=3, n=300)
    s = _store(tmp_path / "s", pairs)
    queries = [pairs[5][0][:3], pairs[9][1].split()[1], pairs[20][1], pairs[40][0][:2]]
    v = np.ones(8, np.float32) / np.sqrt(8)

    def answers(store):
        return [[h.as_dict() for h in store.lookup(q, k=15, vector=v, renderings=False).hits] for q in queries]

    before = answers(s)
    s.con.execute("INSERT INTO lex(lex) VALUES ('delete-all')")  # a lexical index that lost everything
    s.con.execute("INSERT INTO lex_short(lex_short) VALUES ('delete-all')")
    s.con.commit()
    assert answers(s) != before
    s.close()
    with Store.open(tmp_path / "s") as s2:
        assert any("repaired the lexical index" in n for n in s2.notes)
        assert answers(s2) == before
        s2.repair()
        assert answers(s2) == before
        assert lexical.integrity_problem(s2.con) is None


def test_the_index_follows_replaced_and_deleted_documents(tmp_path):
    s = _store(tmp_path / "s", _seeded_pairs(seed=4, n=200), docs=2)
    s.add_document("doc0", "h2", [TranslationUnit("全新的句子在这里。", "A brand new sentence here.")],
                   np.ones((1, 8), np.float32), np.ones((1, 8), np.float32))
    assert lexical.containing(s.con, "tgt", "brand new", None)[0] == 1
    assert lexical.containing(s.con, "src", "全新", None)[0] == 1
    fuzzy = s.lookup("A brand new sentence there.", lang="en", mode="fuzzy", renderings=False).hits
    assert [h.text for h in fuzzy] == ["A brand new sentence here."] and fuzzy[0].kind == "fuzzy"
    s.delete_document("doc0")
    assert lexical.containing(s.con, "tgt", "brand new", None)[0] == 0
    assert lexical.containing(s.con, "src", "全新", None)[0] == 0
    assert s.lookup("A brand new sentence there.", lang="en", mode="fuzzy", renderings=False).hits == []
    assert lexical.integrity_problem(s.con) is None and lexical.sample_agrees(s.con, 50)
    s.close()


# ------------------------------------------------------------ pure parts


def _hit(i, kind, text="t", translation="u", sim=None, fuzzy=0.0, doc="D"):
    return Hit(i, kind, text, translation, sim, fuzzy, 0.9, doc, "src", 0, "1-1")


def test_ranking_puts_kinds_in_cat_order_and_collapses_identical_pairs():
    cands = [
        _hit(1, "semantic", "a", sim=0.9), _hit(2, "fuzzy", "b", fuzzy=80), _hit(3, "concordance", "c x", fuzzy=40),
        _hit(4, "exact", "d"), _hit(5, "semantic", "e", sim=0.2), _hit(6, "fuzzy", "f", fuzzy=95),
        _hit(7, "concordance", "C  X", fuzzy=40, doc="E"),  # the same pair as 3 in another document
        _hit(2, "semantic", "b", sim=0.7),  # found twice: listed once, under its first kind, with its cosine
    ]
    out = rank(cands, k=10, min_similarity=0.3)
    assert [h.pair_id for h in out] == [4, 3, 6, 2, 1]
    assert out[1].count == 2 and out[1].documents == ("D", "E")
    assert out[3].kind == "fuzzy" and out[3].similarity == 0.7
    assert [h.pair_id for h in rank(cands, k=2)] == [4, 3]


def test_labels_follow_cat_conventions():
    """A percentage for exact and fuzzy matches only: a concordance hit's share of a long segment is no match
    percentage ("contains"), unless the segment is a fuzzy match too; a semantic neighbour gives its cosine."""
    labels = {h.pair_id: (h.label, h.match) for h in [
        _hit(1, "exact"), _hit(2, "fuzzy", fuzzy=86.4), _hit(3, "concordance", fuzzy=6.0),
        _hit(4, "concordance", fuzzy=94.1), _hit(5, "semantic", sim=0.617), _hit(6, "semantic")]}
    assert labels == {1: ("100%", 100.0), 2: ("86%", 86.4), 3: ("contains", None), 4: ("94%", 94.1),
                      5: ("similar 0.62", None), 6: ("similar", None)}
    strict = replace(_hit(4, "concordance", fuzzy=94.1), min_match=95.0)  # --min-match 95
    assert (strict.label, strict.match) == ("contains", None)
    d = _hit(3, "concordance", fuzzy=6.0).as_dict()
    assert d["label"] == "contains" and d["match"] is None and "min_match" not in d


def test_spans_are_found_in_the_original_text_through_normalisation():
    text = "The  ＵＮ  Security\u00a0Council and the un"
    norm, where = normalised_with_offsets(text)
    assert norm == normalise_text(text)
    assert [text[a:b] for a, b in find_spans(text, "un")] == ["ＵＮ", "un", "un"]  # Co[un]cil: a substring
    assert [text[a:b] for a, b in find_spans(text, "security council")] == ["Security\u00a0Council"]
    assert mark("有罪不罚文化", find_spans("有罪不罚文化", "有罪不罚")) == "[有罪不罚]文化"


FIXTURE = [  # made-up sentences in the manner of UN text
    ("必须结束有罪不罚现象。", "Impunity must end."),
    ("打击有罪不罚是安理会的优先事项。", "Combating impunity is a priority of the Council."),
    ("有罪不罚文化助长了暴力。", "A culture of impunity fuels violence."),
    ("有罪不罚的问题仍然存在。", "The problem of impunity remains."),
    ("安理会通过了决议。", "The Council adopted the resolution."),
    ("大会审议了秘书长的报告。", "The General Assembly considered the report of the Secretary-General."),
    ("秘书长的报告已经分发。", "The report of the Secretary-General has been circulated."),
    ("暴力事件有所减少。", "Incidents of violence have decreased."),
]


@pytest.fixture(scope="module")
def use_m3():
    return get_embedder("use-m3")


def test_renderings_of_a_phrase_are_listed_and_marked(tmp_path, use_m3):
    s = _store(tmp_path / "s", FIXTURE, docs=1, embedder=use_m3)
    found = s.lookup("有罪不罚", k=10)
    assert found.renderings[0] == ("impunity", 4)
    conc = [h for h in found.hits if h.kind == "concordance"]
    assert len(conc) == 4
    for h in conc:
        assert [h.translation[a:b].lower() for a, b in h.translation_spans] == ["impunity"]
        assert [h.text[a:b] for a, b in h.spans] == ["有罪不罚"]
    back = s.lookup("report of the Secretary-General", k=10)
    assert back.renderings[0][0] == "秘书长的报告" and back.renderings[0][1] == 2
    s.close()


def test_a_store_lookup_labels_each_kind_as_a_cat_tool_would(tmp_path, use_m3):
    s = _store(tmp_path / "s", FIXTURE, docs=1, embedder=use_m3)

    def first(q, **kw):
        h = s.lookup(q, k=3, **kw).hits[0]
        return h.kind, h.label

    assert first("安理会通过了决议。") == ("exact", "100%")
    assert first("安理会通过了该决议。") == ("fuzzy", "90%")  # 9 of 10 characters
    assert first("有罪不罚") == ("concordance", "contains")  # 4 of 11 characters: no 36% match
    # the sentence without its full stop: it contains the query, and is a 10/11 = 91% match
    assert first("必须结束有罪不罚现象") == ("concordance", "91%")
    assert first("必须结束有罪不罚现象", min_fuzzy=95) == ("concordance", "contains")
    kind, label = first("暴力事件减少了", mode="semantic")
    assert kind == "semantic" and re.fullmatch(r"similar 0\.\d\d", label)
    s.close()
    r = subprocess.run([sys.executable, "-m", "corpus", "search", "--store", str(tmp_path / "s"), "必须结束有罪不罚现象",
                        "-k", "1"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert re.search(r"^ 1\. concordance +91% ", r.stdout, re.M), r.stdout


def test_guess_renderings_without_a_store():
    translations = ["Impunity must end.", "A culture of impunity fuels violence.", "We reject impunity."]
    guess = guess_renderings("有罪不罚", translations, "en", lambda xs: {x: 3 if x == "impunity" else 50 for x in xs})
    assert guess.renderings == [("impunity", 3)] and guess.chosen == ["impunity"] * 3


def test_search_command_marks_spans_and_prints_renderings_and_json(tmp_path, use_m3):
    s = _store(tmp_path / "s", FIXTURE, docs=1, embedder=use_m3)
    s.close()
    cmd = [sys.executable, "-m", "corpus", "search", "--store", str(tmp_path / "s"), "有罪不罚", "--mode",
           "concordance"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "found: 4 concordance" in r.stdout and "translations: impunity (4)" in r.stdout
    assert "[有罪不罚]文化助长了暴力。" in r.stdout and "-> A culture of [impunity] fuels violence." in r.stdout
    r = subprocess.run([*cmd, "--json"], capture_output=True, text=True, timeout=120)
    out = json.loads(r.stdout)
    assert out["counts"]["concordance"] == 4 and out["renderings"][0] == {"text": "impunity", "count": 4}
    assert {h["kind"] for h in out["hits"]} == {"concordance"} and all(h["document"] for h in out["hits"])


def test_check_finds_damaged_indexes_and_repair_restores_the_same_answers(tmp_path):
    pairs = _seeded_pairs(seed=5, n=400)
    s = _store(tmp_path / "s", pairs)
    v = np.ones(8, np.float32) / np.sqrt(8)
    queries = [pairs[7][0][:2], pairs[8][1].split()[0], pairs[30][1]]
    before = [[h.as_dict() for h in s.lookup(q, k=10, vector=v, renderings=False).hits] for q in queries]
    s.close()
    check = [sys.executable, "-m", "corpus", "check", "--store", str(tmp_path / "s")]
    r = subprocess.run(check, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "ok (5 documents, 400 pairs" in r.stdout, r.stdout + r.stderr
    import sqlite3

    con = sqlite3.connect(tmp_path / "s" / "store.sqlite")
    con.execute("INSERT INTO lex(lex) VALUES ('delete-all')")
    con.commit()
    con.close()
    state = json.loads((tmp_path / "s" / "index.json").read_text())
    state["ids"][2] += 1  # an index that says it holds other pairs
    (tmp_path / "s" / "index.json").write_text(json.dumps(state))
    tokens = tmp_path / "s" / "tokens-tgt.base"
    data = bytearray(tokens.read_bytes())
    data[-200:-100] = bytes(100)  # posting bytes lost
    tokens.write_bytes(bytes(data))
    r = subprocess.run(check, capture_output=True, text=True, timeout=120)
    assert r.returncode == 1
    assert "lexical index: does not match the pairs" in r.stdout and "vector index" in r.stdout
    assert "fuzzy index: tokens-tgt.base: bytes of" in r.stdout
    assert "--repair rebuilds the indexes" in r.stderr
    r = subprocess.run([*check, "--repair"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "rebuilt the lexical index, the fuzzy index and the vector indexes" in r.stderr
    assert subprocess.run(check, capture_output=True, text=True, timeout=120).returncode == 0
    with Store.open(tmp_path / "s", readonly=True) as s2:
        assert [[h.as_dict() for h in s2.lookup(q, k=10, vector=v, renderings=False).hits] for q in queries] == before
