import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from align.errors import InputError
from align.model import TranslationUnit
from corpus.langtags import LangCodes
from corpus.store import Store
from corpus.transfer import Filters, export_mt, export_tmx, import_tmx, iter_units, split_of
from tmx import read_tmx, validate

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("TMBUILD_UPDATE_GOLDEN") == "1"

DOC_A = [
    ("大会，", "The General Assembly,", 0, 0.97),
    ("重申所有国家都有义务促进和保护人权，", "Reaffirming that all States have an obligation to promote and protect human rights,",
     1, 0.91),
    ("1. 决定继续处理此事。", "1. Decides to remain seized of the matter.", 2, 0.95),
    ("标点与符号：&<>“引号”（一）𠀀", "Punctuation & <symbols> \u201cquotes\u201d (a) U+20000", 3, 0.88),
    ("低分句子。", "A sentence with a low score.", 3, 0.05),
]
DOC_B = [
    ("大会，", "The General Assembly,", 0, 0.96),  # a near-duplicate of DOC_A's first pair
    ("相同", "相同", 1, 0.9),  # identical sides
    ("只有中文", "只有中文的翻译", 1, 0.9),  # wrong script on the English side
    ("会议于下午六时结束。", "The meeting rose at 6 p.m.", 2, 0.93),
]


def _store(tmp_path) -> Path:
    path = tmp_path / "store"
    s = Store.create(path, "fake@1", "fake", 8)
    s.user = "translator"  # TMX creationid/changeid
    rng = np.random.default_rng(0)
    for key, sym, rows in (("a", "A/RES/76/177", DOC_A), ("b", "A/RES/76/127", DOC_B)):
        units = [TranslationUnit(z, e, "zh", "en", sc, "1-1", sym, para, i, "fake@1")
                 for i, (z, e, para, sc) in enumerate(rows)]
        v = rng.standard_normal((len(units), 8)).astype(np.float32)
        s.add_document(key, "h" + key, units, v, v, src_path=f"/docs/{key}_zh.txt", tgt_path=f"/docs/{key}_en.txt",
                       symbol=sym)
    s.close()
    return path


def _normalise(text: str) -> str:
    text = re.sub(r'(creationdate|changedate)="\d{8}T\d{6}Z"', r'\1="DATE"', text)
    return re.sub(r'creationtoolversion="[^"]*"', 'creationtoolversion="VERSION"', text)


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"differs from {path}; TMBUILD_UPDATE_GOLDEN=1 rewrites it"


@pytest.mark.parametrize("segtype", ["sentence", "paragraph"])
def test_tmx_export_golden_valid_and_lossless(tmp_path, segtype):
    store = _store(tmp_path)
    out = tmp_path / "tm.tmx"
    with Store.open(store, readonly=True) as s:
        export_tmx(s, out, 0.0, segtype)
        expected = [(u.unit.src_text, u.unit.tgt_text) for u in iter_units(s, 0.0, segtype)]
    assert validate(out) == []
    raw = out.read_text(encoding="utf-8")
    _golden(f"export-{segtype}.tmx", _normalise(raw))
    header, units = read_tmx(out)
    assert header.srclang == "zh-CN" and header.segtype == segtype and header.creationtool == "tmbuild"
    assert header.adminlang == "en-US" and header.datatype == "plaintext"
    assert [(u.text("zh-CN"), u.text("en-US")) for u in units] == expected  # lossless round trip


def test_tmx_language_codes_and_min_score(tmp_path):
    store = _store(tmp_path)
    out = tmp_path / "tm.tmx"
    with Store.open(store, readonly=True) as s:
        export_tmx(s, out, 0.5, "sentence", LangCodes(("zh-Hans", "en")))
    header, units = read_tmx(out)
    assert header.srclang == "zh-Hans"
    assert {lang for u in units for lang, _ in u.variants} == {"zh-Hans", "en"}
    assert len(units) == 8 and all(float(u.prop("x-alignment-score")) >= 0.5 for u in units)
    assert units[0].tuid == "A/RES/76/177:p0:b0" and units[0].prop("x-document") == "A/RES/76/177"


def test_mt_exports_golden_filters_and_split(tmp_path):
    store = _store(tmp_path)
    with Store.open(store, readonly=True) as s:
        rep = export_mt(s, moses=tmp_path / "mt" / "corpus", tsv=tmp_path / "mt" / "c.tsv",
                        jsonl=tmp_path / "mt" / "c.jsonl", filters=Filters())
    assert rep.read == 9
    assert rep.removed == {"alignment score below 0.5": 1, "near-duplicate (same text after normalising case, "
                           "punctuation, digits)": 1, "identical sides": 1,
                           "wrong script (English side not in Latin script)": 1}
    assert rep.written == {"all": 5}
    for name in ("corpus.zh", "corpus.en", "c.tsv", "c.jsonl"):
        _golden(f"mt-{name}", (tmp_path / "mt" / name).read_text(encoding="utf-8"))
    zh = (tmp_path / "mt" / "corpus.zh").read_text(encoding="utf-8").splitlines()
    en = (tmp_path / "mt" / "corpus.en").read_text(encoding="utf-8").splitlines()
    assert len(zh) == len(en) == 5
    recs = [json.loads(x) for x in (tmp_path / "mt" / "c.jsonl").read_text(encoding="utf-8").splitlines()]
    assert recs[0]["doc"] == "A/RES/76/177" and recs[0]["src"] == zh[0]


def test_parquet(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    store = _store(tmp_path)
    with Store.open(store, readonly=True) as s:
        export_mt(s, parquet=tmp_path / "c.parquet")
    t = pq.read_table(tmp_path / "c.parquet")
    assert t.num_rows == 5 and t.column_names[:2] == ["src", "tgt"]


def test_split_keeps_documents_whole_and_is_deterministic(tmp_path):
    store = _store(tmp_path)
    with Store.open(store, readonly=True) as s:
        export_mt(s, moses=tmp_path / "c", split=[0.5, 0.25, 0.25], filters=Filters(min_score=0, dedupe=False))
    docs = {}
    for split in ("train", "dev", "test"):
        for line in (tmp_path / f"c.{split}.zh").read_text(encoding="utf-8").splitlines():
            if line != "大会，":  # in both documents
                docs.setdefault("A" if line in [r[0] for r in DOC_A] else "B", set()).add(split)
    assert all(len(v) == 1 for v in docs.values())
    assert split_of("a", [0.5, 0.25, 0.25]) == split_of("a", [0.5, 0.25, 0.25])
    keys = [f"doc{i}" for i in range(2000)]
    share = sum(split_of(k, [0.9, 0.05, 0.05]) == "train" for k in keys) / len(keys)
    assert 0.87 < share < 0.93


def test_import_foreign_tmx_then_search(tmp_path, use_m3):
    text = """<?xml version="1.0" encoding="UTF-16"?>
<tmx version="1.4"><header creationtool="OtherTool" creationtoolversion="9" segtype="sentence" o-tmf="x"
adminlang="EN-US" srclang="EN-US" datatype="plaintext"/><body>
<tu><tuv xml:lang="EN-US"><seg>The culture of impunity must end.</seg></tuv>
<tuv xml:lang="ZH-CN"><seg>有罪不罚文化必须结束。</seg></tuv><tuv xml:lang="FR-FR"><seg>Il faut en finir.</seg></tuv></tu>
<tu><tuv xml:lang="EN-US"><seg>Only English here.</seg></tuv></tu>
<tu><tuv xml:lang="zh-TW"><seg>會議於下午六時結束。</seg></tuv><tuv xml:lang="en-GB"><seg>The meeting rose at 6 p.m.</seg></tuv></tu>
</body></tmx>"""
    f = tmp_path / "other.tmx"
    f.write_bytes(text.encode("utf-16"))
    store = tmp_path / "store"
    rep = import_tmx(store, f)
    assert (rep.units, rep.added, rep.skipped_missing_side) == (3, 2, 1)
    assert import_tmx(store, f).status == "same"
    with Store.open(store, readonly=True) as s:
        hit = s.search("有罪不罚文化", k=1)[0]
        assert hit.translation == "The culture of impunity must end." and hit.source.endswith("other.tmx")
        hit = s.search("The meeting rose at six", k=1, lang="en")[0]
        assert hit.translation == "會議於下午六時結束。"
    # the Traditional unit stays Traditional: zh-TW on export, not zh-CN
    out = tmp_path / "back.tmx"
    with Store.open(store, readonly=True) as s:
        export_tmx(s, out)
    _, units = read_tmx(out)
    assert [u.variants[0][0] for u in units] == ["zh-CN", "zh-TW"]
    assert rep.other_langs == {"FR-FR": 1}
    # human translations keep what they are: state "imported", no alignment score, their own region (en-GB)
    assert [u.variants[1][0] for u in units] == ["en-US", "en-GB"]
    assert all(u.prop("x-review") == "imported" and u.prop("x-alignment-score") is None
               and u.prop("x-embedder") is None for u in units)
    with Store.open(store, readonly=True) as s:
        export_tmx(s, tmp_path / "reviewed.tmx", reviewed_only=True)
        assert s.documents()[0]["reviewed"] == 2
    assert len(read_tmx(tmp_path / "reviewed.tmx")[1]) == 2


def test_two_exports_are_identical_and_dates_and_people_survive_a_round_trip(tmp_path, use_m3):
    store = _store(tmp_path)
    with Store.open(store, readonly=True) as s:
        export_tmx(s, tmp_path / "one.tmx")
        export_tmx(s, tmp_path / "two.tmx")
    one, two = read_tmx(tmp_path / "one.tmx")[1], read_tmx(tmp_path / "two.tmx")[1]
    assert one == two and one[0].changedate and dict(one[0].attrs) == {"creationid": "translator",
                                                                        "changeid": "translator"}
    from corpus.store.database import configure

    configure(user="someone-else")
    try:
        import_tmx(tmp_path / "back", tmp_path / "one.tmx")
    finally:
        configure(user="")
    with Store.open(tmp_path / "back", readonly=True) as s:
        export_tmx(s, tmp_path / "back.tmx")
    back = read_tmx(tmp_path / "back.tmx")[1]
    assert [(u.tuid, u.creationdate, u.changedate, u.attrs, u.variants) for u in back] == [
        (u.tuid, u.creationdate, u.changedate, u.attrs, u.variants) for u in one]


def test_import_reports_inline_codes_and_keeps_foreign_metadata(tmp_path, use_m3):
    """Inline codes are counted (their text kept); ids, props and notes come back out on export."""
    text = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header creationtool="Trados" creationtoolversion="9" segtype="sentence" o-tmf="x"
adminlang="en-US" srclang="en-US" datatype="plaintext"/><body>
<tu tuid="42" creationid="ALICE" changeid="BOB" creationdate="20200101T000000Z" usagecount="3">
<note>checked</note><prop type="x-client">UNOG</prop>
<tuv xml:lang="en-US"><seg>Press <bpt i="1">&lt;b&gt;</bpt>Enter<ept i="1">&lt;/b&gt;</ept> now.</seg></tuv>
<tuv xml:lang="zh-CN"><seg>现在按<ph x="1"/>回车键。</seg></tuv></tu>
</body></tmx>"""
    f = tmp_path / "trados.tmx"
    f.write_text(text, encoding="utf-8")
    store = tmp_path / "store"
    rep = import_tmx(store, f)
    assert rep.added == 1 and rep.inline_codes == 1
    assert any("inline codes" in line for line in rep.lines(f, store))
    out = tmp_path / "back.tmx"
    with Store.open(store, readonly=True) as s:
        export_tmx(s, out)
    assert validate(out) == []
    _, (u,) = read_tmx(out)
    assert u.text("en") == "Press Enter now." and u.text("zh") == "现在按回车键。"
    assert u.tuid == "42" and u.creationdate == "20200101T000000Z"
    assert dict(u.attrs) == {"creationid": "ALICE", "changeid": "BOB", "usagecount": "3"}
    assert u.prop("x-client") == "UNOG" and u.notes == ("checked",)


def test_import_with_no_unit_in_the_store_languages_fails_and_writes_nothing(tmp_path):
    text = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header creationtool="x" creationtoolversion="1" segtype="sentence" o-tmf="x"
adminlang="en-US" srclang="en-US" datatype="plaintext"/><body>
<tu><tuv xml:lang="en-US"><seg>Hello.</seg></tuv><tuv xml:lang="fr-FR"><seg>Bonjour.</seg></tuv></tu>
</body></tmx>"""
    f = tmp_path / "enfr.tmx"
    f.write_text(text, encoding="utf-8")
    from corpus.cli import main

    assert main(["import", "--store", str(tmp_path / "store"), str(f)]) == 1
    assert not (tmp_path / "store").exists()
    store = _store(tmp_path)
    before = (store / "store.sqlite").read_bytes()
    with pytest.raises(InputError, match=r"enfr.tmx: none of its 1 units has text in both zh and en, .*fr-FR"):
        import_tmx(store, f)
    assert (store / "store.sqlite").read_bytes() == before


def test_tmbuild_tmx_round_trip_keeps_scores_documents_and_bead_types(tmp_path, use_m3):
    """export --tmx then import: what tmbuild wrote (score, document, paragraph, bead type) comes back."""
    store = _store(tmp_path)
    out = tmp_path / "tm.tmx"
    with Store.open(store, readonly=True) as s:
        export_tmx(s, out)
        before = [(u.unit.src_text, u.unit.score, u.unit.doc, u.unit.paragraph, u.unit.bead_kind)
                  for u in iter_units(s)]
    back = tmp_path / "back"
    rep = import_tmx(back, out)
    assert rep.from_tmbuild and rep.added == len(before)
    with Store.open(back, readonly=True) as s:
        after = [(u.unit.src_text, u.unit.score, u.unit.doc, u.unit.paragraph, u.unit.bead_kind)
                 for u in iter_units(s)]
        assert after == before
        assert sum(1 for _ in iter_units(s, min_score=0.5)) == sum(1 for b in before if b[1] >= 0.5)
        assert s.search("低分句子。", k=1)[0].doc == "A/RES/76/177"


def test_cli_export_needs_a_target(tmp_path):
    from corpus.cli import main

    store = _store(tmp_path)
    assert main(["export", "--store", str(store)]) == 1
    assert main(["export", "--store", str(store), "--tmx", str(tmp_path / "o.tmx")]) == 0
    assert main(["export", "--store", str(store), "--moses", str(tmp_path / "m"), "--split", "0.5,0.5"]) == 1


OMEGAT = Path("/usr/share/omegat/OmegaT.jar")


def _pretranslate(tmp_path, store, segtype, sentence_seg):
    """Export the store as TMX into tm/auto of a new OmegaT project whose Chinese source holds one unit's
    text per paragraph (the document as a translator has it); run OmegaT; return units and OmegaT's output."""
    proj = tmp_path / f"omegat-{segtype}"
    for d in ("source", "target", "tm/auto", "glossary", "dictionary", "omegat"):
        (proj / d).mkdir(parents=True)
    (proj / "omegat.project").write_text(OMEGAT_PROJECT.replace("SENTENCE_SEG", str(sentence_seg).lower()),
                                         encoding="utf-8")
    with Store.open(store, readonly=True) as s:
        export_tmx(s, proj / "tm" / "auto" / "tmbuild.tmx", 0.0, segtype)
        units = [u.unit for u in iter_units(s, 0.0, segtype)]
    (proj / "source" / "udhr.txt").write_text("\n\n".join(u.src_text for u in units) + "\n", encoding="utf-8")
    r = subprocess.run(["java", "-jar", str(OMEGAT), str(proj), "--mode=console-translate"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    target = (proj / "target" / "udhr.txt").read_text(encoding="utf-8")
    return units, [x for x in target.split("\n\n") if x.strip()]


@pytest.fixture(scope="module")
def udhr_store(tmp_path_factory):
    from conftest import SAMPLES

    from corpus.build import build

    store = tmp_path_factory.mktemp("omegat") / "store"
    build([SAMPLES / "udhr" / "cmn_hans.html", SAMPLES / "udhr" / "eng.html"], store, "use-m3")
    return store


needs_omegat = pytest.mark.skipif(not OMEGAT.exists() or shutil.which("java") is None,
                                  reason="OmegaT is not installed (apt-get install omegat)")


@pytest.mark.omegat
@needs_omegat
def test_omegat_pre_translates_sentences_with_our_tmx(tmp_path, udhr_store):
    """A real CAT tool loads our TMX from tm/auto and fills in every sentence it has an exact match for."""
    from align.segment import split_zh

    units, lines = _pretranslate(tmp_path, udhr_store, "sentence", True)
    assert len(lines) == len(units)
    single = [(u, got) for u, got in zip(units, lines) if len(split_zh(u.src_text)) == 1]
    missing = [(u.src_text, got) for u, got in single if got.strip() != u.tgt_text]
    assert not missing, missing[:3]
    # units of two or more Chinese sentences are split by OmegaT's sentence rules and cannot match:
    # that is what --segtype paragraph is for (next test)
    assert len(single) >= 0.9 * len(units)


@pytest.mark.omegat
@needs_omegat
def test_omegat_with_paragraph_units(tmp_path, udhr_store):
    units, lines = _pretranslate(tmp_path, udhr_store, "paragraph", False)
    assert len(lines) == len(units)
    missing = [(u.src_text, got) for u, got in zip(units, lines) if got.strip() != u.tgt_text]
    assert not missing, missing[:3]


OMEGAT_PROJECT = """<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<omegat>
    <project version="1.0">
        <source_dir>__DEFAULT__</source_dir>
        <target_dir>__DEFAULT__</target_dir>
        <tm_dir>__DEFAULT__</tm_dir>
        <glossary_dir>__DEFAULT__</glossary_dir>
        <glossary_file>__DEFAULT__</glossary_file>
        <dictionary_dir>__DEFAULT__</dictionary_dir>
        <source_lang>ZH-CN</source_lang>
        <target_lang>EN-US</target_lang>
        <source_tok>org.omegat.tokenizer.LuceneSmartChineseTokenizer</source_tok>
        <target_tok>org.omegat.tokenizer.LuceneEnglishTokenizer</target_tok>
        <sentence_seg>SENTENCE_SEG</sentence_seg>
        <support_default_translations>true</support_default_translations>
        <remove_tags>false</remove_tags>
    </project>
</omegat>
"""


def test_traditional_pairs_keep_their_tag_and_convert_only_when_asked(tmp_path):
    path = tmp_path / "store"
    s = Store.create(path, "fake@1", "fake", 8)
    units = [TranslationUnit("會議於下午六時結束。", "The meeting rose at 6 p.m.", "zh-Hant", "en", 0.9, "1-1", "T", 0, 0),
             TranslationUnit("会议于下午六时结束。", "The meeting rose at 6 in the evening.", "zh", "en", 0.9, "1-1", "S", 0, 0)]
    v = np.eye(2, 8, dtype=np.float32)
    s.add_document("t", "h", units, v, v)
    tmx = tmp_path / "t.tmx"
    export_tmx(s, tmx)
    assert [u.variants[0][0] for u in read_tmx(tmx)[1]] == ["zh-TW", "zh-CN"]
    plain = export_mt(s, jsonl=tmp_path / "plain.jsonl")
    conv = export_mt(s, jsonl=tmp_path / "conv.jsonl", filters=Filters(to_simplified=True))
    s.close()
    assert plain.converted == 0 and conv.converted == 1
    assert any("converted 1 Traditional" in line for line in conv.lines())
    recs = [json.loads(x) for x in (tmp_path / "plain.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["src"], r["src_lang"]) for r in recs][0] == ("會議於下午六時結束。", "zh-Hant")
    recs = [json.loads(x) for x in (tmp_path / "conv.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["src"], r["src_lang"]) for r in recs][0] == ("会议于下午六时结束。", "zh")


def test_tmx_dates_are_the_pairs_own_and_two_exports_agree(tmp_path):
    """creationdate is when a pair was stored, changedate when it was last reviewed: not the export's time
    (CAT tools keep the newest match and filter by age)."""
    import time

    s = Store.create(tmp_path / "s", "fake@1", "fake", 8)
    units = [TranslationUnit("会议开幕。", "The meeting opened.", "zh", "en", 0.9, "1-1", "D", 0, 0),
             TranslationUnit("会议闭幕。", "The meeting rose.", "zh", "en", 0.9, "1-1", "D", 0, 1)]
    v = np.eye(2, 8, dtype=np.float32)
    s.add_document("d", "h", units, v, v)
    with s.con:
        s.con.execute("UPDATE pairs SET added='2025-05-06T07:08:09Z'")
        s.con.execute("UPDATE pairs SET review='confirmed', reviewed='2026-01-02T03:04:05Z' WHERE bead_index=1")
    export_tmx(s, tmp_path / "a.tmx")
    time.sleep(1.1)  # a second export a second later: the units' dates do not move
    export_tmx(s, tmp_path / "b.tmx")
    s.close()
    a, b = (read_tmx(tmp_path / n)[1] for n in ("a.tmx", "b.tmx"))
    assert [(u.creationdate, u.changedate) for u in a] == [(u.creationdate, u.changedate) for u in b] == [
        ("20250506T070809Z", "20250506T070809Z"), ("20250506T070809Z", "20260102T030405Z")]
