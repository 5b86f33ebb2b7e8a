"""Lookup benchmark: term translations, completeness of each kind of match, and latency at scale.

    python scripts/bench_lookup.py [--n 1000000] [--queries 100] [--keep DIR]

1. Term translation: the 1,982 pairs of ../shared/data/unpc-dev go into a store (real use-m3 vectors, one
   document per UN document); each term of scripts/terms.tsv is looked up and its first listed rendering
   compared with the references; the rendering marked in each hit shown is compared with them too.
2. Scale: a store of ``--n`` pairs. Texts are spliced from unpc-dev pairs (a prefix of one real pair
   joined to a suffix of another, cut at the same relative place on both sides, so the vocabulary and
   n-gram statistics are real UN text; there are fewer distinct words than in a real million, which makes
   posting lists longer, not shorter); vectors are mixes of real sentence vectors (as in bench_store.py).
   Every other document's Chinese is converted to Traditional script (OpenCC s2t), as in a mixed memory.
   The pairs are written with SQL (the lexical index fills through its triggers), then the store is opened,
   which builds its IVF index from the stored vectors, as a repair would.
3. Completeness against brute force over the same million normalised segments: concordance (every
   segment containing the query, a substring scan) and fuzzy (every segment at or above 70 %, rapidfuzz's
   Levenshtein over the whole side); the Chinese concordance queries again in Traditional script, against a
   scan of the canonical forms (cross-script recall).
4. Latency of ``Store.lookup`` per query, one process with tmbuild's thread policy (one BLAS thread, applied
   at start as the CLI and so the server apply it), warm (a first round of other
   queries of each kind has read the index files), on a quiet machine and with one core kept busy
   (``python -c "while True: pass"``), in one run; the store opened as the server opens it (vector indexes
   resident in memory), and semantic queries once more with the indexes mapped (as a one-shot search).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from align.embed import encode_batched, get_embedder
from align.embed.base import blas_threads, limit_threads, signature
from align.model import TranslationUnit
from corpus.store import Store
from corpus.store.matching import Fuzzy, by_characters, normalise_text
from corpus.store.vectors import vec_blob

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_store import synth  # noqa: E402
from devset import UNPC, load_pairs  # noqa: E402

TERMS = Path(__file__).resolve().parent / "terms.tsv"


def load_terms() -> list[tuple[str, str, list[str]]]:
    out = []
    for line in TERMS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            lang, term, refs = line.split("\t")
            out.append((lang, term, refs.split("|")))
    return out


def dev_store(path: Path, emb) -> Store:
    pairs = load_pairs()
    docs = [line.split()[0] for line in (UNPC / "unpc.ids").read_text(encoding="utf-8").splitlines()]
    vz, ve = encode_batched(emb, [z for z, _ in pairs]), encode_batched(emb, [e for _, e in pairs])
    s = Store.create(path, signature(emb), emb.name, emb.dim)
    by_doc: dict[str, list[int]] = {}
    for i, d in enumerate(docs):
        by_doc.setdefault(d, []).append(i)
    for d, idx in by_doc.items():
        units = [TranslationUnit(pairs[i][0], pairs[i][1], doc=d, bead=i) for i in idx]
        s.add_document(d, "h", units, vz[idx], ve[idx], symbol=d)
    return s


def term_translation(emb) -> tuple[dict[str, tuple[int, list[str]]], dict[str, tuple[int, int, int]]]:
    """Per query language: (terms asked, the wrong ones) of the term list, in a store of the unpc-dev pairs;
    and the marks in the hits shown (k=10): (hits, hits with a rendering marked, marks that are a reference,
    case aside)."""
    out: dict[str, tuple[int, list[str]]] = {}
    marks: dict[str, tuple[int, int, int]] = {}
    with tempfile.TemporaryDirectory() as d:
        s = dev_store(Path(d) / "s", emb)
        for lang, term, refs in load_terms():
            asked, wrong = out.get(lang, (0, []))
            found = s.lookup(term, k=10, lang=lang, mode="concordance")
            got = found.renderings
            first = got[0][0] if got else ""
            known = {r.lower() for r in refs}
            if first.lower() not in known:
                wrong.append(f"{term} -> {first or '(none)'} (reference {' | '.join(refs)}; listed "
                             f"{', '.join(f'{t} ({n})' for t, n in got[:3])})")
            out[lang] = (asked + 1, wrong)
            shown = [h for h in found.hits if h.kind in ("exact", "concordance")]
            marked = [h.translation[a:b] for h in shown for a, b in h.translation_spans[:1]]
            n, m, r = marks.get(lang, (0, 0, 0))
            marks[lang] = (n + len(shown), m + len(marked), r + sum(x.lower() in known for x in marked))
        s.close()
    return out, marks


# ------------------------------------------------------------ a store at scale


def spliced(pairs: list[tuple[str, str]], n: int, rng: random.Random) -> list[tuple[str, str]]:
    out = []
    for _ in range(n):
        (za, ea), (zb, eb) = rng.choice(pairs), rng.choice(pairs)
        f = rng.uniform(0.2, 0.8)
        wa, wb = ea.split(), eb.split()
        en = " ".join(wa[:max(1, round(len(wa) * f))] + wb[round(len(wb) * f):])
        zh = za[:max(1, round(len(za) * f))] + zb[round(len(zb) * f):]
        out.append((zh, en))
    return out


def scale_store(path: Path, n: int, emb) -> None:
    pairs = load_pairs()
    rng = random.Random(0)
    texts = spliced(pairs, n, rng)
    from corpus.chinese import _converter

    s2t = _converter("s2t")  # every other document's Chinese in Traditional script, as a mixed memory has it
    texts = [(s2t.convert(z), e) if (i // 1000) % 2 else (z, e) for i, (z, e) in enumerate(texts)]
    nrng = np.random.default_rng(0)
    real = np.concatenate([encode_batched(emb, [z for z, _ in pairs]), encode_batched(emb, [e for _, e in pairs])])
    s = Store.create(path, signature(emb), emb.name, emb.dim)
    s.close()
    con = sqlite3.connect(str(path / "store.sqlite"))
    from corpus.store import lexical

    lexical.register(con)
    con.execute("PRAGMA synchronous=OFF")
    t = time.perf_counter()
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        xz, xe = synth(real, m, nrng), synth(real, m, nrng)
        with con:
            for d in range(start, start + m, 1000):
                cur = con.execute("INSERT INTO documents(key, symbol, content_hash, origin, added) "
                                  "VALUES (?, ?, 'h', 'bench', '')", (f"doc{d}", f"DOC/{d // 1000}"))
                doc = cur.lastrowid
                con.executemany(
                    "INSERT INTO pairs(doc_id, src_text, tgt_text, src_lang, tgt_lang, paragraph, bead_index, "
                    "bead_kind, score, embedder, added, src_norm, tgt_norm, src_vec, tgt_vec) "
                    "VALUES (?, ?, ?, 'zh', 'en', 0, ?, '1-1', 0.9, '', '', ?, ?, ?, ?)",
                    [(doc, z, e, i, normalise_text(z), normalise_text(e), vec_blob(xz[i - start]),
                      vec_blob(xe[i - start])) for i, (z, e) in enumerate(texts[d:min(d + 1000, start + m)], d)])
        print(f"  {start + m:,} pairs written ({time.perf_counter() - t:.0f} s)", file=sys.stderr, flush=True)
    con.execute("UPDATE meta SET value = '1' WHERE key = 'generation'")
    con.commit()
    con.close()
    t = time.perf_counter()
    s = Store.open(path)  # builds the vector indexes from the database
    print(f"  indexes built in {time.perf_counter() - t:.0f} s: {s.notes}", file=sys.stderr, flush=True)
    s.close()


# ------------------------------------------------------------ completeness


def _substring_queries(norms: list[str], terms: list[str], rng: random.Random, count: int) -> list[str]:
    out = list(terms)
    while len(out) < len(terms) + count:
        t = rng.choice(norms)
        size = rng.choice((2, 3, 4, 8, 16))
        at = rng.randrange(max(1, len(t) - size))
        out.append(t[at:at + size])
    return out


def _concordance(store: Store, side: str, ids: list[int], norms: list[str], qs: list[str]):
    """(queries, segments found, missed, found but not in the scan) of concordance queries ``qs`` against a
    substring scan of the side's normal forms."""
    from corpus.store import lexical

    missed = found = extra = 0
    for q in qs:
        truth = {i for i, t in zip(ids, norms) if q in t}
        got = set(lexical.containing(store.con, side, q, None)[1])
        found += len(truth & got)
        missed += len(truth - got)
        extra += len(got - truth)
    return len(qs), found, missed, extra


def completeness(store: Store, queries: int, rng: random.Random):
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein


    report = {}
    terms = load_terms()
    pairs = load_pairs()
    for side, lang, col in (("src", "zh", "src_norm"), ("tgt", "en", "tgt_norm")):
        rows = store.con.execute(f"SELECT id, {col} FROM pairs").fetchall()
        ids = [r[0] for r in rows]
        norms = [r[1] for r in rows]
        qs = _substring_queries(norms, [normalise_text(t) for lg, t, _ in terms if lg == lang], rng, queries)
        report[("concordance", lang)] = _concordance(store, side, ids, norms, qs)
        if lang == "zh":  # the same queries in the other script: found as one text (canonical forms)
            from corpus.chinese import _converter

            other = _converter("s2t")
            report[("concordance, queries in Traditional", lang)] = _concordance(
                store, side, ids, norms, [normalise_text(other.convert(q)) for q in qs])
        # fuzzy: real sentences with one to three edits, against every segment of the side
        enc = Fuzzy("", lang)
        coded = [enc.encode(t) for t in norms]
        missed = found = extra = 0
        nq = 0
        for _ in range(queries // 2):
            base = rng.choice(pairs)[0 if lang == "zh" else 1]
            units = list(base) if by_characters(lang) else base.split()
            for _ in range(rng.randint(1, 3)):
                at = rng.randrange(len(units))
                units[at] = rng.choice(units)
            q = ("" if by_characters(lang) else " ").join(units)
            fz = Fuzzy(q, lang)
            fz._codes = enc._codes  # one word code table for the scan and the store
            fz.query = fz.encode(fz.norm)
            scan = process.extract(fz.query, coded, scorer=Levenshtein.normalized_similarity, score_cutoff=0.7,
                                   limit=None)
            truth = {ids[j] for _, _, j in scan}
            got = {i for i, _ in store._fuzzy(side, fz, 70.0)}
            found += len(truth & got)
            missed += len(truth - got)
            extra += len(got - truth)
            nq += 1
        report[("fuzzy", lang)] = (nq, found, missed, extra)
    return report


# ------------------------------------------------------------ latency


def latency(store: Store, emb, rng: random.Random, queries: int) -> dict[str, tuple[float, float]]:
    terms = load_terms()
    pairs = load_pairs()
    sampled = rng.sample(pairs, queries)
    sentences = [p[i % 2] for i, p in enumerate(sampled)]
    # use-m3 keeps the features of the tokens it has seen: each round starts from those of 300 other dev
    # sentences, as a server that has answered a few hundred queries, never from the round's own
    taken = set(sampled)
    others = [p[i % 2] for i, p in enumerate(p for p in pairs if p not in taken)][:300]

    def seen_others() -> None:
        if hasattr(emb, "forget_tokens"):
            emb.forget_tokens()
            emb.encode(others)
    edited = []
    for s in sentences:
        words = s.split() if " " in s else list(s)
        words[rng.randrange(len(words))] = rng.choice(words)
        edited.append((" " if " " in s else "").join(words))
    term_qs = [(t, lg) for lg, t, _ in terms]
    runs = {
        "semantic (sentence, with embedding)": [(q, dict(mode="semantic")) for q in sentences],
        "concordance (term, hits)": [(q, dict(mode="concordance", lang=lg, renderings=False)) for q, lg in term_qs],
        "concordance (term, hits + renderings)": [(q, dict(mode="concordance", lang=lg)) for q, lg in term_qs],
        "fuzzy (edited sentence)": [(q, dict(mode="fuzzy")) for q in edited],
        "auto (term)": [(q, dict(lang=lg, renderings=False)) for q, lg in term_qs],
        "auto (edited sentence)": [(q, dict(renderings=False)) for q in edited],
    }
    store.lookup(sentences[0], mode="semantic")  # model loaded, index pages touched
    out = {}
    lat = []
    seen_others()
    for q in sentences:  # the part of a semantic lookup that is the model's
        t = time.perf_counter()
        emb.encode([q])
        lat.append(time.perf_counter() - t)
    out["embedding alone (the same sentences)"] = (float(np.median(lat)) * 1e3, float(np.percentile(lat, 95)) * 1e3)
    seen_others()
    for name, qs in runs.items():
        lat = []
        for q, kw in qs:
            t = time.perf_counter()
            store.lookup(q, k=10, **kw)
            lat.append(time.perf_counter() - t)
        out[name] = (float(np.median(lat)) * 1e3, float(np.percentile(lat, 95)) * 1e3)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="pairs in the scale store")
    ap.add_argument("--queries", type=int, default=100, help="random queries per language and check")
    ap.add_argument("--keep", type=Path, help="build the scale store here and keep it (reused when present)")
    ap.add_argument("--skip-terms", action="store_true", help="leave out part 1")
    ap.add_argument("--skip-completeness", action="store_true", help="leave out part 3")
    a = ap.parse_args()
    limit_threads()  # the thread policy every tmbuild process applies at its start, the server included
    emb = get_embedder("use-m3")
    import faiss

    print(f"command: python scripts/bench_lookup.py --n {a.n} --queries {a.queries}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}, "
          f"sqlite {sqlite3.sqlite_version}, faiss {faiss.__version__}, embedder {signature(emb)}, "
          f"{blas_threads()} BLAS thread")
    print()
    if not a.skip_terms:
        print("term translation (scripts/terms.tsv, store of the 1,982 unpc-dev pairs): the first rendering is "
              "the reference for")
        firsts, marks = term_translation(emb)
        for lang, (n, wrong) in firsts.items():
            print(f"  {lang} queries: {n - len(wrong)} of {n} ({1 - len(wrong) / n:.1%})")
            for w in wrong:
                print(f"    wrong: {w}")
        print("renderings marked in the hits shown (k=10): hits marked, and marks that are a reference (case "
              "aside; an inflected form such as 'conflicts' for 'conflict' counts as not)")
        for lang, (n, m, r) in marks.items():
            print(f"  {lang} queries: {m} of {n} hits marked ({m / max(n, 1):.1%}); {r} of those marks a reference "
                  f"({r / max(m, 1):.1%})")
        print()
    tmp = None
    path = a.keep
    if path is None:
        tmp = tempfile.TemporaryDirectory()
        path = Path(tmp.name) / "s"
    if not (path / "store.sqlite").is_file():
        t = time.perf_counter()
        scale_store(path, a.n, emb)
        print(f"scale store: {a.n:,} pairs built in {time.perf_counter() - t:.0f} s")
    t = time.perf_counter()
    with Store.open(path) as s:  # a kept store from an earlier tmbuild gets the indexes it lacks
        if s.notes:
            print(f"scale store opened for writing in {time.perf_counter() - t:.0f} s: {'; '.join(s.notes)}")
    size = sum(f.stat().st_size for f in path.iterdir()) / 1e9
    t = time.perf_counter()
    store = Store.open(path, readonly=True)
    n = store.stats().pairs
    print(f"scale store: {n:,} pairs, {size:.1f} GB on disk, index {store.stats().index_kind}, "
          f"opened in {(time.perf_counter() - t) * 1e3:.0f} ms (vector indexes mapped, as a one-shot search)")
    mapped = store
    t = time.perf_counter()
    store = Store.open(path, readonly=True, resident=True)
    print(f"opened again in {(time.perf_counter() - t) * 1e3:.0f} ms with the vector indexes read into memory "
          f"(resident, as the server): the latencies below")
    print()
    if not a.skip_completeness:
        rep = completeness(store, a.queries, random.Random(1))
        print("| kind | language | queries | segments found | missed | found but not in the scan |")
        print("|---|---|---|---|---|---|")
        for (kind, lang), (q, found, missed, extra) in rep.items():
            print(f"| {kind} | {lang} | {q} | {found:,} | {missed:,} | {extra:,} |")
        print()
    latency(mapped, emb, random.Random(3), a.queries)
    semantic = "semantic (sentence, with embedding)"
    quiet_mapped = latency(mapped, emb, random.Random(2), a.queries)[semantic]
    mapped.close()
    latency(store, emb, random.Random(3), a.queries)  # warm: other queries of each kind read the files once
    quiet = latency(store, emb, random.Random(2), a.queries)
    busy_proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(1)
        busy = latency(store, emb, random.Random(2), a.queries)
    finally:
        busy_proc.kill()
    print(f"latency per query at {n:,} pairs (ms, Store.lookup, k=10):")
    print()
    print("| query | quiet p50 | quiet p95 | one core busy p50 | one core busy p95 |")
    print("|---|---|---|---|---|")
    for name in quiet:
        print(f"| {name} | {quiet[name][0]:.2f} | {quiet[name][1]:.2f} | {busy[name][0]:.2f} | {busy[name][1]:.2f} |")
    print()
    print(f"{semantic}, vector indexes mapped: p50 {quiet_mapped[0]:.2f}, p95 {quiet_mapped[1]:.2f} (quiet)")
    store.close()
    print(json.dumps({"quiet": quiet, "busy": busy, "semantic mapped": quiet_mapped}), file=sys.stderr)


if __name__ == "__main__":
    main()
