from __future__ import annotations

import hashlib
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
