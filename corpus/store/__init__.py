"""The translation-memory store (a folder): see :mod:`corpus.store.store` for its parts.

Files: ``database`` (SQLite, the source of truth), ``vectors`` (FAISS indexes), ``lexical`` (FTS5 index),
``matching`` (normal form, edit similarity, spans), ``ranking`` (one ranked answer from candidate lists),
``phrases`` (the translation of a phrase), ``reviews`` (a document's beads and a reviewer's edits), ``store``
(the :class:`Store` that ties them together).
"""

from .database import DB_NAME, LOCK_NAME, StoreBusy, StoreReadOnly, WriterLock, database_error, read_only_error
from .matching import fuzzy_match, normalise_text
from .ranking import FUZZY_MIN, KINDS, MODES, Hit, rank
from .reviews import NotFound
from .store import MAX_K, MIN_SIMILARITY, RELATED_SIMILARITY, STATE_NAME, Lookup, Store, StoreStats
from .vectors import MIN_PER_LIST, TRAIN_PER_LIST, blob_vecs, id_fingerprint, index_plan, new_ivf

__all__ = [
    "DB_NAME", "FUZZY_MIN", "KINDS", "LOCK_NAME", "MAX_K", "MIN_PER_LIST", "MIN_SIMILARITY", "MODES",
    "RELATED_SIMILARITY", "NotFound", "STATE_NAME", "TRAIN_PER_LIST", "Hit", "Lookup", "Store", "StoreBusy",
    "StoreReadOnly", "StoreStats",
    "WriterLock", "blob_vecs",
    "fuzzy_match", "id_fingerprint", "index_plan", "new_ivf", "normalise_text", "rank", "read_only_error",
    "database_error",
]
