import io

import pytest

from align.errors import FormatError
from tmx import TmxHeader, TmxUnit, read_tmx, validate, write_tmx

EDGE = [
    ("大会，&<>\"'", "The Assembly & <others>"),
    ("全角标点：（一）“引号”！？", "Full-width punctuation"),
    ("𠀀𠀁 CJK Extension B", "U+20000 and U+20001"),
    ("tab\there and a\nnew line", "spaces  kept"),
]


def _units(pairs):
    return [TmxUnit((("zh-CN", z), ("en-US", e)), tuid=f"doc:{i}", props=(("x-score", "0.9"),),
                    creationdate="20260101T000000Z") for i, (z, e) in enumerate(pairs)]


def test_written_tmx_is_valid_and_round_trips(tmp_path):
    out = tmp_path / "t.tmx"
    rep = write_tmx(out, TmxHeader(srclang="zh-CN", creationtoolversion="0.1"), _units(EDGE))
    assert rep.units == len(EDGE) and rep.removed_chars == 0
    assert validate(out) == []
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    header, units = read_tmx(out)
    assert header.srclang == "zh-CN" and header.creationtool == "tmbuild" and header.segtype == "sentence"
    assert [(u.text("zh"), u.text("en")) for u in units] == EDGE
    assert units[0].tuid == "doc:0" and units[0].prop("x-score") == "0.9"


def test_translate_toolkit_reads_our_tmx(tmp_path):
    from translate.storage.tmx import tmxfile

    out = tmp_path / "t.tmx"
    write_tmx(out, TmxHeader(srclang="zh-CN"), _units(EDGE))
    store = tmxfile.parsefile(str(out))
    assert [(u.source, u.target) for u in store.units] == EDGE


def test_forbidden_characters_are_removed_and_counted(tmp_path):
    out = tmp_path / "t.tmx"
    rep = write_tmx(out, TmxHeader(srclang="zh-CN"), _units([("控制\x01字符\x0b", "bell\x07")]))
    assert rep.removed_chars == 3
    _, units = read_tmx(out)
    assert units[0].text("zh") == "控制字符" and units[0].text("en") == "bell"
    assert validate(out) == []


def test_srclang_must_be_real():
    with pytest.raises(ValueError):
        write_tmx(io.BytesIO(), TmxHeader(srclang="*all*"), [])


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE tmx [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<tmx version="1.4"><header srclang="en" creationtool="x" creationtoolversion="1" segtype="sentence"
o-tmf="x" adminlang="en" datatype="plaintext"/><body><tu><tuv xml:lang="en"><seg>&xxe;</seg></tuv>
<tuv xml:lang="zh"><seg>x</seg></tuv></tu></body></tmx>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<tmx version="1.4"><header srclang="en"/><body><tu><tuv xml:lang="en"><seg>&lol3;</seg></tuv></tu></body></tmx>"""


@pytest.mark.parametrize("data", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_hostile_files_are_refused(tmp_path, data):
    p = tmp_path / "bad.tmx"
    p.write_bytes(data)
    with pytest.raises(FormatError, match="entities"):
        read_tmx(p)


def test_foreign_utf16_tmx_with_three_languages(tmp_path):
    text = """<?xml version="1.0" encoding="UTF-16"?>
<tmx version="1.4"><header creationtool="Other" creationtoolversion="9" segtype="paragraph" o-tmf="x"
adminlang="EN-US" srclang="EN-US" datatype="rtf"/><body>
<tu tuid="7"><tuv xml:lang="EN-US"><seg>Hello <bpt i="1">{\\b</bpt>world<ept i="1">}</ept></seg></tuv>
<tuv xml:lang="ZH-CN"><seg>你好世界</seg></tuv><tuv xml:lang="FR-FR"><seg>Bonjour</seg></tuv></tu>
</body></tmx>"""
    p = tmp_path / "foreign.tmx"
    p.write_bytes(text.encode("utf-16"))
    header, units = read_tmx(p)
    assert header.srclang == "EN-US" and header.segtype == "paragraph"
    assert units[0].text("en") == "Hello world"
    assert units[0].text("zh-cn") == "你好世界" and units[0].text("fr") == "Bonjour"


@pytest.mark.parametrize("data, msg", [(b"<tmx><body>", "well-formed"), (b"<html></html>", "root element")])
def test_broken_files_get_clear_errors(tmp_path, data, msg):
    p = tmp_path / "x.tmx"
    p.write_bytes(data)
    with pytest.raises(FormatError, match=msg):
        read_tmx(p)
