import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, SAMPLES

from align.errors import StoreError
from align.model import TranslationUnit
from corpus.build import build
from corpus.store import Store, fuzzy_match


def _units(pairs, doc="d"):
    return [TranslationUnit(z, e, doc=doc, bead=i) for i, (z, e) in enumerate(pairs)]


def _folder(tmp_path, unpc_pairs, n_docs, size=30, start=0):
    d = tmp_path / "docs"
    d.mkdir(exist_ok=True)
    for k in range(n_docs):
        chunk = unpc_pairs[start + k * size:start + (k + 1) * size]
        (d / f"doc{k}_zh.txt").write_text("\n\n".join(z for z, _ in chunk), encoding="utf-8")
        (d / f"doc{k}_en.txt").write_text("\n\n".join(e for _, e in chunk), encoding="utf-8")
    return d


def _consistent(path):
    s = Store.open(path, readonly=True)
    try:
        n = s.con.execute("SELECT COUNT(*) FROM pairs").fetchone()[0]
        ids = {r[0] for r in s.con.execute("SELECT id FROM pairs")}
        for side in ("src", "tgt"):
            ix = s._indexes[side].index
            assert ix.ntotal == n
            import faiss

            stored = faiss.vector_to_array(ix.id_map) if hasattr(ix, "id_map") else None
            if stored is not None:
                assert set(stored.tolist()) == ids
        return n
    finally:
        s.close()


def test_build_is_idempotent_and_replaces_changed_documents(tmp_path, unpc_pairs, use_m3):
    docs = _folder(tmp_path, unpc_pairs, 3)
    store = tmp_path / "store"
    r1 = build([docs], store, use_m3)
    assert (r1.paired, r1.added_documents, r1.failed) == (3, 3, [])
    n1 = _consistent(store)
    assert n1 == r1.pairs_added > 80
    r2 = build([docs], store, use_m3)
    assert (r2.unchanged_documents, r2.pairs_added) == (3, 0)
    assert _consistent(store) == n1
    # nothing changed: nothing is read, embedded or paired again
    assert any("pairing was reused" in n for n in r2.notes)
    import corpus.build

    def no_pairing(*a, **k):
        raise AssertionError("paired again")

    orig, corpus.build.pair_documents = corpus.build.pair_documents, no_pairing
    try:
        assert build([docs], store, use_m3).unchanged_documents == 3
    finally:
        corpus.build.pair_documents = orig
    # change one document: its pairs are replaced, nothing else moves
    (docs / "doc1_zh.txt").write_text("\n\n".join(z for z, _ in unpc_pairs[30:50]), encoding="utf-8")
    (docs / "doc1_en.txt").write_text("\n\n".join(e for _, e in unpc_pairs[30:50]), encoding="utf-8")
    r3 = build([docs], store, use_m3)
    assert (r3.replaced_documents, r3.unchanged_documents) == (1, 2)
    n3 = _consistent(store)
    assert n3 == n1 - 30 + r3.pairs_added
    with Store.open(store) as s:
        texts = {r[0] for r in s.con.execute("SELECT src_text FROM pairs")}
    assert unpc_pairs[55][0] not in texts and unpc_pairs[45][0] in texts


def test_search_both_directions_with_provenance(tmp_path, unpc_pairs, use_m3):
    docs = _folder(tmp_path, unpc_pairs, 2)
    store = tmp_path / "store"
    build([docs], store, use_m3)
    with Store.open(store, readonly=True) as s:
        zh, en = unpc_pairs[5]
        hits = s.search(zh, k=3)
        assert hits[0].text == zh and hits[0].translation == en and hits[0].exact and hits[0].fuzzy == 100.0
        assert hits[0].source.endswith("doc0_en.txt") and "doc0_zh.txt" in hits[0].source
        hits = s.search(en, k=3, lang="en")
        assert hits[0].text == en and hits[0].translation == zh
        # a near match: fuzzy below 100, still the nearest
        near = zh[:-1] + "，并表示感谢。"
        h = s.search(near, k=1)[0]
        assert h.text == zh and not h.exact and 50 < h.fuzzy < 100


def test_embedder_mismatch_is_refused(tmp_path, unpc_pairs, use_m3):
    docs = _folder(tmp_path, unpc_pairs, 1)
    store = tmp_path / "store"
    build([docs], store, use_m3)

    class Other:
        name, version, dim = "other", "1", 512

        def encode(self, texts):
            return np.ones((len(texts), 512), np.float32) / np.sqrt(512)

    with pytest.raises(StoreError, match="built with embedder use-m3"):
        build([docs], store, Other())


def test_store_api_add_delete_and_errors(tmp_path):
    s = Store.create(tmp_path / "s", "fake@1", "fake", 4)
    v = np.eye(4, dtype=np.float32)
    assert s.add_document("k1", "h1", _units([("一", "one"), ("二", "two")]), v[:2], v[2:]) == 2
    assert s.add_document("k2", "h2", _units([("三", "three")]), v[3:], v[:1]) == 1
    assert s.stats().pairs == 3 and s.document_status("k1", "h1") == "same"
    assert s.document_status("k1", "other") == "changed" and s.document_status("k9", "h") == "new"
    hits = s.search("一", k=2, lang="zh", vector=v[0])
    assert hits[0].text == "一" and hits[0].translation == "one"
    assert s.delete_document("k1") == 2
    assert s.stats().pairs == 1
    assert [h.text for h in s.search("x", k=5, lang="zh", vector=v[0], min_similarity=-1)] == ["三"]
    s.close()
    with pytest.raises(StoreError, match="already there"):
        Store.create(tmp_path / "s", "fake@1", "fake", 4)
    with pytest.raises(StoreError, match="no tmbuild store"):
        Store.open(tmp_path / "nowhere")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "store.sqlite").write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreError):
        Store.open(tmp_path / "bad")


def test_fuzzy_match_percentages():
    assert fuzzy_match("有罪不罚文化", "有罪不罚文化", "zh") == 100.0
    assert 80 <= fuzzy_match("有罪不罚文化", "有罪不罚的文化", "zh") < 100
    assert fuzzy_match("the culture of impunity", "The  culture of impunity", "en") == 100.0
    assert fuzzy_match("the culture of impunity", "a culture of impunity", "en") == 75.0


@pytest.mark.slow
def test_killed_build_leaves_a_consistent_store(tmp_path, unpc_pairs):
    docs = _folder(tmp_path, unpc_pairs, 12, size=25)
    store = tmp_path / "store"
    proc = subprocess.Popen([sys.executable, "-m", "corpus", "build", str(docs), "--store", str(store),
                             "--no-progress"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    try:
        while time.time() < deadline:
            time.sleep(0.2)
            if (store / "store.sqlite").exists():
                try:
                    con = sqlite3.connect(f"file:{store / 'store.sqlite'}?mode=ro", uri=True, timeout=1)
                    n = con.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
                    con.close()
                except sqlite3.Error:
                    continue
                if n >= 2:
                    break
        assert proc.poll() is None, "the build finished before it could be killed"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    s = Store.open(store)  # repairs the index if the kill came between database and index
    n = s.stats().pairs
    assert s.stats().documents >= 2 and n > 0
    assert any("repaired" in note for note in s.notes) or s._indexes["src"].ntotal == n
    s.close()
    assert _consistent(store) == n
    # and a new build finishes the job without adding anything twice
    r = build([docs], store, "use-m3")
    assert r.unchanged_documents >= 2 and r.added_documents + r.unchanged_documents == 12
    assert _consistent(store) == n + r.pairs_added


def test_cli_build_and_search(tmp_path):
    store = tmp_path / "store"
    r = subprocess.run([sys.executable, "-m", "corpus", "build", str(SAMPLES / "udhr"), "--store", str(store),
                        "--no-progress"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "2 document pairs found: 2 added" in r.stderr and r.stdout == ""  # summaries go to stderr
    r = subprocess.run([sys.executable, "-m", "corpus", "search", "--store", str(store), "人人有权享有生命、自由和人身安全。",
                        "-k", "2"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "Everyone has the right to life, liberty and the security of person." in r.stdout
    r = subprocess.run([sys.executable, "-m", "corpus", "search", "--store", str(tmp_path / "none"), "x"],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 1 and "no tmbuild store" in r.stderr and "Traceback" not in r.stderr


def test_cli_build_takes_the_aligner_options(tmp_path):
    """--max-size 1 leaves no bead of two sentences on a side; the default has some (the UDHR's preamble)."""
    kinds = {}
    for name, extra in (("default", []), ("one", ["--max-size", "1", "--no-dictionary"])):
        store = tmp_path / name
        r = subprocess.run([sys.executable, "-m", "corpus", "build", str(SAMPLES / "udhr" / "cmn_hans.html"),
                            str(SAMPLES / "udhr" / "eng.html"), "--store", str(store), "--no-progress", *extra],
                           cwd=ROOT, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        with Store.open(store, readonly=True) as s:
            kinds[name] = {k for (k,) in s.con.execute("SELECT DISTINCT bead_kind FROM pairs")}
    assert kinds["default"] - {"1-1"} and kinds["one"] <= {"1-1", "1-0", "0-1"}, kinds


def _store_content(path):
    with Store.open(path, readonly=True) as s:
        rows = sorted(s.con.execute("SELECT d.key, p.src_text, p.tgt_text, round(p.score, 3) FROM pairs p "
                                    "JOIN documents d ON p.doc_id = d.id"))
        hits = [tuple(h.text for h in s.search(q, k=3)) for q in ("大会，", "秘书长的报告", "The General Assembly")]
    return rows, hits


@pytest.mark.slow
def test_workers_build_the_same_store(tmp_path, unpc_pairs):
    docs = _folder(tmp_path, unpc_pairs, 5, size=12)
    build([docs], tmp_path / "one", "use-m3")
    r = subprocess.run([sys.executable, "-m", "corpus", "build", str(docs), "--store", str(tmp_path / "two"),
                        "--workers", "2", "--no-progress"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert _store_content(tmp_path / "one") == _store_content(tmp_path / "two")


@pytest.mark.slow
def test_ray_builds_the_same_store(tmp_path, unpc_pairs):
    pytest.importorskip("ray")
    docs = _folder(tmp_path, unpc_pairs, 5, size=12)
    build([docs], tmp_path / "one", "use-m3")
    r = subprocess.run([sys.executable, "-m", "corpus", "build", str(docs), "--store", str(tmp_path / "ray"),
                        "--ray", "--workers", "2", "--no-progress"], cwd=ROOT, capture_output=True, text=True,
                       env={**os.environ, "RAY_ADDRESS": "", "RAY_USAGE_STATS_ENABLED": "0"})
    assert r.returncode == 0, r.stderr[-3000:]
    assert _store_content(tmp_path / "one") == _store_content(tmp_path / "ray")


def test_a_failing_pair_does_not_stop_the_others(tmp_path, unpc_pairs, monkeypatch):
    from corpus import build_jobs as parallel

    docs = _folder(tmp_path, unpc_pairs, 3, size=10)
    real = parallel.AlignWorker.__call__

    def flaky(self, job):
        if isinstance(job, parallel.Job) and "doc1_zh" in job.zh_path:
            return parallel.JobResult(job.index, job.key, job.content_hash, error="RuntimeError: boom")
        return real(self, job)

    monkeypatch.setattr(parallel.AlignWorker, "__call__", flaky)
    rep = build([docs], tmp_path / "s", "use-m3")
    assert rep.added_documents == 2 and len(rep.failed) == 1 and "boom" in rep.failed[0][1]
    monkeypatch.setattr(parallel.AlignWorker, "__call__", real)
    rep = build([docs], tmp_path / "s", "use-m3")  # a re-run retries only the failed pair
    assert (rep.added_documents, rep.unchanged_documents, rep.failed) == (1, 2, [])


def test_a_document_the_embedding_step_fails_on_is_embedded_where_needed(tmp_path, unpc_pairs, monkeypatch):
    from corpus import build_jobs as parallel

    docs = _folder(tmp_path, unpc_pairs, 3, size=10)
    build([docs], tmp_path / "one", "use-m3")
    real = parallel.AlignWorker.embed

    def flaky(self, job):
        return parallel.EmbedResult(job.index, error="RuntimeError: boom") if job.index == 1 else real(self, job)

    monkeypatch.setattr(parallel.AlignWorker, "embed", flaky)
    rep = build([docs], tmp_path / "s", "use-m3")
    assert rep.added_documents == 3 and not rep.failed
    assert _store_content(tmp_path / "one") == _store_content(tmp_path / "s")


def test_sharded_ondisk_index_matches_the_in_memory_one(tmp_path):
    import faiss

    from corpus.shards import build_sharded_index

    rng = np.random.default_rng(1)
    centers = rng.standard_normal((20, 16)).astype(np.float32)
    s = Store.create(tmp_path / "s", "fake@1", "fake", 16)
    for d in range(6):
        n = 400
        v = centers[rng.integers(0, 20, n)] + 0.3 * rng.standard_normal((n, 16)).astype(np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        s.add_document(f"doc{d}", "h", _units([(f"句{d}-{i}", f"s{d}-{i}") for i in range(n)]), v, v)
    s.close()
    rep = build_sharded_index(tmp_path / "s", shards=3, workers=2, nlist=16)
    assert rep.pairs == 2400 and rep.shards == 3
    with Store.open(tmp_path / "s", readonly=True) as r:
        assert r._indexes["src"].kind == "ivf-ondisk" and r._indexes["src"].ntotal == 2400
        # the same trained quantizer filled in memory gives identical results
        ondisk = r._indexes["src"].index
        quantizer = faiss.IndexFlatIP(16)  # kept alive: the index only points at it
        mem = faiss.IndexIVFScalarQuantizer(quantizer, 16, 16, faiss.ScalarQuantizer.QT_8bit,
                                            faiss.METRIC_INNER_PRODUCT)
        src_ivf = faiss.downcast_index(faiss.extract_index_ivf(ondisk))
        mem.quantizer.add(src_ivf.quantizer.reconstruct_n(0, 16))
        mem.sq.trained = src_ivf.sq.trained
        mem.is_trained = True
        ids, vecs = [], []
        for row in r.con.execute("SELECT id, src_vec FROM pairs ORDER BY id"):
            ids.append(row[0])
            vecs.append(np.frombuffer(row[1], dtype=np.float16).astype(np.float32))
        vecs = np.array(vecs)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        mem.add_with_ids(vecs, np.array(ids, dtype=np.int64))
        mem.nprobe = faiss.extract_index_ivf(ondisk).nprobe
        q = vecs[::97]
        assert np.array_equal(ondisk.search(q, 5)[1], mem.search(q, 5)[1])
        hit = r.search("x", k=1, lang="zh", vector=vecs[5])[0]
        assert hit.pair_id == ids[5]
    # a change brings the store back to an in-memory index, consistent with the database
    with Store.open(tmp_path / "s") as w:
        w.delete_document("doc0")
        assert w._indexes["src"].kind != "ivf-ondisk" and w._indexes["src"].ntotal == 2000
    assert _consistent(tmp_path / "s") == 2000
    assert not (tmp_path / "s" / "index-src.ivfdata").exists()


def _random_store(path, seed):
    """A store of three documents of 600 random unit vectors (both sides the same); the last one's vectors too."""
    rng = np.random.default_rng(seed)
    s = Store.create(path, "fake@1", "fake", 16)
    for d in range(3):
        v = rng.standard_normal((600, 16)).astype(np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        s.add_document(f"d{d}", "h", _units([(f"句{d}-{i}", f"s{d}-{i}") for i in range(600)]), v, v)
    return s, v


def test_large_store_switches_to_ivf_and_readers_map_it(tmp_path, monkeypatch):
    import corpus.store.vectors as store_mod

    monkeypatch.setattr(store_mod, "IVF_MIN", 1000)
    s, v = _random_store(tmp_path / "s", seed=2)
    assert s._indexes["src"].kind == "ivf" and s._indexes["src"].ntotal == 1800
    s.close()
    with Store.open(tmp_path / "s", readonly=True) as r:
        assert r._indexes["src"].kind == "ivf"
        hit = r.search("x", k=1, lang="zh", vector=v[7])[0]
        assert hit.text == "句2-7"
    assert _consistent(tmp_path / "s") == 1800


def test_check_finds_damaged_ivf_lists_and_repair_restores_them(tmp_path, monkeypatch):
    """IVF codes are quantised, so the flat indexes' byte-for-byte sample does not apply: check searches the
    index with stored vectors and expects each pair back at the similarity 8-bit codes allow."""
    import corpus.store.vectors as store_mod

    monkeypatch.setattr(store_mod, "IVF_MIN", 1000)
    s, v = _random_store(tmp_path / "s", seed=4)
    assert s._indexes["src"].kind == "ivf" and s.check() == []
    # every pair of a healthy index passes (8-bit codes put some of these vectors at 0.85 from themselves:
    # a fixed distance from 1 made check report healthy stores now and then)
    assert s._quantised_vectors_agree(5000)
    s.close()
    f = tmp_path / "s" / "index-tgt.faiss"
    data = bytearray(f.read_bytes())
    lo, hi = int(len(data) * 0.35), int(len(data) * 0.95)  # the inverted lists: codes and ids
    data[lo:hi] = np.random.default_rng(4).integers(0, 256, hi - lo, dtype=np.uint8).tobytes()
    f.write_bytes(bytes(data))
    with Store.open(tmp_path / "s", readonly=True) as r:  # found by the file's checksums
        [problem] = r.check()
        assert problem.startswith("vector index: damaged (index-tgt.faiss: ") and "blocks of bytes damaged" in problem
    with Store.open(tmp_path / "s") as w:
        w.repair()
        assert w.check() == []
        assert w.search("x", k=1, lang="en", vector=v[7])[0].text == "s2-7"


def test_very_large_store_gets_an_hnsw_quantizer(tmp_path, monkeypatch):
    import faiss

    import corpus.store.vectors as store_mod
    from corpus.shards import build_sharded_index

    monkeypatch.setattr(store_mod, "IVF_MIN", 500)
    monkeypatch.setattr(store_mod, "HNSW_MIN", 1000)
    assert store_mod.index_plan(499) == ("flat", 0)
    assert store_mod.index_plan(999)[0] == "ivf" and store_mod.index_plan(16_000_000) == ("ivf-hnsw", 64_000)
    s, v = _random_store(tmp_path / "s", seed=3)
    assert s._indexes["src"].kind == "ivf-hnsw"
    s.close()
    for reopen in range(2):
        with Store.open(tmp_path / "s", readonly=True) as r:
            ivf = faiss.extract_index_ivf(r._indexes["src"].index)
            assert isinstance(faiss.downcast_index(ivf.quantizer), faiss.IndexHNSWFlat)
            assert faiss.downcast_index(ivf.quantizer).hnsw.efSearch >= ivf.nprobe
            assert [r.search("x", k=1, lang="zh", vector=v[i])[0].text for i in (7, 300)] == ["句2-7", "句2-300"]
        if reopen == 0:
            rep = build_sharded_index(tmp_path / "s", shards=2, workers=1)  # the sharded build plans the same way
            assert rep.factory == f"IVF{rep.nlist}_HNSW32,SQ8"
    assert json.loads((tmp_path / "s" / "index.json").read_text())["quantizer"] == "hnsw"


@pytest.mark.slow
def test_two_readers_search_while_a_build_runs(tmp_path, unpc_pairs):
    docs = _folder(tmp_path, unpc_pairs, 10, size=25)
    store = tmp_path / "store"
    (tmp_path / "first").mkdir()
    build([_folder(tmp_path / "first", unpc_pairs, 1, size=25, start=1000)], store, "use-m3")
    proc = subprocess.Popen([sys.executable, "-m", "corpus", "build", str(docs), "--store", str(store),
                             "--no-progress"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    searches = 0
    try:
        readers = [Store.open(store, readonly=True), Store.open(store, readonly=True)]
        query = unpc_pairs[1005][0]
        while proc.poll() is None and searches < 200:
            for r in readers:
                hit = r.search(query, k=1)[0]
                assert hit.text == query
                searches += 1
            time.sleep(0.05)
        for r in readers:
            r.close()
    finally:
        proc.wait(timeout=300)
    assert proc.returncode == 0, proc.stderr.read().decode()[-2000:]
    assert searches >= 2
    assert _consistent(store) > 25 * 10


def test_an_empty_database_file_does_not_block_the_store(tmp_path, unpc_pairs, use_m3):
    """`touch S/store.sqlite` (or a build killed before its first table): the next build creates the store."""
    docs = _folder(tmp_path, unpc_pairs, 1, size=5)
    store = tmp_path / "store"
    store.mkdir()
    (store / "store.sqlite").touch()
    rep = build([docs], store, use_m3)
    assert rep.added_documents == 1 and _consistent(store) == rep.pairs_added
    other = tmp_path / "other"
    other.mkdir()
    (other / "store.sqlite").write_text("not a database, somebody's file", encoding="utf-8")
    with pytest.raises(StoreError):
        build([docs], other, use_m3)
    assert (other / "store.sqlite").read_text(encoding="utf-8") == "not a database, somebody's file"


def test_a_store_on_a_read_only_disk_is_searched_and_refuses_changes(tmp_path, unpc_pairs, use_m3):
    docs = _folder(tmp_path, unpc_pairs, 1, size=5)
    src = tmp_path / "store"
    build([docs], src, use_m3)
    ro = tmp_path / "ro"
    ro.mkdir()
    if subprocess.run(["mount", "--bind", str(src), str(ro)], capture_output=True).returncode != 0:
        pytest.skip("no bind mounts here (needs root)")
    try:
        if subprocess.run(["mount", "-o", "remount,bind,ro", str(ro)], capture_output=True).returncode != 0:
            pytest.skip("cannot remount read-only here")
        cmd = [sys.executable, "-m", "corpus"]
        r = subprocess.run([*cmd, "search", "--store", str(ro), unpc_pairs[2][0], "-k", "1"], capture_output=True,
                           text=True, cwd=ROOT)
        assert r.returncode == 0 and unpc_pairs[2][1] in r.stdout, r.stderr
        r = subprocess.run([*cmd, "check", "--store", str(ro)], capture_output=True, text=True, cwd=ROOT)
        assert r.returncode == 0 and "ok (1 documents" in r.stdout and not r.stderr, r.stdout + r.stderr
        r = subprocess.run([*cmd, "build", str(docs), "--store", str(ro), "--no-progress"], capture_output=True,
                           text=True, cwd=ROOT)
        assert r.returncode == 1 and "the store is read-only here" in r.stderr and "Traceback" not in r.stderr
    finally:
        subprocess.run(["umount", str(ro)], capture_output=True)


@pytest.mark.slow
def test_two_builds_at_once_leave_every_pair_searchable(tmp_path, unpc_pairs):
    """One writer at a time: the second build waits for the first (and says so); on a fresh store neither
    fails, and the index holds exactly the database's pairs."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = _folder(tmp_path / "a", unpc_pairs, 3, size=20)
    b = _folder(tmp_path / "b", unpc_pairs, 3, size=20, start=300)
    store = tmp_path / "store"
    cmd = [sys.executable, "-m", "corpus", "build", "--store", str(store), "--no-progress"]
    procs = [subprocess.Popen([*cmd, str(d)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for d in (a, b)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert any("being changed by tmbuild build (pid " in err for _, err in outs)
    assert _consistent(store) > 100
    with Store.open(store, readonly=True) as s:
        for z, e in (unpc_pairs[5], unpc_pairs[305]):
            assert s.search(z, k=1)[0].translation == e


def test_an_index_that_holds_other_pairs_than_the_database_is_repaired(tmp_path, unpc_pairs, use_m3):
    """Same generation and count, other ids (what two interleaved writers used to leave): detected on open."""
    docs = _folder(tmp_path, unpc_pairs, 2, size=10)
    store = tmp_path / "store"
    build([docs], store, use_m3)
    with Store.open(store) as s:
        victim = s.con.execute("SELECT id, src_text FROM pairs ORDER BY id LIMIT 1").fetchone()
        for side in ("src", "tgt"):  # the index forgets one pair and holds a phantom id instead
            ix = s._indexes[side]
            vec = ix.index.reconstruct(int(victim[0]))
            ix.remove([victim[0]])
            ix.add(np.array([10**6]), vec.reshape(1, -1))
        from corpus.store.vectors import ids_delta as _ids_delta

        s._ids = _ids_delta(_ids_delta(s._ids, [victim[0]], -1), [10**6], +1)  # what this index holds
        s._dirty = True
        s.close()
    with Store.open(store) as s:
        assert any("repaired the index" in n for n in s.notes)
        assert s.search(victim[1], k=1)[0].pair_id == victim[0]


def test_damaged_index_bytes_are_detected_and_repaired(tmp_path, unpc_pairs, use_m3):
    docs = _folder(tmp_path, unpc_pairs, 2, size=10)
    store = tmp_path / "store"
    build([docs], store, use_m3)
    f = store / "index-src.faiss"
    data = bytearray(f.read_bytes())
    rng = np.random.default_rng(1)
    start = len(data) // 3
    data[start:start + 2000] = rng.integers(0, 256, 2000, dtype=np.uint8).tobytes()  # inside the vectors
    f.write_bytes(bytes(data))
    with Store.open(store) as s:
        assert any(n.startswith("repaired the vector index: it was damaged") for n in s.notes), s.notes
        hits = s.search(unpc_pairs[3][0], k=3)
        assert hits[0].translation == unpc_pairs[3][1] and all(-1.01 <= h.similarity <= 1.01 for h in hits)


@pytest.mark.slow
def test_a_build_killed_while_creating_the_store_leaves_one_the_next_build_creates(tmp_path):
    """kill -9 within 20 ms of store.sqlite appearing (seeded, 10 trials): the next build works."""
    import random

    rng = random.Random(7)
    cmd = [sys.executable, "-m", "corpus", "build", str(SAMPLES / "udhr"), "--no-progress", "--store"]
    for t in range(10):
        store = tmp_path / f"s{t}"
        p = subprocess.Popen([*cmd, str(store)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t0 = time.monotonic()
        while not (store / "store.sqlite").exists() and time.monotonic() - t0 < 60:
            time.sleep(0.0005)
        time.sleep(rng.uniform(0, 0.02))
        p.kill()
        p.wait()
        r = subprocess.run([*cmd, str(store)], cwd=ROOT, capture_output=True, text=True)
        assert r.returncode == 0, (t, r.stderr)
        assert _consistent(store) == 199


def test_adding_a_document_pairs_only_what_is_new(tmp_path, unpc_pairs, monkeypatch):
    """A known pair whose files did not change is not paired again: the next build reads, embeds and pairs
    the new files alone, and the store ends as a build from scratch would."""
    import corpus.build as build_module

    docs = _folder(tmp_path, unpc_pairs, 4, size=6)
    build([docs], tmp_path / "store")
    paired: list[list[str]] = []
    real = build_module.pair_documents

    def spy(paths, emb, **kw):
        paired.append(sorted(Path(f).name for f in kw["found"][0]))
        return real(paths, emb, **kw)

    monkeypatch.setattr(build_module, "pair_documents", spy)
    (tmp_path / "more").mkdir()
    extra = _folder(tmp_path / "more", unpc_pairs, 1, size=6, start=200)
    for f in extra.iterdir():
        shutil.copy(f, docs / f"new_{f.name}")
    rep = build([docs], tmp_path / "store")
    assert paired == [sorted(f"new_{f.name}" for f in extra.iterdir())]
    assert rep.added_documents == 1 and rep.unchanged_documents == 4 and not rep.unpaired
    assert any("4 document pairs of unchanged files kept" in n for n in rep.notes)
    monkeypatch.undo()
    build([docs], tmp_path / "fresh")
    with Store.open(tmp_path / "store", readonly=True) as a, Store.open(tmp_path / "fresh", readonly=True) as b:
        rows = "SELECT src_text, tgt_text, round(score, 3) FROM pairs ORDER BY src_text, tgt_text"
        assert a.con.execute(rows).fetchall() == b.con.execute(rows).fetchall()


def test_schema_migrations_run_in_order_once_and_a_newer_store_is_only_read(tmp_path, use_m3):
    """A store as earlier tmbuilds wrote it (columns added since missing, no version): a read-only open
    reads it as it is; a writable one brings it to the last version, each migration once; a store of a
    later version than this tmbuild knows is read, never changed."""
    from corpus.store.database import MIGRATIONS, USER_VERSION, schema_version

    docs = _folder(tmp_path, [("人权理事会的报告。", "Report of the Human Rights Council.")] * 4, 2, size=2)
    build([docs], tmp_path / "store")
    db = tmp_path / "store" / "store.sqlite"
    con = sqlite3.connect(db)
    with con:
        for table, col in (("pairs", "reviewed_by"), ("sentences", "original")):  # SQLite drops a last column
            con.execute(f"ALTER TABLE {table} DROP COLUMN {col}")
        con.execute("PRAGMA user_version = 0")
    con.close()
    with Store.open(tmp_path / "store", readonly=True) as s:
        assert s.search("人权理事会", k=1)[0].translation == "Report of the Human Rights Council."
        assert s.documents()[0]["reviewed"] == 0
        assert schema_version(s.con) == 0
    with Store.open(tmp_path / "store") as s:
        assert schema_version(s.con) == USER_VERSION == MIGRATIONS[-1][0]
        cols = {r[1] for r in s.con.execute("PRAGMA table_info(sentences)")}
        assert "original" in cols and "reviewed_by" in {r[1] for r in s.con.execute("PRAGMA table_info(pairs)")}
    con = sqlite3.connect(db)
    with con:
        con.execute(f"PRAGMA user_version = {USER_VERSION + 1}")
    con.close()
    with pytest.raises(StoreError, match="written by a newer tmbuild"):
        Store.open(tmp_path / "store")
    with Store.open(tmp_path / "store", readonly=True) as s:
        assert s.search("人权理事会", k=1)
