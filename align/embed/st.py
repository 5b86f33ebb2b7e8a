"""Any sentence-transformers model from a local folder or the local Hugging Face cache.

Offline by default: the model is loaded with ``local_files_only=True``, so a
model that is not on disk is an error that says how to get it, never a
download. Set ``TMBUILD_ALLOW_DOWNLOAD=1`` to let sentence-transformers fetch
a hub model once.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from ..errors import EmbedderError
from .base import normalise, require


class SentenceTransformerEmbedder:
    def __init__(self, model: str) -> None:
        st = require("sentence_transformers", "sentence-transformers", extra="st")
        online = os.environ.get("TMBUILD_ALLOW_DOWNLOAD") == "1"
        try:
            self._model = st.SentenceTransformer(model, device="cpu", local_files_only=not online)
        except Exception as e:  # noqa: BLE001 - sentence-transformers raises many kinds
            raise EmbedderError(
                f"cannot load sentence-transformers model {model!r}: {type(e).__name__}: "
                f"{str(e).splitlines()[0] if str(e) else ''}; give a local model folder, or set "
                "TMBUILD_ALLOW_DOWNLOAD=1 once to fetch a hub model") from e
        self.name = f"st:{model}"
        self.version = getattr(st, "__version__", "unknown")
        get_dim = (getattr(self._model, "get_embedding_dimension", None)
                   or self._model.get_sentence_embedding_dimension)
        dim = get_dim()
        self.dim = int(dim) if dim else int(self._model.encode(["x"]).shape[1])

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._model.encode(texts, batch_size=32, convert_to_numpy=True,
                                  normalize_embeddings=True, show_progress_bar=False)
        return normalise(vecs)
