"""Where semantic neighbours stop being related: the similarity that separates related from unrelated segments.

    python scripts/bench_semantic.py [--embedder use-m3] [--queries 400] [--seed 1]

The segments of ../shared/data/unpc-dev (each language on its own) are embedded; queries are segments
(sentence queries) and word n-grams of 1-3 content words cut from segments (term queries). A stored segment
is *related* to a query when it shares most of its content words (sentences: Jaccard >= 0.5 over content
words; terms: it holds every word of the term) and *unrelated* when it shares none. For each kind of query
the script prints the two distributions of cosine similarity and the threshold that best separates them
(highest balanced accuracy), with the share of unrelated segments above it. The lookup's semantic floor
(``corpus.store.store.RELATED_SIMILARITY``) is chosen from this table (docs/lookup.md).
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
from pathlib import Path

import numpy as np
import regex

from align.embed import encode_batched, get_embedder

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "unpc-dev"
STOP = frozenset("""a an the of and or to in on at by for with from as its their his her our this that these those
which who is are was were be been has have had not no but if than so such also into it they he she we you i all any
other its shall may should would will can must""".split())


def content_words(text: str, lang: str) -> set[str]:
    if lang == "zh":  # characters pairs (bigrams) stand in for words
        han = "".join(regex.findall(r"\p{Han}", text))
        return {han[i:i + 2] for i in range(len(han) - 1)}
    return {w for w in regex.findall(r"\w+", text.casefold()) if w not in STOP and not w.isdigit()}


def best_threshold(related: np.ndarray, unrelated: np.ndarray) -> tuple[float, float, float]:
    """(threshold, balanced accuracy, share of unrelated at or above it)."""
    best = (0.0, 0.0, 1.0)
    for t in np.arange(0.0, 1.0, 0.01):
        acc = 0.5 * ((related >= t).mean() + (unrelated < t).mean())
        if acc > best[1]:
            best = (float(t), float(acc), float((unrelated >= t).mean()))
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--embedder", default="use-m3")
    ap.add_argument("--queries", type=int, default=400)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if not DATA.exists():
        print(f"{DATA} is not here", file=sys.stderr)
        return 1
    emb = get_embedder(args.embedder)
    rng = random.Random(args.seed)
    print(f"machine: {platform.machine()}, Python {platform.python_version()}; embedder {args.embedder}; "
          f"{args.queries} queries of each kind and language")
    print("| language | queries | related: n, p10 / median | unrelated: n, median / p99 | threshold | "
          "balanced accuracy | unrelated above |")
    print("|---|---|---|---|---|---|---|")
    for lang, name in (("en", "unpc.en"), ("zh", "unpc.zh")):
        segs = sorted(set((DATA / name).read_text(encoding="utf-8").splitlines()))
        words = [content_words(s, lang) for s in segs]
        vecs = encode_batched(emb, segs)
        for kind in ("sentence", "term"):
            rel, unrel = [], []
            for _ in range(args.queries):
                k = rng.randrange(len(segs))
                if kind == "sentence":
                    q, qw = segs[k], words[k]
                    qv = vecs[k]
                else:
                    toks = (regex.findall(r"\w+", segs[k]) if lang == "en"
                            else regex.findall(r"\p{Han}{2}", segs[k]))
                    toks = [t for t in toks if t.casefold() not in STOP and not t.isdigit()]
                    if not toks:
                        continue
                    n = rng.randint(1, min(3, len(toks)))
                    at = rng.randrange(len(toks) - n + 1)
                    q = (" " if lang == "en" else "").join(toks[at:at + n])
                    qw = content_words(q, lang)
                    qv = emb.encode([q])[0]
                sims = vecs @ qv
                for j, s in enumerate(sims):
                    if kind == "sentence" and j == k:
                        continue
                    shared = len(qw & words[j])
                    if kind == "sentence":
                        union = len(qw | words[j]) or 1
                        if shared / union >= 0.5:
                            rel.append(s)
                        elif shared == 0:
                            unrel.append(s)
                    else:
                        if qw and qw <= words[j]:
                            rel.append(s)
                        elif shared == 0:
                            unrel.append(s)
            r, u = np.array(rel), np.array(unrel)
            t, acc, above = best_threshold(r, u)
            print(f"| {lang} | {kind} | {len(r)}, {np.percentile(r, 10):.2f} / {np.median(r):.2f} | {len(u)}, "
                  f"{np.median(u):.2f} / {np.percentile(u, 99):.2f} | {t:.2f} | {acc:.3f} | {100 * above:.1f}% |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
