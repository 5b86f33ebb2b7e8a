"""Any sentence-transformers model from a local folder or the local Hugging Face cache.

Offline by default: the model is loaded with ``local_files_only=True``, so a
model that is not on disk is an error that says how to get it, never a
download. Set ``TMBUILD_ALLOW_DOWNLOAD=1`` to let sentence-transformers fetch
a hub model once.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from ..errors import EmbedderError
from .base import normalise, require


class SentenceTransformerEmbedder:
    """A sentence-transformers model read from a local folder (``st:FOLDER``); nothing is downloaded unless
    TMBUILD_ALLOW_DOWNLOAD=1."""
    def __init__(self, model: str) -> None:
        st = require("sentence_transformers", "sentence-transformers", extra="st")
        online = os.environ.get("TMBUILD_ALLOW_DOWNLOAD") == "1"
        source = _check_source(model, online)
        try:
            self._model = st.SentenceTransformer(source, device="cpu", local_files_only=not online)
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


# a Hugging Face hub id: NAME or ORG/NAME; anything else (/models/labse, ./labse, C:\labse) is a folder
_HUB_ID = re.compile(r"(?:[A-Za-z0-9][\w.-]*/)?[A-Za-z0-9][\w.-]*")
_FIX = ("give the folder of a sentence-transformers model (`tmbuild convert-e5 DIR` writes one), or the name of "
        "a model in the local Hugging Face cache")


def _check_source(model: str, online: bool) -> str:
    """The folder or hub id to load ``model`` from; an :class:`EmbedderError` that says what is wrong where it
    cannot be there, before sentence-transformers tries (its own errors speak of config keys, or of
    huggingface.co, which tmbuild does not call without TMBUILD_ALLOW_DOWNLOAD)."""
    path = os.path.expanduser(model)
    if os.path.exists(path) or not _HUB_ID.fullmatch(model):
        if not os.path.exists(path):
            raise EmbedderError(f"no such model folder {model!r}: {_FIX}")
        if not os.path.isdir(path):
            raise EmbedderError(f"{model!r} is a file, not a model folder: {_FIX}")
        if not any(os.path.exists(os.path.join(path, f)) for f in ("modules.json", "config.json")):
            raise EmbedderError(f"{model!r} is not a sentence-transformers model folder (it has no modules.json "
                                f"or config.json): {_FIX}")
        return path
    if online:
        return model
    from huggingface_hub.constants import HF_HUB_CACHE
    from huggingface_hub.file_download import repo_folder_name

    # sentence-transformers also looks a bare name up under sentence-transformers/
    ids = [model] if "/" in model else [model, f"sentence-transformers/{model}"]
    if not any(os.path.isdir(os.path.join(HF_HUB_CACHE, repo_folder_name(repo_id=i, repo_type="model")))
               for i in ids):
        raise EmbedderError(f"{model!r} is neither a folder nor a model in the local Hugging Face cache "
                            f"({HF_HUB_CACHE}), and tmbuild does not download: {_FIX}, or set "
                            "TMBUILD_ALLOW_DOWNLOAD=1 once to fetch it")
    return model
