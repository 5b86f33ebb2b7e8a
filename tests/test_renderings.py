"""Renderings a translator can quote: on a store of unpc-dev's 1,982 real pairs, the term list's first
renderings are its references, no rendering's span cuts a word on either side, sentences get none, weak
evidence gives none, and numbers meet their forms."""

from __future__ import annotations

import sys

import pytest
import regex
from conftest import ROOT, SAMPLES, shared

from corpus.store import Store
from corpus.store.phrases import _dictionary_words, _jieba

sys.path.insert(0, str(ROOT / "scripts"))


@pytest.fixture(scope="module")
def dev(tmp_path_factory, use_m3):
    shared("data", "unpc-dev")
    from bench_lookup import dev_store

    s = dev_store(tmp_path_factory.mktemp("renderings") / "s", use_m3)
    yield s
    s.close()


def _terms():
    from bench_lookup import load_terms

    return load_terms()


def _cuts_a_word(text: str, a: int, b: int) -> str | None:
    """Why the span [a, b) of ``text`` cuts a word, or None: an English word or a number continues across
    either end; a Chinese word of jieba's accurate segmentation (two characters or more) is cut at either end;
    a number's measure word (31日, 第16条) is cut off it."""
    def word_across(x: str, y: str) -> bool:  # letters or digits on both sides, neither of them Chinese
        return bool(regex.match(r"\w", x) and regex.match(r"\w", y) and not regex.search(r"\p{Han}", x + y))

    if a > 0 and word_across(text[a - 1], text[a]):
        return f"starts inside a word: {text[max(0, a - 10):b]!r}"
    if b < len(text) and word_across(text[b - 1], text[b]):
        return f"ends inside a word: {text[a:b + 10]!r}"
    for m in regex.finditer(r"第?[0-9]+[年月日时次段条届号]", text):
        if m.start() < a < m.end() or m.start() < b < m.end():
            return f"cuts the number {m.group()!r}: {text[a:b]!r}"
    if regex.search(r"\p{Han}", text[a:b]):
        at = 0
        for w in _jieba().cut(text, HMM=True):
            start, end = at, at + len(w)
            at = end
            if len(w) >= 2 and (start < a < end or start < b < end) and not (a <= start and end <= b):
                inner = {x for _, x, y in _jieba().tokenize(w, mode="search")} | {
                    y for _, x, y in _jieba().tokenize(w, mode="search")}  # words inside longer ones
                inner |= {c for i in range(len(w)) for j in range(i + 2, len(w) + 1)
                          if w[i:j] in _dictionary_words() for c in (i, j)}  # and the dictionary's (问责 of 问责制)
                if (a - start if start < a < end else b - start) not in inner:
                    return f"cuts {w!r}: {text[a:b]!r}"
    return None


def test_no_rendering_cuts_a_word_on_the_term_list(dev):
    checked = 0
    for lang, term, _ in _terms():
        found = dev.lookup(term, k=50, lang=lang, mode="concordance")
        for h in found.hits:
            for a, b in h.translation_spans:
                why = _cuts_a_word(h.translation, a, b)
                assert why is None, (term, why)
                checked += 1
    assert checked > 500


def test_the_first_rendering_is_the_reference_for_the_term_list_in_each_direction(dev):
    terms = _terms()
    assert len(terms) >= 300
    for direction in ("zh", "en"):
        asked = [(term, refs) for lang, term, refs in terms if lang == direction]
        wrong = []
        for term, refs in asked:
            got = dev.lookup(term, k=10, lang=direction, mode="concordance").renderings
            if not got or got[0][0].lower() not in {r.lower() for r in refs}:
                wrong.append((term, got[:2]))
        assert len(asked) >= 100 and len(wrong) <= 0.05 * len(asked), (direction, wrong)


def test_numbers_with_their_measure_words_are_one_word():
    from corpus.store.phrases import zh_boundaries

    def words(run):
        cuts = zh_boundaries(run)
        return [run[a:b] for a, b in zip(cuts, cuts[1:])]

    assert "第7378次" in words("第7378次会议") and "次会议" not in words("第7378次会议")
    assert words("12月31日") == ["12月", "31日"]
    assert "第七十届" in words("大会第七十届会议")
    assert "第16条" in words("议事规则第16条")
    assert "腐败" in words("反腐败")  # a commoner word inside a longer one keeps its boundaries
    assert "办公室" in "".join(words("办公室")) and "公室" not in words("办公室")


def test_abbreviations_are_words_of_a_rendering():
    from corpus.store.phrases import candidates

    spans = candidates("the meeting opened at 10 a.m. in new york", "en")
    assert "10 a.m." in spans and "a" not in spans and "m" not in spans


@pytest.mark.parametrize("query, sources, lang, part", [
    ("人道主义法", ["尊重国际人道主义法。", "违反国际人道主义法的行为", "国际人道主义法规定"], "zh", True),
    ("人道主义法", ["尊重国际人道主义法。", "人道主义法的原则", "违反人道主义法"], "zh", False),
    ("security", ["The Security Council met", "a Security Council mission", "Security Council members"], "en", True),
    ("biennium", ["for the biennium 2014-2015", "the biennium 2016-2017", "in the biennium 2014-2015"], "en", False),
    ("development agenda", ["the post-2015 development agenda", "a post-2015 development agenda"], "en", True),
])
def test_a_query_inside_a_longer_unit_is_known(query, sources, lang, part):
    from corpus.store.phrases import part_of_a_longer_unit

    assert part_of_a_longer_unit(query, sources, lang) is part


def test_a_rendering_is_not_extended_past_what_the_query_translates():
    from corpus.store.phrases import guess_renderings

    # every hit says "post-2015 development agenda", which 2015年后发展议程 translates, not 发展议程
    trans = ["the post-2015 development agenda", "a post-2015 development agenda is", "post-2015 development agenda"]
    sources = ["2015年后发展议程", "一个2015年后发展议程", "关于2015年后发展议程"]
    freq = {"development agenda": 3, "post-2015 development agenda": 4}
    g = guess_renderings("发展议程", trans, "en", lambda xs: {x: freq.get(x, 50) for x in xs}, sources=sources,
                         source_lang="zh")
    assert g.renderings[0][0] == "development agenda", g.renderings
    g = guess_renderings("发展议程", trans, "en", lambda xs: {x: freq.get(x, 50) for x in xs})
    assert g.renderings[0][0] == "post-2015 development agenda", g.renderings  # without sources: extended


@pytest.mark.parametrize("query, first", [
    ("impunity", "有罪不罚"), ("有罪不罚", "impunity"), ("human rights", "人权"), ("Member States", "会员国"),
    ("7378th meeting", "第7378次会议"), ("Ebola", "埃博拉"), ("corruption", "腐败"),
])
def test_renderings_reported_wrong_are_right(dev, query, first):
    found = dev.lookup(query, k=20)
    assert found.renderings and found.renderings[0][0] == first, found.renderings
    for text, _ in found.renderings:
        assert text not in ("员国", "人", "罚", "次会议"), found.renderings  # fragments of words


def test_english_renderings_keep_their_case(dev):
    assert dev.lookup("埃博拉", k=10).renderings[0][0] == "Ebola"
    assert dev.lookup("安全理事会", k=10).renderings[0][0] == "Security Council"


def test_a_sentence_gets_no_rendering(tmp_path, use_m3):
    from corpus.build import build

    build([SAMPLES / "udhr"], tmp_path / "s", use_m3)
    with Store.open(tmp_path / "s", readonly=True) as s:
        for q in ("All human beings are born free and equal in dignity and rights.",  # stored, and ends as one
                  "All human beings are born free and equal in dignity and rights",  # stored as a segment
                  "人人生而自由，在尊严和权利上一律平等。"):
            found = s.lookup(q, k=5)
            assert found.hits and not found.renderings, q
        assert s.lookup("born free", k=5).renderings  # a phrase of it does
        assert s.lookup("人權", k=20).renderings == s.lookup("人权", k=20).renderings  # one text, either script


def test_a_span_one_hit_holds_is_shown_only_when_its_meaning_is_the_query_s():
    import numpy as np

    from corpus.store.phrases import guess_renderings

    def embed(texts):  # the query and "kappa" near; everything else far
        return np.array([[1.0, 0.0] if t in ("query", "kappa") else [0.0, 1.0] for t in texts])

    trans = ["alpha beta gamma", "alpha delta", "kappa zeta"]
    g = guess_renderings("query", trans, "en", lambda xs: {x: 1 for x in xs}, embed)
    assert g.chosen[2] == "kappa"
    g = guess_renderings("query", ["alpha beta gamma", "omega zeta"], "en", lambda xs: {x: 1 for x in xs},
                         lambda texts: np.array([[1.0, 0.0]] + [[0.0, 1.0]] * (len(texts) - 1)))
    assert g.renderings == [] and g.chosen == [None, None]  # one hit each, no meaning: nothing shown


def test_a_translation_that_holds_only_a_fragment_of_the_rendering_gets_no_mark():
    """会员国 is "Member States" in most hits; one says "all its Members" and, later, "affairs of States": its
    "States" is no rendering of the query, and a wrong mark is worse than none."""
    from corpus.store.phrases import guess_renderings

    trans = ["Member States shall report on progress.", "Encourages Member States to act.",
             "Calls upon Member States to cooperate.",
             "the sovereign equality of all its Members and non-intervention in the internal affairs of States."]
    freq = {"member states": 5, "states": 40, "members": 30}
    g = guess_renderings("会员国", trans, "en", lambda xs: {x: freq.get(x, 50) for x in xs})
    assert g.chosen[:3] == ["member states"] * 3
    assert g.chosen[3] is None
    assert g.renderings == [("member states", 3)]


def test_a_word_the_translations_share_by_chance_is_no_rendering():
    """A hit that renders 会员国 some other way shares "including" with the rest: far below the best
    rendering's score (common everywhere), it is no mark and no rendering in the list."""
    from corpus.store.phrases import guess_renderings

    trans = ["Member States, including small ones, shall report.", "Encourages Member States, including donors.",
             "Calls upon Member States to cooperate, including with the Secretariat.",
             "All countries, including the least developed, are invited."]
    freq = {"member states": 5, "including": 60}
    g = guess_renderings("会员国", trans, "en", lambda xs: {x: freq.get(x, 50) for x in xs})
    assert g.chosen == ["member states"] * 3 + [None]
    assert g.renderings == [("member states", 3)]
