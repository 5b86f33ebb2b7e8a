from __future__ import annotations

import hashlib
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

# no example database in the working tree
settings.register_profile("tmbuild", database=None)
settings.load_profile("tmbuild")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SAMPLES = ROOT / "samples"


def shared(*parts: str) -> Path:
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} is not here (../shared is beside the repo in CI and for developers)")
    return p


@pytest.fixture(scope="session")
def unpc_pairs() -> list[tuple[str, str]]:
    d = shared("data", "unpc-dev")
    zh = (d / "unpc.zh").read_text(encoding="utf-8").splitlines()
    en = (d / "unpc.en").read_text(encoding="utf-8").splitlines()
    return list(zip(zh, en))


@pytest.fixture(scope="session")
def use_m3():
    from align.embed import get_embedder

    return get_embedder("use-m3")


class TableEmbedder:
    """A fake embedder for fast property tests: texts map to fixed random unit vectors.

    ``groups`` maps a text to a key; texts with the same key (a sentence and
    its "translation") get nearly the same vector. Joined texts get the
    normalised sum of their parts, like a real encoder roughly does.
    """

    name = "table"
    version = "1"
    dim = 64

    def __init__(self, parts: dict[str, list[str]] | None = None) -> None:
        self.parts = parts or {}

    def _key_vec(self, key: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "little")
        v = np.random.default_rng(seed).standard_normal(self.dim)
        return v / np.linalg.norm(v)

    def encode(self, texts):
        out = []
        for t in texts:
            keys = self.parts.get(t)
            if keys is None:
                keys = [k for k in t.replace("|", " ").split() if k.startswith("k")] or [t]
            v = sum(self._key_vec(k) for k in keys)
            out.append(v / np.linalg.norm(v))
        return np.asarray(out, dtype=np.float32)


class ComposableTable(TableEmbedder):
    """:class:`TableEmbedder` that composes windows itself (parts: the texts' unnormalised vectors)."""

    def encode_parts(self, texts):
        return self.encode(texts)

    def compose(self, parts, size):
        n = len(parts)
        if n < size:
            return np.zeros((0, self.dim), np.float32)
        s = sum(parts[off:n - size + 1 + off] for off in range(size))
        return (s / np.linalg.norm(s, axis=1, keepdims=True)).astype(np.float32)


SCRIPT_ZH = "人人生而自由。<script>alert('tmbuild')</script>\n\n他们赋有理性和良心。\n"
SCRIPT_EN = "All human beings are born free. <script>alert('tmbuild')</script>\n\nThey are endowed with reason and conscience.\n"


def review_store(root: Path) -> Path:
    """A store as users build it, for the review tests: the bundled UDHR pair (document 1), and a pair whose
    segments hold a ``<script>`` element (document 2, added as a build adds it)."""
    import shutil

    from align.aligner import DEFAULT_CONFIG
    from corpus.build import build, content_hash
    from corpus.build_jobs import AlignWorker, Job
    from corpus.readers import read_document
    from corpus.store import Store

    docs = root / "docs"
    docs.mkdir(parents=True)
    for name in ("cmn_hans.html", "eng.html"):
        shutil.copy(SAMPLES / "udhr" / name, docs / name)
    rep = build([docs], root / "store")
    assert rep.added_documents == 1 and not rep.failed, rep.summary()
    zh, en = root / "script_zh.txt", root / "script_en.txt"
    zh.write_text(SCRIPT_ZH, encoding="utf-8")
    en.write_text(SCRIPT_EN, encoding="utf-8")
    res = AlignWorker("use-m3", DEFAULT_CONFIG)(Job(0, "script", content_hash(zh, en), str(zh), str(en),
                                                    read_document(zh), read_document(en)))
    assert not res.error, res.error
    with Store.open(root / "store") as s:
        s.add_document("script", res.content_hash, res.units, res.src_vecs, res.tgt_vecs, src_path=str(zh),
                       tgt_path=str(en), sentences=res.sentences)
    return root / "store"


def edit(text: str, rng: random.Random, by_words: bool, pool: list[str]) -> str:
    """``text`` with one to three units (words, or characters) replaced, dropped or inserted from ``pool``."""
    units = text.split(" ") if by_words else list(text)
    for _ in range(rng.randint(1, 3)):
        op, at = rng.randrange(3), rng.randrange(len(units))
        if op == 0:
            units[at] = rng.choice(pool)
        elif op == 1 and len(units) > 2:
            del units[at]
        else:
            units.insert(at, rng.choice(pool))
    return (" " if by_words else "").join(units)
