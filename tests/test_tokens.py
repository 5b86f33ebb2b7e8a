"""The fuzzy index (corpus.store.tokens): its candidates hold every segment a brute-force edit-distance scan
finds, through additions, removals, reused ids, merges and a save and load; damaged files are noticed."""

from __future__ import annotations

import random

import pytest
from conftest import edit
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.store import tokens as tokens_module
from corpus.store.matching import Fuzzy, normalise_text, tokens
from corpus.store.tokens import TokenIndex, TokenIndexError

HAN = [chr(0x4E00 + 53 * i) for i in range(40)]
WORDS = ["the", "of", "and", "council", "rights", "human", "states", "report", "member", ",", "."]


def _text(rng: random.Random, lang: str) -> str:
    n = rng.randint(1, 30)
    if lang == "zh":  # a few characters in most segments, as 的 and 国 are
        return "".join(rng.choice(HAN[:4] if rng.random() < 0.4 else HAN) for _ in range(n))
    return " ".join(rng.choice(WORDS[:3] if rng.random() < 0.4 else WORDS) for _ in range(n))


def _query(rng: random.Random, texts: dict[int, str], lang: str) -> str:
    return edit(rng.choice(list(texts.values())), rng, lang == "en", HAN if lang == "zh" else WORDS)


def _misses(ix: TokenIndex, texts: dict[int, str], lang: str, rng: random.Random, queries: int = 60,
            threshold: float = 70.0) -> tuple[int, int, int]:
    """(segments at or above the threshold, those the candidates miss, candidates in all)."""
    truth_n = missed = cands = 0
    for _ in range(queries):
        fz = Fuzzy(_query(rng, texts, lang), lang)
        truth = {i for i, t in texts.items() if fz.score(normalise_text(t), cutoff=threshold) >= threshold}
        got = set(ix.candidates(fz.norm, threshold).tolist())
        assert got <= set(texts), "a removed pair came back"
        truth_n += len(truth)
        missed += len(truth - got)
        cands += len(got)
    return truth_n, missed, cands


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_candidates_hold_every_match_through_changes_merges_and_files(tmp_path, lang, monkeypatch):
    rng = random.Random(lang)
    texts = {i: _text(rng, lang) for i in range(1, 1201)}
    rows = [(i, normalise_text(t)) for i, t in texts.items()]
    ix = TokenIndex.build([rows[:500], rows[500:800]], lang == "zh")
    monkeypatch.setattr(tokens_module, "MERGE_SHARE", 10.0)  # keep a delta to query beside the base
    ix.add([i for i, _ in rows[800:]], [t for _, t in rows[800:]])
    gone = [3, 640, 900, 1100]  # from the base and from the delta
    ix.remove(gone)
    for i in gone:
        del texts[i]
    texts[640] = _text(rng, lang)  # an id used again, with other text
    ix.add([640], [normalise_text(texts[640])])
    assert ix.pairs == len(texts) and len(ix.dead) == 2
    truth, missed, cands = _misses(ix, texts, lang, rng)
    assert truth > 40 and missed == 0
    assert cands < 0.2 * len(texts) * 60  # the bounds prune: most segments are never scored

    state = {"generation": 7, "ids": [1, 2, 3]}
    ix.save(tmp_path / "t", state)
    loaded = TokenIndex.load(tmp_path / "t", state)
    assert loaded.pairs == ix.pairs
    assert _misses(loaded, texts, lang, random.Random(1))[1] == 0
    loaded.merge()
    assert len(loaded.dead) == 0 and loaded.delta().size == 0 and loaded.pairs == len(texts)
    assert _misses(loaded, texts, lang, random.Random(1))[1] == 0
    with pytest.raises(TokenIndexError, match="another state"):
        TokenIndex.load(tmp_path / "t", {"generation": 8, "ids": [1, 2, 3]})


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_long_lists_left_out_of_the_count_are_still_counted(lang, monkeypatch):
    rng = random.Random(11)
    texts = {i: _text(rng, lang) for i in range(1, 800)}
    ix = TokenIndex.build([[(i, normalise_text(t)) for i, t in texts.items()]], lang == "zh")
    for share in (0.0, 0.1, 2.0):  # every list long (as many as allowed), the default, none
        monkeypatch.setattr(tokens_module, "LONG_LIST_SHARE", share)
        truth, missed, _ = _misses(ix, texts, lang, random.Random(3), queries=40, threshold=60.0)
        assert truth > 25 and missed == 0, share


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="ab 的的国人,.x", max_size=12), min_size=1, max_size=25),
       st.text(alphabet="ab 的国人,.x", min_size=1, max_size=12), st.sampled_from([0.5, 70.0, 95.0, 100.0]),
       st.booleans())
def test_no_segment_above_the_threshold_is_left_out(texts, query, threshold, by_chars):
    lang = "zh" if by_chars else "en"
    norms = [normalise_text(t) for t in texts]
    ix = TokenIndex.build([list(enumerate(norms, start=1))], by_chars)
    fz = Fuzzy(query, lang)
    got = set(ix.candidates(fz.norm, threshold).tolist())
    for i, t in enumerate(norms, start=1):
        if fz.length and fz.score(t, cutoff=threshold) >= threshold:
            assert i in got, (t, query)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.text(alphabet="ab 的国人,.x_", max_size=14), min_size=1, max_size=20), st.data(), st.booleans())
def test_every_segment_containing_a_string_is_among_those_holding_its_tokens(texts, data, by_chars):
    norms = [normalise_text(t) for t in texts]
    ix = TokenIndex.build([list(enumerate(norms, start=1))], by_chars)
    source = data.draw(st.sampled_from(norms))
    a = data.draw(st.integers(0, len(source)))
    query = normalise_text(source[a:data.draw(st.integers(a, len(source)))])
    found = ix.containing(query, 10**6)
    if found is not None and query:
        assert {i for i, t in enumerate(norms, start=1) if query in t} <= set(found.tolist()), query


@settings(max_examples=80, deadline=None)
@given(st.lists(st.text(alphabet="ab 的国人,.x_\x1c\x1f\u3000\t", max_size=14), min_size=1, max_size=20),
       st.booleans(), st.integers(0, 19))
def test_lengths_are_the_token_counts_lookups_rank_by(texts, by_chars, removed):
    """A concordance lookup reads hits in the order of these lengths and ranks them by ``matching.tokens``:
    the two must agree, control characters that str.isspace() calls space included."""
    norms = [normalise_text(t) for t in texts]
    ix = TokenIndex.build([list(enumerate(norms[: len(norms) // 2], start=1))], by_chars)
    ix.add(list(range(len(norms) // 2 + 1, len(norms) + 1)), norms[len(norms) // 2:])  # some in the delta
    ix.remove([removed + 1])
    want = [-1 if i == removed else len(tokens(t, "zh" if by_chars else "en")) for i, t in enumerate(norms)]
    assert ix.lengths(list(range(1, len(norms) + 1))).tolist() == want
    assert ix.lengths([len(norms) + 5]).tolist() == [-1]


def test_damaged_bytes_and_foreign_files_are_reported(tmp_path):
    ix = TokenIndex.build([[(1, "人人生而自由"), (2, "在尊严和权利上一律平等")]], True)
    ix.save(tmp_path / "t", {"generation": 1})
    assert TokenIndex.damaged(tmp_path / "t") is None
    base = tmp_path / "t.base"
    data = bytearray(base.read_bytes())
    data[max(i for i, b in enumerate(data) if b)] ^= 0xFF  # in the last array, seg_lens
    base.write_bytes(bytes(data))
    assert "bytes of" in TokenIndex.damaged(tmp_path / "t")
    (tmp_path / "t.delta").write_bytes(b"something else")
    with pytest.raises(TokenIndexError, match="not a token index"):
        TokenIndex.load(tmp_path / "t", {"generation": 1})
