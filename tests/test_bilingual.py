"""Bilingual files of finished CAT projects in: XLIFF 1.2 and 2.0, PO and TS read as human translations (through
translate-toolkit where it serves), untranslated and fuzzy units left out and counted, ids and notes kept
through a TMX export; bad files refused in one line with nothing changed."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from conftest import ROOT

from align.errors import TmbuildError
from corpus.bilingual import read_bilingual
from corpus.store import Store
from corpus.transfer import export_tmx, import_tmx
from tmx import read_tmx

XLIFF12 = """<?xml version="1.0" encoding="UTF-8"?>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">
 <file original="report.docx" source-language="en-US" target-language="zh-CN" datatype="plaintext">
  <header><tool tool-id="t" tool-name="SomeCAT"/></header>
  <body>
{units}
  </body>
 </file>
</xliff>
"""
SMALL12 = XLIFF12.format(units="""
   <trans-unit id="a1"><source>The General Assembly,</source><target state="translated">大会，</target>
     <note>checked by the reviser</note></trans-unit>
   <trans-unit id="a2"><source>Press <g id="1">Enter</g> now.</source><target>现在按<g id="1">回车键</g>。</target></trans-unit>
   <trans-unit id="a3"><source>Not translated yet.</source></trans-unit>
   <trans-unit id="a4"><source>A draft.</source><target state="needs-review-translation">草稿。</target></trans-unit>""")
XLIFF20 = """<?xml version="1.0" encoding="UTF-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en" trgLang="zh-CN">
 <file id="f1">
  <unit id="u1"><notes><note>a note</note></notes>
   <segment state="final"><source>Decides to remain seized of the matter.</source><target>决定继续处理此案。</target></segment>
  </unit>
  <unit id="u2"><segment state="initial"><source>Only a source.</source></segment></unit>
  <unit id="u3"><segment state="initial"><source>A guess.</source><target>猜测。</target></segment></unit>
 </file>
</xliff>
"""
PO = '''msgid ""
msgstr ""
"Language: zh_CN\\n"
"Content-Type: text/plain; charset=UTF-8\\n"

#. a translator's note
#: report.c:12
msgid "The meeting rose at 6 p.m."
msgstr "会议于下午6时结束。"

#, fuzzy
msgid "Fuzzy."
msgstr "模糊。"

msgid "Empty."
msgstr ""
'''
TS = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context><name>Main</name>
<message><source>Open the file</source><translation>打开文件</translation></message>
<message><source>Close</source><translation type="unfinished">关闭</translation></message>
<message><source>Quit</source><translation type="unfinished"></translation></message>
</context></TS>
"""


def _files(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (("a.xlf", SMALL12), ("b.xliff", XLIFF20), ("c.po", PO), ("d.ts", TS)):
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("name, kept, untranslated, fuzzy", [
    ("a.xlf", 2, 1, 1), ("b.xliff", 1, 1, 1), ("c.po", 1, 1, 1), ("d.ts", 1, 1, 1)])
def test_each_format_gives_its_finished_translations(tmp_path, name, kept, untranslated, fuzzy):
    header, units, skipped = read_bilingual(_files(tmp_path) / name)
    assert (len(units), skipped.untranslated, skipped.fuzzy) == (kept, untranslated, fuzzy)
    assert all(u.variant("zh") and u.variant("en") for u in units)
    first = units[0]
    expected = {"a.xlf": ("a1", "The General Assembly,", "大会，", ("checked by the reviser",)),
                "b.xliff": ("u1", "Decides to remain seized of the matter.", "决定继续处理此案。", ("a note",)),
                "c.po": (None, "The meeting rose at 6 p.m.", "会议于下午6时结束。", ("a translator's note",)),
                "d.ts": (None, "Open the file", "打开文件", ())}[name]
    assert (first.text("en"), first.text("zh"), first.notes) == expected[1:]
    if expected[0]:
        assert first.tuid == expected[0]
    if name == "a.xlf":
        assert units[1].text("en") == "Press Enter now." and units[1].inline_codes == 1
        assert header.creationtool == "SomeCAT"


def test_a_folder_of_mixed_files_imports_in_one_command(tmp_path, use_m3):
    folder = _files(tmp_path / "cat")
    store = tmp_path / "store"
    r = subprocess.run([sys.executable, "-m", "corpus", "import", str(folder), "--store", str(store), "--no-progress"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert "imported 4 of 4 files" in r.stderr and "left out 1 untranslated and 1 fuzzy" in r.stderr
    with Store.open(store, readonly=True) as s:
        assert s.stats().pairs == 5 and {d["origin"] for d in s.documents()} == {"xliff", "po", "ts"}
        assert s.search("打开文件", k=1)[0].translation == "Open the file"
        export_tmx(s, tmp_path / "out.tmx")
    units = read_tmx(tmp_path / "out.tmx")[1]
    assert all(u.prop("x-review") == "imported" and u.prop("x-alignment-score") is None for u in units)
    assert {u.tuid for u in units} >= {"a1", "a2", "u1"}
    r = subprocess.run([sys.executable, "-m", "corpus", "import", str(folder), "--store", str(store), "--no-progress"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0 and r.stderr.count("unchanged; nothing added") == 4, r.stderr


BAD = {
    "malformed.xlf": SMALL12.replace("</body>", ""),
    "entities.xlf": SMALL12.replace('<?xml version="1.0" encoding="UTF-8"?>',
                                    '<?xml version="1.0"?>\n<!DOCTYPE xliff [<!ENTITY e SYSTEM "file:///etc/passwd">]>'),
    "french.xlf": SMALL12.replace('source-language="en-US" target-language="zh-CN"',
                                  'source-language="fr-FR" target-language="de-DE"'),
    "nolang.xlf": SMALL12.replace(' target-language="zh-CN"', ""),
    "broken.po": 'msgid "a\nmsgstr "b"\n',
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_file_gets_one_line_and_changes_nothing(tmp_path, use_m3, name):
    good = _files(tmp_path / "good")
    store = tmp_path / "store"
    import_tmx(store, good / "a.xlf")

    def state() -> str:  # what the store holds (its rows and index files), not the lock's holder or SQLite's -shm
        with Store.open(store, readonly=True) as s:
            rows = "\n".join(s.con.iterdump())
        files = b"".join(f.name.encode() + f.read_bytes() for f in sorted(store.iterdir())
                         if f.is_file() and f.suffix in (".faiss", ".json", ".base", ".delta"))
        return hashlib.sha256(rows.encode() + files).hexdigest()

    before = state()
    bad = tmp_path / name
    bad.write_text(BAD[name], encoding="utf-8")
    with pytest.raises(TmbuildError) as e:
        import_tmx(store, bad)
    assert "\n" not in str(e.value) and str(bad) in str(e.value), str(e.value)
    assert state() == before
    r = subprocess.run([sys.executable, "-m", "corpus", "import", str(bad), "--store", str(store)],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
    assert state() == before


def _big_xliff(path: Path, pairs: list[tuple[str, str]], n: int) -> None:
    units = []
    for k in range(n):
        zh, en = pairs[k % len(pairs)]
        units.append(f'   <trans-unit id="t{k}"><source>{escape(en)} ({k})</source>'
                     f'<target state="final">{escape(zh)}（{k}）</target><note>note {k}</note></trans-unit>')
    path.write_text(XLIFF12.format(units="\n".join(units)), encoding="utf-8")


@pytest.mark.parametrize("n", [pytest.param(2_000), pytest.param(10_000, marks=pytest.mark.slow)])
def test_an_xliff_round_trip_keeps_every_units_text_id_and_note(tmp_path, use_m3, unpc_pairs, n):
    src = tmp_path / "big.xlf"
    _big_xliff(src, unpc_pairs, n)
    rep = import_tmx(tmp_path / "store", src)
    assert rep.added == n
    with Store.open(tmp_path / "store", readonly=True) as s:
        export_tmx(s, tmp_path / "back.tmx")
    back = {u.tuid: u for u in read_tmx(tmp_path / "back.tmx")[1]}
    assert len(back) == n
    for k in range(0, n):
        zh, en = unpc_pairs[k % len(unpc_pairs)]
        u = back[f"t{k}"]
        assert u.text("en") == " ".join(f"{en} ({k})".split()) and u.text("zh") == f"{zh}（{k}）".strip()
        assert u.notes == (f"note {k}",)
