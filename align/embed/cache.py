"""Each distinct text embedded once per aligner run (sentences, windows, parts)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from .base import Embedder, encode_batched


class EmbeddingCache:
    """Embeds each distinct text once per aligner run."""

    def __init__(self, embedder: Embedder, progress: bool = False) -> None:
        self.embedder = embedder
        self.progress = progress
        self._vecs: dict[str, NDArray[np.float32]] = {}
        self._parts: dict[str, NDArray[np.float32]] = {}

    def encode(self, texts: Sequence[str], desc: str = "embedding") -> NDArray[np.float32]:
        return self._lookup(self._vecs, texts, desc, parts=False)

    def parts(self, texts: Sequence[str], desc: str = "embedding") -> NDArray[np.float32]:
        """Per-text parts of a :class:`Composable` embedder, each distinct text computed once."""
        return self._lookup(self._parts, texts, desc, parts=True)

    def _lookup(self, known: dict[str, NDArray[np.float32]], texts: Sequence[str], desc: str,
                parts: bool) -> NDArray[np.float32]:
        """The rows of ``texts`` from ``known``, embedding those it lacks (each distinct text once)."""
        todo = list(dict.fromkeys(t for t in texts if t not in known))
        if todo:
            rows = encode_batched(self.embedder, todo, progress=self.progress and len(todo) > 200, desc=desc,
                                  parts=parts)
            known.update(zip(todo, rows))
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        if len(todo) == len(texts) and todo == list(texts):
            return rows  # all new and distinct: the rows are the answer (the cache holds views of them)
        out = np.stack([known[t] for t in texts])
        if todo:  # the cache keeps rows of the answer, so the batches it was computed in are freed
            known.update(zip(texts, out))
        return out

    def add(self, texts: Sequence[str], rows: NDArray[np.float32], parts: bool = False) -> None:
        """Take rows computed elsewhere (another process, an earlier step): vectors, or parts with ``parts``."""
        (self._parts if parts else self._vecs).update(zip(texts, rows))

    def clear(self) -> None:
        self._vecs.clear()
        self._parts.clear()
