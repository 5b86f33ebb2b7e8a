"""Sentence embedders behind one protocol, chosen by name."""

from .base import DEFAULT_EMBEDDER, EMBEDDERS, Embedder, available_embedders, encode_batched, get_embedder

__all__ = ["DEFAULT_EMBEDDER", "EMBEDDERS", "Embedder", "available_embedders", "encode_batched", "get_embedder"]
