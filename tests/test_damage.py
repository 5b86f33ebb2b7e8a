"""The store against damage and planted files, in seeded trials: bytes damaged in each index and in database
rows are found by ``check`` every time, repaired by ``--repair`` every time, and never answered in between
(no similarity outside [-1, 1], no traceback); a symbolic link under any of the store's file names is never
written through; no output lands on a store's file; stray side files are never deleted unproven."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, SAMPLES

from align.errors import TmbuildError
from corpus import cli
from corpus.build import build
from corpus.store import Store
from corpus.store.store import STATE_NAME

TRIALS = 10
TMBUILD = [sys.executable, "-m", "corpus"]


@pytest.fixture(scope="module")
def built(tmp_path_factory, use_m3) -> tuple[Path, Path]:
    """The bundled UDHR (Simplified Chinese and English) built into a store: (its documents, the store)."""
    root = tmp_path_factory.mktemp("damage")
    docs = root / "docs"
    docs.mkdir()
    for name in ("cmn_hans.html", "eng.html"):
        shutil.copy(SAMPLES / "udhr" / name, docs / name)
    rep = build([docs], root / "store", use_m3)
    assert rep.added_documents == 1 and not rep.failed
    _checkpoint(root / "store")
    return docs, root / "store"


def _checkpoint(store: Path) -> None:
    """Every page of the database in ``store.sqlite`` itself (none waiting in the log)."""
    con = sqlite3.connect(store / "store.sqlite")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def _copy(built, tmp_path, t) -> Path:
    store = tmp_path / f"s{t}"
    shutil.copytree(built[1], store)
    return store


def _damage(f: Path, rng: random.Random, lo: int = 0, hi: int | None = None, n: int = 16) -> None:
    """``n`` random bytes at a random offset of ``f`` between ``lo`` and ``hi``, each one changed."""
    data = bytearray(f.read_bytes())
    hi = len(data) - n if hi is None else hi - n
    at = rng.randrange(lo, hi)
    for k in range(at, at + n):
        data[k] ^= rng.randrange(1, 256)
    f.write_bytes(bytes(data))


def _queries(store: Path) -> list[str]:
    with Store.open(store, readonly=True) as s:
        return [r[0] for r in s.con.execute("SELECT src_text FROM pairs ORDER BY id LIMIT 5")]


def _answers_within_range(store: Path, queries: list[str]) -> None:
    """Read-only lookups of every kind between the damage and the repair: no similarity outside [-1, 1], a
    stored sentence finds itself, nothing raised."""
    with Store.open(store, readonly=True) as s:
        for q in queries:
            for mode in ("auto", "semantic", "fuzzy", "concordance"):
                found = s.lookup(q, k=5, mode=mode)
                assert all(-1.0 <= h.similarity <= 1.0 for h in found.hits if h.similarity is not None), mode
            assert s.lookup(q, k=1).hits[0].text == q


def _repair(store: Path, capsys) -> list[str]:
    """``tmbuild check --store S --repair``, then what a second ``check`` finds."""
    capsys.readouterr()
    assert cli.main(["check", "--store", str(store), "--repair"]) == 0, capsys.readouterr()
    with Store.open(store, readonly=True) as s:
        return s.check()


def test_damaged_vector_index_bytes_are_found_every_time_never_served_and_repaired(built, tmp_path, capsys):
    rng = random.Random(11)
    queries = _queries(built[1])
    for t in range(TRIALS):
        store = _copy(built, tmp_path, t)
        side = ("src", "tgt")[t % 2]
        _damage(store / f"index-{side}.faiss", rng, lo=100)
        with Store.open(store, readonly=True) as s:
            problems = s.check()
        assert any(p.startswith(f"vector index: damaged (index-{side}.faiss: ") for p in problems), (t, problems)
        _answers_within_range(store, queries)
        assert _repair(store, capsys) == [], t


def test_an_index_answering_the_impossible_is_replaced_by_the_stored_vectors(built, tmp_path):
    """Damage that no check met (a large memory-mapped index is checked by ``tmbuild check`` only): a
    similarity no pair of unit vectors can have is taken for damage, and the question is answered again
    from the stored vectors."""
    from corpus.store.vectors import IndexDamaged, VectorIndex

    store = _copy(built, tmp_path, 0)
    with Store.open(store, readonly=True) as s:
        text = s.con.execute("SELECT src_text FROM pairs WHERE id=1").fetchone()[0]
        damaged = VectorIndex(s.dim)
        ids = np.array([r[0] for r in s.con.execute("SELECT id FROM pairs ORDER BY id")])
        vecs = np.stack([s._indexes["src"].index.reconstruct(int(i)) for i in ids])
        vecs[0] *= 7387.0  # what 16 random bytes made of one vector in a reported trial
        damaged.add(ids, vecs)
        with pytest.raises(IndexDamaged):
            damaged.search(vecs[:1] / 7387.0, 3)
        s._indexes["src"] = damaged
        hits = s.lookup(text, k=5, mode="semantic").hits
        assert hits[0].pair_id == 1 and all(-1.0 <= h.similarity <= 1.0 for h in hits)
        assert any("vector index was damaged" in n for n in s.notes)


def test_damaged_fuzzy_index_bytes_are_found_every_time_never_served_and_repaired(built, tmp_path, capsys):
    rng = random.Random(12)
    queries = _queries(built[1])
    files = ["tokens-src.base", "tokens-tgt.base", "tokens-src.delta", "tokens-tgt.delta"]
    for t in range(TRIALS):
        store = _copy(built, tmp_path, t)
        f = store / files[t % len(files)]
        _damage(f, rng, lo=512 if f.suffix == ".base" else 200)  # the arrays, after the header
        with Store.open(store, readonly=True) as s:
            problems = s.check()
        assert any(p.startswith("fuzzy index: ") for p in problems), (t, f.name, problems)
        _answers_within_range(store, queries)
        assert _repair(store, capsys) == [], t


def _short_rows(store: Path) -> list[int]:
    """Pairs whose row fits in one database page (a longer one continues on an overflow page)."""
    with Store.open(store, readonly=True) as s:
        return [r[0] for r in s.con.execute("SELECT id FROM pairs WHERE length(CAST(src_text AS BLOB)) + "
                                            "length(CAST(tgt_text AS BLOB)) < 500 ORDER BY id")]


def _row_bytes(store: Path, pair_id: int, column: str) -> tuple[int, int]:
    """Where pair ``pair_id``'s stored ``column`` lies in ``store.sqlite``: (offset, length)."""
    with Store.open(store, readonly=True) as s:
        value = s.con.execute(f"SELECT {column} FROM pairs WHERE id=?", (pair_id,)).fetchone()[0]
        after = s.con.execute("SELECT tgt_text FROM pairs WHERE id=?", (pair_id,)).fetchone()[0]
    raw = value if isinstance(value, bytes) else value.encode("utf-8")
    data = (store / "store.sqlite").read_bytes()
    # a text column is found beside the next one, as SQLite lays out a row: not its copy in another table
    probe = raw + after.encode("utf-8") if column == "src_text" else raw
    at = data.find(probe)
    assert at >= 0 and data.find(probe, at + 1) < 0, "the row's bytes are not found once in the file"
    return at, len(raw)


def test_damaged_stored_vectors_are_found_every_time_and_embedded_again(built, tmp_path, capsys, use_m3):
    rng = random.Random(13)
    queries = _queries(built[1])
    short = _short_rows(built[1])
    for t in range(TRIALS):
        store = _copy(built, tmp_path, t)
        pair_id = rng.choice(short)
        column = ("src_vec", "tgt_vec")[t % 2]
        at, size = _row_bytes(store, pair_id, column)
        _damage(store / "store.sqlite", rng, lo=at, hi=at + size)
        with Store.open(store, readonly=True) as s:
            problems = s.check()
        assert f"database: 1 pair with damaged stored vectors (ids {pair_id})" in problems, (t, problems)
        _answers_within_range(store, queries)
        assert _repair(store, capsys) == [], t
        with Store.open(store, readonly=True) as s:
            text, blob = s.con.execute(f"SELECT {column[:3]}_text, {column} FROM pairs WHERE id=?",
                                       (pair_id,)).fetchone()
        again = np.frombuffer(blob, np.float16).astype(np.float32)
        assert float(again @ use_m3.encode([text])[0]) > 0.999  # embedded again from its text


def test_damaged_stored_text_is_found_every_time_and_aligned_again_by_the_next_build(built, tmp_path, capsys,
                                                                                     use_m3):
    rng = random.Random(14)
    short = _short_rows(built[1])
    for t in range(TRIALS):
        store = _copy(built, tmp_path, t)
        pair_id = rng.choice(short)
        at, size = _row_bytes(store, pair_id, "src_text")
        data = bytearray((store / "store.sqlite").read_bytes())
        data[at + rng.randrange(size)] = 0xFF  # never a byte of UTF-8
        (store / "store.sqlite").write_bytes(bytes(data))
        with Store.open(store, readonly=True) as s:
            problems = s.check()
        assert f"database: 1 pair with damaged stored text (ids {pair_id})" in problems, (t, problems)
        capsys.readouterr()
        assert cli.main(["check", "--store", str(store), "--repair"]) == 1  # text cannot be rebuilt from indexes
        assert "aligns them again" in capsys.readouterr().err
        rep = build([built[0]], store, use_m3)  # ... but from the document
        assert rep.replaced_documents == 1, rep.summary()
        with Store.open(store, readonly=True) as s:
            assert s.check() == [], t


STORE_FILES = [".tmbuild.lock", "store.sqlite", "store.sqlite-wal", "store.sqlite-shm", "store.sqlite-journal",
               STATE_NAME, "index-src.faiss", "index-tgt.faiss", "tokens-src.base", "tokens-src.delta",
               "tokens-tgt.base", "tokens-tgt.delta"]
OLD_TEMPORARY_NAMES = ["index.json.tmp", "index-src.faiss.tmp", "index-tgt.faiss.tmp", "tokens-src.delta.tmp",
                       "tokens-src.base.tmp", "index-src.ivfdata.tmp"]


@pytest.mark.parametrize("name", STORE_FILES + OLD_TEMPORARY_NAMES)
def test_a_link_under_a_store_file_name_is_never_written_through(built, tmp_path, name, use_m3):
    """``ln -s ~/notes.txt STORE/NAME``: build, a writable open (serve, import, index), a read-only open and
    a repair leave notes.txt as it was, each refused in one line that names the link."""
    from corpus.web.app import open_for_serving

    victim = tmp_path / "notes.txt"
    victim.write_bytes(b"my notes\n")
    store = _copy(built, tmp_path, 0)
    link = store / name
    if link.exists():
        link.unlink()
    link.symlink_to(victim)
    errors = []
    for attempt in (lambda: build([built[0]], store, use_m3).summary(),
                    lambda: open_for_serving(store).close(),
                    lambda: Store.open(store, readonly=True).close(),
                    lambda: Store.open(store).repair()):
        try:
            attempt()
        except TmbuildError as e:
            errors.append(str(e))
    assert victim.read_bytes() == b"my notes\n" and link.is_symlink()
    # the names of earlier tmbuilds' temporary files too: any link among the store's names is refused
    assert len(errors) == 4 and all("is a symbolic link" in e and name in e for e in errors), errors


def test_a_new_store_is_not_created_through_a_planted_lock_link(tmp_path, use_m3):
    victim = tmp_path / "notes.txt"
    victim.write_bytes(b"my notes\n")
    store = tmp_path / "new"
    store.mkdir()
    (store / ".tmbuild.lock").symlink_to(victim)
    r = subprocess.run([*TMBUILD, "build", str(SAMPLES / "udhr"), "--store", str(store), "--no-progress"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 1 and "is a symbolic link" in r.stderr and "Traceback" not in r.stderr
    assert victim.read_bytes() == b"my notes\n"


def test_no_output_lands_on_a_file_of_a_store(built, tmp_path):
    store = _copy(built, tmp_path, 0)
    before = {f.name: f.read_bytes() for f in store.iterdir() if f.is_file() and not f.name.endswith("-shm")}
    (tmp_path / "link.tmx").symlink_to(store / "store.sqlite")
    zh, en = SAMPLES / "udhr" / "cmn_hans.html", SAMPLES / "udhr" / "eng.html"
    for args in (["export", "--store", store, "--tmx", store / "store.sqlite"],
                 ["export", "--store", store, "--tsv", store / ".." / store.name / "index-src.faiss"],
                 ["export", "--store", store, "--jsonl", store / STATE_NAME],
                 ["export", "--store", store, "--tmx", tmp_path / "link.tmx"],
                 ["align", zh, en, "-o", store / "store.sqlite"],
                 ["align", zh, en, "-o", store / "tokens-src.base"]):
        r = subprocess.run([*TMBUILD, *map(str, args), "--no-progress"], capture_output=True, text=True, cwd=ROOT)
        assert r.returncode == 1 and "is a file of the store" in r.stderr, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) <= 3 and "Traceback" not in r.stderr
    after = {f.name: f.read_bytes() for f in store.iterdir() if f.is_file() and not f.name.endswith("-shm")}
    assert after == before
    r = subprocess.run([*TMBUILD, "export", "--store", str(store), "--tmx", str(store / "out.tmx")],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr  # a file of one's own in the folder is not the store's


def test_side_files_without_their_database_are_kept_and_named(tmp_path):
    store = tmp_path / "s"
    store.mkdir()
    (store / "store.sqlite-wal").write_bytes(b"somebody's log")
    for verb in (["build", str(SAMPLES / "udhr")], ["import", str(tmp_path / "x.tmx")]):
        (tmp_path / "x.tmx").write_text('<tmx version="1.4"><header srclang="zh"/><body><tu><tuv xml:lang="zh">'
                                        '<seg>人权</seg></tuv><tuv xml:lang="en"><seg>human rights</seg></tuv></tu>'
                                        '</body></tmx>', encoding="utf-8")
        r = subprocess.run([*TMBUILD, verb[0], "--store", str(store), *verb[1:], "--no-progress"],
                           capture_output=True, text=True, cwd=ROOT)
        assert r.returncode == 1 and "store.sqlite-wal but no store.sqlite" in r.stderr, r.stderr
        assert (store / "store.sqlite-wal").read_bytes() == b"somebody's log"
        assert sorted(f.name for f in store.iterdir()) == ["store.sqlite-wal"]  # no lock file left either


@pytest.mark.slow
def test_an_import_racing_the_build_that_creates_the_store_loses_nothing(tmp_path):
    """An import started while a build creates the store (seeded delays, 10 trials) waits for it: both
    documents are in the store (the import used to clear the new database's side files first)."""
    rng = random.Random(15)
    tmx = tmp_path / "x.tmx"
    tmx.write_text('<tmx version="1.4"><header srclang="zh"/><body><tu><tuv xml:lang="zh"><seg>人权</seg></tuv>'
                   '<tuv xml:lang="en"><seg>human rights</seg></tuv></tu></body></tmx>', encoding="utf-8")
    for t in range(TRIALS):
        store = tmp_path / f"s{t}"
        b = subprocess.Popen([*TMBUILD, "build", str(SAMPLES / "udhr"), "--store", str(store), "--no-progress"],
                             cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        t0 = time.monotonic()
        while not (store / "store.sqlite").exists() and time.monotonic() - t0 < 60:
            time.sleep(0.001)
        time.sleep(rng.uniform(0, 0.05))
        i = subprocess.run([*TMBUILD, "import", "--store", str(store), str(tmx), "--no-progress"],
                           capture_output=True, text=True, cwd=ROOT)
        assert b.wait() == 0 and i.returncode == 0, (t, b.stderr.read(), i.stderr)
        with Store.open(store, readonly=True) as s:
            assert s.stats().documents == 3 and s.check() == [], t


def test_temporary_files_of_a_killed_writer_are_removed_under_the_lock_and_nothing_else(built, tmp_path):
    store = _copy(built, tmp_path, 0)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()  # a process id that has ended
    stale = [store / f".index-src.faiss.{dead}.0123abcd.tmp", store / f".tokens-tgt.base.{dead}.89abcdef.tmp",
             store / f".index.json.{dead}.00000000.tmp"]
    for f in stale:
        f.write_bytes(b"half an index")
    (store / ".shards-k2j4_x").mkdir()
    (store / ".shards-k2j4_x" / "src-0.index").write_bytes(b"a shard")
    live = store / f".index-tgt.faiss.{os.getppid()}.fedcba98.tmp"  # a process that runs: not proven stale
    live.write_bytes(b"being written")
    mine = store / "my-notes.txt"
    mine.write_bytes(b"mine")
    with Store.open(store, readonly=True):
        pass
    assert all(f.exists() for f in stale)  # a reader never deletes
    with Store.open(store):
        pass
    assert not any(f.exists() for f in stale) and not (store / ".shards-k2j4_x").exists()
    assert live.read_bytes() == b"being written" and mine.read_bytes() == b"mine"


def test_index_files_of_an_earlier_tmbuild_without_checksums_are_not_damage(built, tmp_path):
    """index.json as tmbuild wrote it before checksums: check says ok; damage is still found, by the stored
    vectors; a writable open's next save writes the checksums."""
    import json

    store = _copy(built, tmp_path, 0)
    state = json.loads((store / STATE_NAME).read_text())
    del state["sums"]
    (store / STATE_NAME).write_text(json.dumps(state))
    with Store.open(store, readonly=True) as s:
        assert s.check() == []
    _damage(store / "index-src.faiss", random.Random(16), lo=len((store / "index-src.faiss").read_bytes()) // 2)
    with Store.open(store, readonly=True) as s:
        assert "vector index: damaged (its vectors differ from the stored ones)" in s.check()
    with Store.open(store) as s:  # rebuilt from the stored vectors, saved with checksums
        assert any("repaired the vector index" in n for n in s.notes)
    assert "sums" in json.loads((store / STATE_NAME).read_text())
