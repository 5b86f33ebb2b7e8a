"""``tmbuild search``: a phrase or sentence looked up in the memory, answered as a CAT tool does."""

from __future__ import annotations

import argparse
import json
import sys

from ..files import is_stdio
from ..store import FUZZY_MIN, MAX_K, MIN_SIMILARITY, MODES, RELATED_SIMILARITY
from .options import add_common, number, store_arg


def add(sub) -> None:
    p = sub.add_parser("search", help="look a phrase or sentence up in the memory, in either language",
                       description="Stored segments for QUERY in its own language, each with its translation, "
                                   "ranked as a CAT tool does: exact, concordance (QUERY occurs verbatim; every "
                                   "such segment is found), fuzzy (edit similarity of the whole segment), then "
                                   "semantic neighbours. For a phrase, its likely translations are listed and "
                                   "marked [like this] in each hit.")
    p.add_argument("query", help="text to look up, or - to read queries from standard input, one a line")
    store_arg(p, "store folder (tmbuild build)")
    p.add_argument("-k", type=number(int, 1, MAX_K), default=10, metavar="N",
                   help=f"how many results, 1 to {MAX_K} (default 10)")
    p.add_argument("--mode", choices=MODES, default="auto",
                   help="kinds of match: auto (exact, concordance, fuzzy; segments similar in meaning apart, for "
                        f"a sentence from a cosine of {RELATED_SIMILARITY}, for a term only when nothing else is "
                        "found), or one kind with exact matches (default auto)")
    p.add_argument("--min-similarity", type=number(float, -1.0, 1.0, "a cosine"), default=None,
                   metavar="X", help=f"drop semantic neighbours below this cosine (default {RELATED_SIMILARITY} "
                                     f"in auto mode, {MIN_SIMILARITY} with --mode semantic)")
    p.add_argument("--min-match", type=number(float, 1.0, 100.0, "a percentage"), default=FUZZY_MIN,
                   metavar="PCT", help=f"lowest fuzzy match percentage (default {FUZZY_MIN:.0f})")
    p.add_argument("--lang", choices=("zh", "en", "auto"), default="auto", help="language of the query")
    p.add_argument("--json", action="store_true", help="machine-readable output, one JSON object a query")
    add_common(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..store import Store

    many = is_stdio(args.query)
    queries = [q.strip() for q in sys.stdin if q.strip()] if many else [args.query]
    store = Store.open(args.store, readonly=True)
    try:
        for note in store.notes:
            print(f"tmbuild: {args.store}: {note}", file=sys.stderr)
        for q in queries:
            found = store.lookup(q, k=args.k, lang=args.lang, mode=args.mode, min_similarity=args.min_similarity,
                                 min_fuzzy=args.min_match)
            if args.json:
                print(json.dumps(found.as_dict(), ensure_ascii=False, indent=None if many else 2))
                continue
            if many:
                print(f"query: {q}")
            print_lookup(found)
    finally:
        store.close()
    return 0


def print_lookup(found) -> None:
    """One answer as text: the counts, the renderings, then each hit with its translation, spans marked."""
    from ..store.matching import mark
    from ..store.store import COUNT_CAP

    counts = ", ".join(f"{n}{'+' if n >= COUNT_CAP else ''} {kind}" for kind, n in found.counts.items() if n)
    print(f"found: {counts or 'nothing'}")
    if found.renderings:
        print("translations: " + ", ".join(f"{t} ({n})" for t, n in found.renderings[:8]))
    for n, h in enumerate(found.hits, 1):
        if h.kind == "semantic" and (n == 1 or found.hits[n - 2].kind != "semantic"):
            print("similar in meaning (no lexical match; nearest by embedding):")
        where = f"{h.doc} (paragraph {h.paragraph})"
        if h.count > 1:
            others = len(h.documents) - 1
            where += f" and {h.count - 1} more" + (f" in {others} other document{'s' * (others > 1)}" if others else "")
        print(f"{n:>2}. {h.kind:<11} {h.label:>12}  align {h.score:.2f}  {where}")
        print(f"    {mark(h.text, h.spans)}")
        print(f"    -> {mark(h.translation, h.translation_spans)}")
