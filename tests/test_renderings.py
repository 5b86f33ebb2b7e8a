"""Renderings a translator can quote: on a store of unpc-dev's 1,982 real pairs, the term list's first
renderings are its references, no rendering's span cuts a word on either side, sentences get none, weak
evidence gives none, and numbers meet their forms."""

from __future__ import annotations

import sys

import pytest
import regex
from conftest import ROOT, SAMPLES, shared

from corpus.store import Store
from corpus.store.phrases import _jieba

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
    """Why the span [a, b) of ``text`` cuts a word, or None: an English word continues across either end; a
    Chinese word of jieba's accurate segmentation (two characters or more) is cut at either end."""
    if a > 0 and regex.match(r"\w", text[a - 1]) and regex.match(r"\w", text[a]) and not regex.match(
            r"\p{Han}", text[a]):
        return f"starts inside a word: {text[max(0, a - 10):b]!r}"
    if b < len(text) and regex.match(r"\w", text[b - 1]) and regex.match(r"\w", text[b]) and not regex.match(
            r"\p{Han}", text[b - 1]):
        return f"ends inside a word: {text[a:b + 10]!r}"
    if regex.search(r"\p{Han}", text[a:b]):
        at = 0
        for w in _jieba().cut(text, HMM=True):
            start, end = at, at + len(w)
            at = end
            if len(w) >= 2 and (start < a < end or start < b < end) and not (a <= start and end <= b):
                inner = {x for _, x, y in _jieba().tokenize(w, mode="search")} | {
                    y for _, x, y in _jieba().tokenize(w, mode="search")}  # words inside longer ones
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


def test_the_first_rendering_is_the_reference_for_the_term_list(dev):
    terms = _terms()
    wrong = []
    for lang, term, refs in terms:
        got = dev.lookup(term, k=10, lang=lang, mode="concordance").renderings
        if not got or got[0][0].lower() not in {r.lower() for r in refs}:
            wrong.append((term, got[:2]))
    assert len(wrong) <= 0.05 * len(terms), wrong


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
