"""Several embedders as one: the cosine of the ensemble is the mean of the members' cosines.

Each member's unit vector is scaled by ``1/sqrt(k)`` and the parts are
concatenated, so the result is again a unit vector and a dot product between
two ensemble vectors equals the average of the members' dot products. Every
consumer (aligner, FAISS index) works on it unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from .base import Embedder


class Ensemble:
    """Several embedders as one: each text's vector is the members' vectors side by side, weighed equally."""

    def __init__(self, members: Sequence[Embedder]) -> None:
        if len(members) < 2:
            raise ValueError("an ensemble needs at least two embedders")
        self.members = list(members)
        self.name = "+".join(m.name for m in self.members)
        self.version = "+".join(m.version for m in self.members)
        self.dim = sum(m.dim for m in self.members)

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        texts = list(texts)
        scale = np.float32(1.0 / np.sqrt(len(self.members)))
        parts = [m.encode(texts) * scale for m in self.members]
        return np.ascontiguousarray(np.concatenate(parts, axis=1), dtype=np.float32)
