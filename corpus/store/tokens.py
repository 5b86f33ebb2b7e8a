"""The fuzzy-match index: each stored segment's tokens as posting lists of pair ids, one index per side.

A token is what the match percentage counts (:func:`.matching.tokens`): a character for Chinese and
Japanese, a word or punctuation mark otherwise. A segment of ``m`` tokens whose match with a query of ``n``
tokens is at least ``t`` is within ``(1 - t) * max(n, m)`` edits of it, so

* it shares at least ``t * max(n, m)`` tokens with the query, counted with repeats (each edit changes
  one token at most); and
* its length ``m`` lies between ``t * n`` and ``n / t``.

The index keys a token by what it is and which occurrence in its segment it is (the second 的 of a
segment is its own key), so the keys a segment shares with the query are the tokens they share, repeats
included. A query counts, for each segment, the query keys it holds, and keeps those that pass both
bounds: every segment that can reach the threshold, and few others. rapidfuzz then scores them exactly.

Counting every segment of 的 or "the" would cost most of the time, so the query's longest lists are not
merged (Li, Lu and Lu's DivideSkip, ICDE 2008): with ``L`` of them set aside, a segment that reaches
``T`` shared tokens holds at least ``T - L`` of the others; the survivors of that count are looked up in
the long lists by binary search. ``L`` is at most ``T - 1`` and covers the lists that hold more than a
tenth of the segments.

Words are keyed by their CRC-32: two words with the same code share postings, which can only add
candidates that the exact scoring then drops, never lose one.

Layout: a large ``base`` (compressed sparse rows: sorted keys, offsets, pair ids), memory-mapped from
``tokens-SIDE.base``; the pairs added since (``delta``, in memory) and the base's pairs removed since
(``dead``), saved together in ``tokens-SIDE.delta`` at each flush. When the delta grows past a quarter of
the base the two are merged into a new base, so adding N pairs one document at a time costs O(N log N).
Both files carry the store generation and id fingerprint they reflect; a file that does not match the
database is rebuilt from the pairs, as the vector indexes are.
"""

from __future__ import annotations

import json
import math
import uuid
import zlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import regex
from numpy.typing import NDArray

from ..files import replacing
from .matching import SPACE, WORD

VERSION = 1
MAGIC = b"tmbuild tokens\n"
LONG_LIST_SHARE = 0.1  # posting lists holding more than this share of the segments are not merged
MERGE_SHARE = 0.25  # the delta is merged into the base when it holds this share of the base's postings
OCCURRENCE_BITS = 16
ALIGN = 64

_WORDLIKE = regex.compile(r"\w")
_BASE = ("keys", "offsets", "ids", "seg_ids", "seg_lens")
_DELTA = ("dead", "d_keys", "d_ids", "d_seg_ids", "d_seg_lens")


class TokenIndexError(Exception):
    """A token index file that cannot be used (absent, damaged, of another store state)."""


# ------------------------------------------------------------------ tokens


def _codes(norms: Sequence[str], by_chars: bool) -> tuple[NDArray[np.uint32], NDArray[np.int64]]:
    """Every token's code, segment after segment, and each segment's number of tokens."""
    if by_chars:
        stripped = [SPACE.sub("", s) for s in norms]  # what Fuzzy.encode scores
        codes = np.frombuffer("".join(stripped).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        return codes, np.fromiter(map(len, stripped), dtype=np.int64, count=len(stripped))
    cache: dict[str, int] = {}
    out: list[int] = []
    lens = np.zeros(len(norms), dtype=np.int64)
    for k, s in enumerate(norms):
        words = WORD.findall(s)
        lens[k] = len(words)
        for w in words:
            c = cache.get(w)
            if c is None:
                c = cache[w] = zlib.crc32(w.encode("utf-8", "surrogatepass"))
            out.append(c)
    return np.array(out, dtype=np.uint32), lens


def entries(norms: Sequence[str], ids: Sequence[int], by_chars: bool
            ) -> tuple[NDArray[np.uint64], NDArray[np.int64], NDArray[np.int32]]:
    """(key, pair id) of every token of ``norms`` (grouped by segment), and each segment's length."""
    codes, lens = _codes(norms, by_chars)
    seg = np.repeat(np.arange(len(norms), dtype=np.uint64), lens)
    both = (seg << np.uint64(32)) | codes.astype(np.uint64)
    both.sort()  # by segment, then token code: repeats of a token side by side
    seg = (both >> np.uint64(32)).astype(np.int64)
    codes64 = both & np.uint64(0xFFFFFFFF)
    n = len(both)
    starts = np.ones(n, dtype=bool)
    if n:
        starts[1:] = both[1:] != both[:-1]
    at = np.arange(n, dtype=np.int64)
    occurrence = at - np.maximum.accumulate(np.where(starts, at, 0))
    keys = (codes64 << np.uint64(OCCURRENCE_BITS)) | np.minimum(occurrence, (1 << OCCURRENCE_BITS) - 1).astype(
        np.uint64)
    pair_ids = np.asarray(ids, dtype=np.int64)
    return keys, pair_ids[seg], lens.astype(np.int32)


# ------------------------------------------------------------------ posting lists


def _in_sorted(sorted_values: NDArray, values: NDArray) -> NDArray[np.bool_]:
    """Which of ``values`` occur in ``sorted_values`` (binary search)."""
    if not len(sorted_values):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_values, values), len(sorted_values) - 1)
    return sorted_values[at] == values


class Postings:
    """Posting lists in compressed sparse rows: ``ids[offsets[k]:offsets[k+1]]`` are the pairs (sorted)
    holding ``keys[k]``; ``seg_ids`` (sorted) and ``seg_lens`` give each pair's number of tokens."""

    def __init__(self, keys: NDArray, offsets: NDArray, ids: NDArray, seg_ids: NDArray, seg_lens: NDArray) -> None:
        self.keys, self.offsets, self.ids, self.seg_ids, self.seg_lens = keys, offsets, ids, seg_ids, seg_lens

    @classmethod
    def empty(cls) -> Postings:
        return cls(np.zeros(0, np.uint64), np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int64),
                   np.zeros(0, np.int32))

    @classmethod
    def build(cls, keys: NDArray[np.uint64], ids: NDArray[np.int64], seg_ids: NDArray[np.int64],
              seg_lens: NDArray[np.int32]) -> Postings:
        if len(seg_ids) and int(seg_ids.max()) >= 2**31:
            raise ValueError("pair ids beyond 2**31 - 1")
        order = np.lexsort((ids, keys))
        keys, ids = keys[order], ids[order].astype(np.int32)
        starts = np.ones(len(keys), dtype=bool)
        if len(keys):
            starts[1:] = keys[1:] != keys[:-1]
        first = np.flatnonzero(starts)
        s = np.argsort(seg_ids, kind="stable")
        return cls(keys[first], np.append(first, len(keys)).astype(np.int64), ids,
                   np.asarray(seg_ids, np.int64)[s], np.asarray(seg_lens, np.int32)[s])

    def expanded(self) -> tuple[NDArray[np.uint64], NDArray[np.int64]]:
        """Every (key, pair id) entry."""
        return np.repeat(self.keys, np.diff(self.offsets)), self.ids.astype(np.int64)

    @property
    def size(self) -> int:
        return len(self.ids)

    def lengths(self, ids: NDArray[np.int64]) -> NDArray[np.int64]:
        return self.seg_lens[np.searchsorted(self.seg_ids, ids)].astype(np.int64)

    def holds(self, ids: NDArray[np.int64]) -> NDArray[np.bool_]:
        return _in_sorted(self.seg_ids, ids)

    def _lists(self, qkeys: NDArray[np.uint64]) -> NDArray[np.int64]:
        """Positions in ``keys`` of those of ``qkeys`` (sorted) that some segment holds."""
        return np.searchsorted(self.keys, qkeys[_in_sorted(self.keys, qkeys)])

    def candidates(self, qkeys: NDArray[np.uint64], n: int, t: float) -> NDArray[np.int64]:
        """Pairs that can match a query of ``n`` tokens (keys ``qkeys``) at ``t`` (0 < t <= 1)."""
        if not len(self.keys) or not len(self.seg_ids):
            return np.zeros(0, np.int64)
        at = self._lists(qkeys)
        least = math.ceil(t * n - 1e-9)
        if not len(at) or least < 1:
            return np.zeros(0, np.int64)
        sizes = self.offsets[at + 1] - self.offsets[at]
        order = np.argsort(-sizes, kind="stable")
        n_long = int(min(least - 1, np.count_nonzero(sizes > LONG_LIST_SHARE * len(self.seg_ids))))
        long_at, short_at = at[order[:n_long]], at[order[n_long:]]
        if len(short_at) < least - n_long:
            return np.zeros(0, np.int64)
        lo, hi = int(self.seg_ids[0]), int(self.seg_ids[-1])
        merged = np.concatenate([self.ids[self.offsets[k]:self.offsets[k + 1]] for k in short_at])
        counts = np.bincount(merged - lo, minlength=hi - lo + 1)
        cand = np.flatnonzero(counts >= least - n_long)
        shared = counts[cand].astype(np.int64)
        cand = cand + lo
        m = self.lengths(cand)
        fits = (m >= t * n - 1e-9) & (m * t <= n + 1e-9)
        cand, shared, m = cand[fits], shared[fits], m[fits]
        for k in long_at:
            shared += _in_sorted(self.ids[self.offsets[k]:self.offsets[k + 1]], cand)
        return cand[shared >= np.ceil(t * np.maximum(n, m) - 1e-9)]


    def holding_all(self, qkeys: NDArray[np.uint64], most: int) -> NDArray[np.int64] | None:
        """Pairs holding every key of ``qkeys`` (sorted), or None when the shortest list is longer than ``most``."""
        at = self._lists(qkeys)
        if len(at) < len(qkeys):
            return np.zeros(0, np.int64)  # a key no segment holds
        sizes = self.offsets[at + 1] - self.offsets[at]
        order = np.argsort(sizes, kind="stable")
        if sizes[order[0]] > most:
            return None
        found = self.ids[self.offsets[at[order[0]]]:self.offsets[at[order[0]] + 1]].astype(np.int64)
        for k in at[order[1:]]:
            if not len(found):
                break
            found = found[_in_sorted(self.ids[self.offsets[k]:self.offsets[k + 1]], found)]
        return found


# ------------------------------------------------------------------ the index of one side


class TokenIndex:
    """The fuzzy-match index of one language side (see the module's docstring)."""

    def __init__(self, by_chars: bool, base: Postings | None = None, base_id: str = "") -> None:
        self.by_chars = by_chars
        self.base = base or Postings.empty()
        self.base_id = base_id or uuid.uuid4().hex
        self.base_saved = base is not None and bool(base_id)
        self.dead = np.zeros(0, np.int64)
        self._delta: list[tuple[NDArray, NDArray, NDArray, NDArray]] = []  # (keys, ids, seg_ids, seg_lens)
        self._delta_postings: Postings | None = Postings.empty()

    # -------------------------------------------------------------- building and changing

    @classmethod
    def build(cls, rows: Iterable[Sequence[tuple[int, str]]], by_chars: bool) -> TokenIndex:
        """The index of every (pair id, normalised text) of ``rows`` (an iterable of chunks)."""
        parts = []
        for chunk in rows:
            if chunk:
                ids = [r[0] for r in chunk]
                keys, pids, lens = entries([r[1] for r in chunk], ids, by_chars)
                parts.append((keys, pids, np.asarray(ids, np.int64), lens))
        ix = cls(by_chars)
        if parts:
            ix.base = Postings.build(*(np.concatenate(p) for p in zip(*parts)))
        return ix

    def add(self, ids: Sequence[int], norms: Sequence[str]) -> None:
        if not len(ids):
            return
        keys, pids, lens = entries(norms, ids, self.by_chars)
        self._delta.append((keys, pids, np.asarray(ids, np.int64), lens))
        self._delta_postings = None
        if sum(len(d[0]) for d in self._delta) > MERGE_SHARE * self.base.size:
            self.merge()

    def remove(self, ids: Sequence[int]) -> None:
        """Take the pairs ``ids`` out: from the delta when they were added since the base was written, else marked
        removed from the base."""
        if not len(ids):
            return
        gone = np.asarray(ids, np.int64)
        in_delta = np.zeros(len(gone), dtype=bool)
        kept = []
        for keys, pids, seg_ids, lens in self._delta:
            here = np.isin(seg_ids, gone)
            in_delta |= np.isin(gone, seg_ids)
            if here.any():
                keep = ~np.isin(pids, seg_ids[here])
                kept.append((keys[keep], pids[keep], seg_ids[~here], lens[~here]))
                self._delta_postings = None
            else:
                kept.append((keys, pids, seg_ids, lens))
        self._delta = kept
        from_base = gone[~in_delta]
        from_base = from_base[self.base.holds(from_base)]
        self.dead = np.union1d(self.dead, from_base)

    def merge(self) -> None:
        """Fold the delta and the removals into a new base."""
        keys, ids = self.base.expanded()
        live = ~np.isin(ids, self.dead) if len(self.dead) else np.ones(len(ids), dtype=bool)
        seg_live = ~np.isin(self.base.seg_ids, self.dead)
        parts = [(keys[live], ids[live], self.base.seg_ids[seg_live], self.base.seg_lens[seg_live]), *self._delta]
        self.base = Postings.build(*(np.concatenate(p) for p in zip(*parts)))
        self.base_id = uuid.uuid4().hex
        self.base_saved = False
        self.dead = np.zeros(0, np.int64)
        self._delta = []
        self._delta_postings = Postings.empty()

    def delta(self) -> Postings:
        if self._delta_postings is None:
            self._delta_postings = (Postings.build(*(np.concatenate(p) for p in zip(*self._delta)))
                                    if self._delta else Postings.empty())
        return self._delta_postings

    # -------------------------------------------------------------- reading

    def candidates(self, norm: str, min_percent: float) -> NDArray[np.int64] | None:
        """Pair ids that may match ``norm`` at ``min_percent`` or more (a superset of those that do, sorted);
        None when every segment may (a threshold of 0)."""
        t = min_percent / 100.0
        if t <= 0:
            return None
        keys, _, lens = entries([norm], [0], self.by_chars)
        n = int(lens[0])
        if n == 0:
            return np.zeros(0, np.int64)
        keys = np.unique(keys)
        return self._live(lambda postings: postings.candidates(keys, n, min(t, 1.0)))

    def containing(self, norm: str, most: int) -> NDArray[np.int64] | None:
        """Pair ids whose segments hold every token that a segment containing the string ``norm`` must hold (a
        superset of those that contain it, sorted), or None when the index cannot narrow them to about
        ``most``. In languages written with spaces, a word at either end of ``norm`` may be part of a longer
        word of the segment, and is not asked for."""
        if self.by_chars:
            keys, _, _ = entries([norm], [0], True)
        else:
            words = WORD.findall(norm)
            lo = 1 if words and _WORDLIKE.match(words[0]) else 0
            hi = len(words) - 1 if len(words) > lo and _WORDLIKE.match(words[-1]) else len(words)
            keys, _, _ = entries([" ".join(words[lo:hi])], [0], False)
        if not len(keys):
            return None
        keys = np.unique(keys)
        return self._live(lambda postings: postings.holding_all(keys, most))

    def _live(self, ask: Callable[[Postings], NDArray[np.int64] | None]) -> NDArray[np.int64] | None:
        """``ask``'s answer from the base (less the pairs removed since) and from the delta, together; None
        when either says None."""
        found = ask(self.base)
        if found is None:
            return None
        if len(self.dead):
            found = found[~np.isin(found, self.dead)]
        delta = self.delta()
        if delta.size:
            more = ask(delta)
            if more is None:
                return None
            found = np.union1d(found, more)
        return found

    def lengths(self, ids: Sequence[int]) -> NDArray[np.int64]:
        """Each pair's number of tokens (what :func:`.matching.tokens` counts), -1 for a pair the index does
        not hold."""
        ids = np.asarray(ids, np.int64)
        out = np.full(len(ids), -1, np.int64)
        delta = self.delta()
        for postings, held in ((self.base, self.base.holds(ids) & ~np.isin(ids, self.dead)),
                               (delta, delta.holds(ids))):
            out[held] = postings.lengths(ids[held])
        return out

    @property
    def pairs(self) -> int:
        return len(self.base.seg_ids) - len(self.dead) + sum(len(d[2]) for d in self._delta)

    # -------------------------------------------------------------- files

    def save(self, stem: Path, state: dict) -> None:
        """Write ``STEM.base`` (when it changed) and ``STEM.delta``; ``state`` (generation, ids) goes in both
        headers, so that a loader can tell whether they reflect the database."""
        if not self.base_saved:
            _write(stem.with_suffix(".base"), {"base": self.base_id, "by_chars": self.by_chars},
                   dict(zip(_BASE, (self.base.keys, self.base.offsets, self.base.ids, self.base.seg_ids,
                                    self.base.seg_lens))))
            self.base_saved = True
        if self._delta:
            delta = [np.concatenate(p) for p in zip(*self._delta)]
        else:
            delta = [np.zeros(0, dt) for dt in (np.uint64, np.int64, np.int64, np.int32)]
        _write(stem.with_suffix(".delta"), {"base": self.base_id, "by_chars": self.by_chars, **state},
               dict(zip(_DELTA, (self.dead, *delta))))

    @classmethod
    def load(cls, stem: Path, state: dict, mmap: bool = True) -> TokenIndex:
        """The index saved under ``stem`` for ``state``; :class:`TokenIndexError` when it is not there or is of
        another state."""
        head, arrays = _read(stem.with_suffix(".delta"), mmap=False, verify=True)
        if any(head.get(k) != v for k, v in state.items()):
            raise TokenIndexError("of another state of the database")
        bhead, base = _read(stem.with_suffix(".base"), mmap=mmap, verify=True)
        if bhead.get("base") != head.get("base") or bhead.get("by_chars") != head.get("by_chars"):
            raise TokenIndexError("delta and base do not belong together")
        try:
            ix = cls(bool(head["by_chars"]), Postings(*(base[k] for k in _BASE)), str(head["base"]))
            ix.dead = np.asarray(arrays["dead"], np.int64)
            if len(arrays["d_seg_ids"]):
                ix._delta = [tuple(np.asarray(arrays[k]) for k in _DELTA[1:])]
                ix._delta_postings = None
        except KeyError as e:
            raise TokenIndexError(f"damaged header (no {e})") from None
        return ix

    @staticmethod
    def damaged(stem: Path) -> str | None:
        """What is wrong with the files' bytes (each array's CRC-32 against its header), or None."""
        for suffix in (".base", ".delta"):
            try:
                _read(stem.with_suffix(suffix), mmap=True, verify=True)
            except TokenIndexError as e:
                return f"{stem.with_suffix(suffix).name}: {e}"
        return None


def _write(path: Path, head: dict, arrays: dict[str, NDArray]) -> None:
    meta, at = {}, 0
    for name, a in arrays.items():
        a = np.ascontiguousarray(a)
        meta[name] = {"dtype": a.dtype.str, "shape": list(a.shape), "at": at, "crc": zlib.crc32(a.data)}
        at += -(-a.nbytes // ALIGN) * ALIGN
    header = json.dumps({"version": VERSION, **head, "arrays": meta}).encode("utf-8")
    start = -(-(len(MAGIC) + 8 + len(header)) // ALIGN) * ALIGN
    with replacing(path) as f:  # whole or not at all, never through a link
        f.write(MAGIC + len(header).to_bytes(8, "little") + header)
        for name, a in arrays.items():
            f.seek(start + meta[name]["at"])
            f.write(np.ascontiguousarray(a).data)
        f.truncate(start + at)


def _read(path: Path, mmap: bool, verify: bool = False) -> tuple[dict, dict[str, NDArray]]:
    try:
        with open(path, "rb") as f:
            if f.read(len(MAGIC)) != MAGIC:
                raise TokenIndexError("not a token index file")
            size = int.from_bytes(f.read(8), "little")
            head = json.loads(f.read(size).decode("utf-8"))
            data = b"" if mmap else f.read()
    except FileNotFoundError:
        raise TokenIndexError("missing") from None
    except (OSError, ValueError) as e:
        raise TokenIndexError(f"unreadable ({e})") from None
    if not isinstance(head, dict) or head.get("version") != VERSION:
        raise TokenIndexError(f"version {head.get('version') if isinstance(head, dict) else '?'}, this tmbuild "
                              f"reads {VERSION}")
    try:
        return head, _arrays(path, head, size, data, mmap, verify)
    except TokenIndexError:
        raise
    except (KeyError, TypeError, ValueError, OverflowError) as e:  # a header damaged into other valid JSON
        raise TokenIndexError(f"damaged header ({e})") from None


def _arrays(path: Path, head: dict, size: int, data: bytes, mmap: bool, verify: bool) -> dict[str, NDArray]:
    start = -(-(len(MAGIC) + 8 + size) // ALIGN) * ALIGN
    total = path.stat().st_size - start
    arrays = {}
    whole = np.memmap(path, dtype=np.uint8, mode="r") if mmap and total > 0 else None
    for name, m in head["arrays"].items():
        dtype = np.dtype(m["dtype"])
        count = int(np.prod(m["shape"]))
        end = m["at"] + count * dtype.itemsize
        if end > total:
            raise TokenIndexError("shorter than its header says")
        if whole is not None:
            a = whole[start + m["at"]:start + end].view(dtype).reshape(m["shape"])
        else:
            buf = data[start - (len(MAGIC) + 8 + size) + m["at"]:][:count * dtype.itemsize]
            a = np.frombuffer(buf, dtype=dtype).reshape(m["shape"])
        if verify and zlib.crc32(a.data if a.size else b"") != m["crc"]:
            raise TokenIndexError(f"bytes of {name} damaged")
        arrays[name] = a
    return arrays
