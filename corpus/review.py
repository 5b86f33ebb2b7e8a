"""Corrections of a stored alignment: the edits a reviewer makes, as pure functions over a bead list.

A document pair's alignment is an exact cover of both sides' sentences by beads, in order: every sentence
in exactly one bead, each bead a run of consecutive sentences on each side, both sides' runs increasing.
Beads with text on both sides are the store's pairs; the others hold one sentence left unaligned. An edit
(:func:`apply_edit`) turns one cover into another and says which beads it made; :func:`check_cover` refuses
anything that is not a cover, so no edit can leave a sentence twice or lose one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from align.errors import TmbuildError

AUTOMATIC, CONFIRMED, CORRECTED = "automatic", "confirmed", "corrected"
REVIEW_STATES = (AUTOMATIC, CONFIRMED, CORRECTED)
IMPORTED = "imported"  # a unit of an imported TMX or CAT file: a human translation, not reviewed here
ACTIONS = ("confirm", "merge", "split", "move", "detach", "unalign", "replace")  # and "text" (text_edit)
MAX_TEXT = 4000  # characters of a sentence a reviewer types


class EditError(TmbuildError):
    """An edit that cannot be made (said to the reviewer; nothing is changed)."""


class StaleEdit(EditError):
    """An edit of a bead the document no longer has: the reviewer saw an older state."""


@dataclass(frozen=True, slots=True)
class ReviewedBead:
    """A bead of a stored document as the review sees it: its sentences, the aligner's confidence, and what a
    reviewer did with it (the aligner's own bead is :class:`align.model.Bead`)."""
    src: tuple[int, ...]
    tgt: tuple[int, ...]
    score: float | None = None  # the aligner's confidence (None: a bead without both sides)
    review: str = AUTOMATIC
    reviewed: str = ""  # when a reviewer confirmed or made it
    pair_id: int | None = None

    @property
    def paired(self) -> bool:
        return bool(self.src and self.tgt)

    @property
    def key(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        return self.src, self.tgt


def cover(pairs: Sequence[ReviewedBead], n_src: int, n_tgt: int) -> list[ReviewedBead]:
    """The whole cover of a document from its pairs (in order): each sentence no pair holds becomes a bead of
    its own, placed where it falls between the pairs (source before target)."""
    out: list[ReviewedBead] = []
    i = j = 0
    for p in sorted(pairs, key=lambda b: (b.src[0], b.tgt[0])):
        out += [ReviewedBead((s,), ()) for s in range(i, p.src[0])]
        out += [ReviewedBead((), (t,)) for t in range(j, p.tgt[0])]
        out.append(p)
        i, j = p.src[-1] + 1, p.tgt[-1] + 1
    out += [ReviewedBead((s,), ()) for s in range(i, n_src)]
    out += [ReviewedBead((), (t,)) for t in range(j, n_tgt)]
    return out


def check_cover(beads: Sequence[ReviewedBead], n_src: int, n_tgt: int) -> None:
    """Raise :class:`EditError` unless ``beads`` cover every sentence exactly once, in order, in runs."""
    for side, n in (("src", n_src), ("tgt", n_tgt)):
        name = "source" if side == "src" else "target"
        seen = [i for b in beads for i in getattr(b, side)]
        twice = sorted(i for i, c in Counter(seen).items() if c > 1)
        if twice:
            raise EditError(f"{name} sentence {twice[0]} would be in two beads")
        if any(not 0 <= i < n for i in seen):
            raise EditError(f"no {name} sentence {max(seen)}: the document has {n}")
        if len(seen) != n:
            missing = sorted(set(range(n)) - set(seen))
            raise EditError(f"{name} sentence {missing[0]} would be in no bead")
        if seen != sorted(seen):
            raise EditError(f"{name} sentences would be out of order")
        for b in beads:
            ids = getattr(b, side)
            if ids and list(ids) != list(range(ids[0], ids[0] + len(ids))):
                raise EditError(f"a bead's {name} sentences must follow each other ({list(ids)})")
    if any(not b.src and not b.tgt for b in beads):
        raise EditError("a bead with no sentence")


def _singles(src: Sequence[int], tgt: Sequence[int]) -> list[ReviewedBead]:
    """Sentences left unaligned: one bead each."""
    return [ReviewedBead((s,), ()) for s in src] + [ReviewedBead((), (t,)) for t in tgt]


def _made(src: Sequence[int], tgt: Sequence[int], when: str) -> list[ReviewedBead]:
    """A bead a reviewer made (or, when a side is empty, its sentences left unaligned)."""
    if src and tgt:
        return [ReviewedBead(tuple(src), tuple(tgt), review=CORRECTED, reviewed=when)]
    return _singles(src, tgt)


def find(beads: Sequence[ReviewedBead], src: Sequence[int], tgt: Sequence[int]) -> int:
    """Index of the bead holding exactly these sentences."""
    key = (tuple(src), tuple(tgt))
    for k, b in enumerate(beads):
        if b.key == key:
            return k
    raise StaleEdit(f"no bead {list(src)}:{list(tgt)} in this document (it changed since it was shown: reload)")


def apply_edit(beads: Sequence[ReviewedBead], edit: dict, n_src: int, n_tgt: int, when: str) -> list[ReviewedBead]:
    """The cover after one edit. ``edit`` names its bead by its sentences (``src``, ``tgt``: lists of ids)
    and its ``action``:

    * ``confirm``: the bead is right as it is.
    * ``merge`` with the ``next`` or ``previous`` bead (``to``).
    * ``split`` into two: the first ``src_at`` source and ``tgt_at`` target sentences, and the rest (by
      default one sentence of each side that has more than one goes first).
    * ``move`` a sentence of ``side`` (``src``/``tgt``) across a boundary ``to`` the ``next`` bead (its
      last sentence) or the ``previous`` one (its first).
    * ``detach`` sentence ``sentence`` of ``side``, the first or last of its side: it is left unaligned.
    * ``unalign``: all the bead's sentences are left unaligned.
    * ``replace``: the bead and the ``count - 1`` after it by the beads ``beads`` (lists of ``src``/``tgt``).
    """
    action = edit.get("action")
    if action not in ACTIONS:
        raise EditError(f"unknown action {action!r}; one of {', '.join(ACTIONS)}")
    src, tgt = _ids(edit.get("src", ()), "src"), _ids(edit.get("tgt", ()), "tgt")
    beads = list(beads)
    k = find(beads, src, tgt)
    b = beads[k]
    if action == "confirm":
        if not b.paired:
            raise EditError("an unaligned sentence cannot be confirmed; merge it with a bead")
        new = [replace(b, review=CONFIRMED, reviewed=when, score=1.0)]  # a reviewer's verdict: certain
        out = beads[:k] + new + beads[k + 1:]
    elif action == "merge":
        to = edit.get("to", "next")
        if to not in ("next", "previous"):
            raise EditError("merge to is next or previous")
        o = k + 1 if to == "next" else k - 1
        if not 0 <= o < len(beads):
            raise EditError(f"there is no {to} bead to merge with")
        a, c = sorted((k, o))
        out = beads[:a] + _made(beads[a].src + beads[c].src, beads[a].tgt + beads[c].tgt, when) + beads[c + 1:]
    elif action == "split":
        s_at = _int(edit.get("src_at", 1 if len(b.src) > 1 else len(b.src)), "src_at")
        t_at = _int(edit.get("tgt_at", 1 if len(b.tgt) > 1 else len(b.tgt)), "tgt_at")
        if not (0 <= s_at <= len(b.src) and 0 <= t_at <= len(b.tgt)):
            raise EditError(f"split at {s_at}:{t_at} is outside the bead ({len(b.src)}-{len(b.tgt)})")
        first, rest = (b.src[:s_at], b.tgt[:t_at]), (b.src[s_at:], b.tgt[t_at:])
        if not any(first) or not any(rest):
            raise EditError("this split leaves one part empty; a 1-1 bead cannot be split (unalign it instead)")
        out = beads[:k] + _made(*first, when) + _made(*rest, when) + beads[k + 1:]
    elif action == "move":
        side, to = edit.get("side"), edit.get("to", "next")
        if side not in ("src", "tgt") or to not in ("next", "previous"):
            raise EditError("move needs side (src or tgt) and to (next or previous)")
        ids = getattr(b, side)
        if not ids:
            raise EditError(f"the bead has no {'source' if side == 'src' else 'target'} sentence to move")
        o = k + 1 if to == "next" else k - 1
        if not 0 <= o < len(beads):
            raise EditError(f"there is no {to} bead to move a sentence to")
        moved, kept = (ids[-1:], ids[:-1]) if to == "next" else (ids[:1], ids[1:])
        other = getattr(beads[o], side)
        joined = moved + other if to == "next" else other + moved
        here = replace(b, **{side: kept})
        there = replace(beads[o], **{side: joined})
        parts = {k: _made(here.src, here.tgt, when), o: _made(there.src, there.tgt, when)}
        a, c = sorted((k, o))
        out = beads[:a] + parts[a] + parts[c] + beads[c + 1:]
    elif action == "detach":
        side = edit.get("side")
        if side not in ("src", "tgt"):
            raise EditError("detach needs side (src or tgt) and sentence")
        ids = getattr(b, side)
        s = _int(edit.get("sentence", -1), "sentence")
        if s not in ids:
            raise EditError(f"sentence {s} is not on that side of the bead")
        if s not in (ids[0], ids[-1]):
            raise EditError("only the first or last sentence of a bead's side can be left unaligned; split the "
                            "bead first")
        rest = replace(b, **{side: tuple(i for i in ids if i != s)})
        alone = _singles((s,), ()) if side == "src" else _singles((), (s,))
        kept = _made(rest.src, rest.tgt, when)
        out = beads[:k] + (alone + kept if s == ids[0] else kept + alone) + beads[k + 1:]
    elif action == "unalign":
        if not b.paired:
            raise EditError("this sentence is already unaligned")
        out = beads[:k] + _singles(b.src, b.tgt) + beads[k + 1:]
    else:  # replace
        count = _int(edit.get("count", 1), "count")
        if not 1 <= count <= len(beads) - k:
            raise EditError(f"count must be between 1 and {len(beads) - k}")
        made: list[ReviewedBead] = []
        new = edit.get("beads") or ()
        if not isinstance(new, list) or not all(isinstance(nb, dict) for nb in new):
            raise EditError("beads is a list of {\"src\": [...], \"tgt\": [...]}")
        for nb in new:
            made += _made(_ids(nb.get("src", ()), "src"), _ids(nb.get("tgt", ()), "tgt"), when)
        out = beads[:k] + made + beads[k + count:]
    check_cover(out, n_src, n_tgt)
    return out


def text_edit(edit: dict, n_src: int, n_tgt: int) -> tuple[str, int, str]:
    """A text edit checked: ``side`` (src or tgt), ``sentence`` (its number) and ``text`` (its new text, one
    line: runs of white space become one space)."""
    side = edit.get("side")
    if side not in ("src", "tgt"):
        raise EditError("a text edit needs side (src or tgt), sentence and text")
    i = _int(edit.get("sentence", -1), "sentence")
    n = n_src if side == "src" else n_tgt
    if not 0 <= i < n:
        raise EditError(f"no {'source' if side == 'src' else 'target'} sentence {i}: the document has {n}")
    text = edit.get("text")
    if not isinstance(text, str):
        raise EditError("text is the sentence's new text")
    text = " ".join(text.split())
    if not text:
        raise EditError("a sentence cannot be empty; to leave it out of the memory, unalign it")
    if len(text) > MAX_TEXT:
        raise EditError(f"the text is {len(text)} characters; a sentence is at most {MAX_TEXT}")
    return side, i, text


MAX_SENTENCE = 10_000_000  # sentence numbers are below this (a document of ten million sentences)


def _int(v: object, name: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not -MAX_SENTENCE <= v <= MAX_SENTENCE:
        raise EditError(f"{name} must be a whole number")
    return v


def _ids(v: object, name: str) -> tuple[int, ...]:
    """A list of sentence numbers: whole numbers (not 0.5, not true), 0 or more, as JSON gives them."""
    if not isinstance(v, (list, tuple)) or not all(
            isinstance(i, int) and not isinstance(i, bool) and 0 <= i < MAX_SENTENCE for i in v):
        raise EditError(f"src and tgt are lists of sentence numbers (whole numbers from 0; {name} is not)")
    return tuple(v)


@dataclass(frozen=True, slots=True)
class Carried:
    """What became of one reviewed bead when its document was aligned again (a revision)."""
    old: ReviewedBead  # the reviewed bead, in the old version's sentence numbers
    new: ReviewedBead | None  # the same bead in the new version's sentence numbers; None: dropped
    reason: str = ""  # why it was dropped


def _runs(texts: Sequence[str], run: Sequence[str]) -> list[int]:
    """Where ``run`` occurs in ``texts`` as consecutive items."""
    n = len(run)
    first = run[0]
    return [p for p, t in enumerate(texts) if t == first and list(texts[p:p + n]) == list(run)]


def _before(a: ReviewedBead, b: ReviewedBead) -> bool:
    return a.src[-1] < b.src[0] and a.tgt[-1] < b.tgt[0]


def _crosses(a: ReviewedBead, b: ReviewedBead) -> bool:
    """``a`` and ``b`` share a sentence or are in different orders on the two sides."""
    return not (_before(a, b) or _before(b, a))


def carry_reviews(old: Sequence[ReviewedBead], old_src: Sequence[str], old_tgt: Sequence[str],
                  new: Sequence[ReviewedBead], new_src: Sequence[str], new_tgt: Sequence[str]
                  ) -> tuple[list[ReviewedBead], list[Carried]]:
    """A revised document's beads: the new alignment's pairs (``new``) with every reviewed bead of the old
    version (``old``, over ``old_src``/``old_tgt``) put back where its sentences now are, when they are still
    there unchanged (the same texts, in the same order, on both sides), wherever they moved.

    A reviewed bead whose sentences occur more than once goes where it moved least; one that would cross a
    bead carried before it (paragraphs swapped) is dropped. The new pairs that share a sentence with a carried
    bead, or cross it, give way (their other sentences are left unaligned). Returns the pairs (sorted, a valid
    cover's pairs) and what became of each reviewed bead, in the old order."""
    placed: list[ReviewedBead] = []
    report: list[Carried] = []
    for b in (b for b in old if b.paired and b.review != AUTOMATIC):
        s_run, t_run = [old_src[i] for i in b.src], [old_tgt[j] for j in b.tgt]
        s_at, t_at = _runs(new_src, s_run), _runs(new_tgt, t_run)
        if not s_at or not t_at:
            s_left = sum(t in set(new_src) for t in s_run) + sum(t in set(new_tgt) for t in t_run)
            reason = "its sentences are gone" if not s_left else "one of its sentences changed or is gone"
            report.append(Carried(b, None, reason))
            continue
        options = sorted((abs(p - b.src[0]) + abs(q - b.tgt[0]), p, q) for p in s_at for q in t_at)
        for _, p, q in options:
            cand = ReviewedBead(tuple(range(p, p + len(b.src))), tuple(range(q, q + len(b.tgt))), b.score, b.review,
                        b.reviewed, b.pair_id)
            if not any(_crosses(cand, o) for o in placed):
                placed.append(cand)
                report.append(Carried(b, cand))
                break
        else:
            report.append(Carried(b, None, "its sentences moved across another reviewed bead"))
    kept = [n for n in new if n.paired and not any(_crosses(n, p) for p in placed)]
    pairs = sorted(kept + placed, key=lambda x: (x.src[0], x.tgt[0]))
    check_cover(cover(pairs, len(new_src), len(new_tgt)), len(new_src), len(new_tgt))
    return pairs, report
