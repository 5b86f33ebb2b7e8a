"""UN structure on the four seed resolutions. Expected values were read off the documents by hand."""

import pytest
from conftest import shared

from corpus.readers import read_document
from corpus.un import vote_counts


def seed(name):
    return read_document(shared("seeds", name))


def kinds(doc, kind):
    return [p for p in doc.paragraphs if p.kind == kind]


EXPECTED = {
    # file: symbol, date, session, agenda item, body, operative paragraphs, footnotes, sub-items
    "000_a04c2a19411927ff.txt": ("A/RES/76/177", "2021-12-16", "76", "74(c)", "General Assembly", 26, 27, 34),
    "001_d0f6716f67551d50.txt": ("A/RES/76/127", "2021-12-10", "76", "75(a)", "General Assembly", 50, 17, 0),
    "002_9fe8283bea68d15f.txt": ("A/HRC/RES/47/23", "2021-07-13", "47", "3", "Human Rights Council", 6, 1, 0),
    "004_c14364e6898db99a.txt": ("A/RES/75/65", "2020-12-07", "75", "103(q)", "General Assembly", 27, 13, 0),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_seed_resolution_structure(name):
    symbol, date, session, agenda, body, n_op, n_fn, n_sub = EXPECTED[name]
    d = seed(name)
    assert d.lang == "zh" and d.script == "Hans"
    assert (d.meta.symbol, d.meta.date, d.meta.session, d.meta.agenda_item, d.meta.body) == (
        symbol, date, session, agenda, body)
    ops = kinds(d, "operative")
    assert [p.label for p in ops] == [str(i) for i in range(1, n_op + 1)]
    assert len(d.footnotes) == n_fn
    assert [f.marker for f in d.footnotes] == [str(i) for i in range(1, n_fn + 1)]
    assert len(kinds(d, "subitem")) == n_sub
    # no footnote text inside the body, no superscript markers left, no markdown
    body_text = "\n".join(p.text for p in d.paragraphs)
    for f in d.footnotes:
        assert len(f.text) < 8 or f.text not in body_text
    assert not any(c in body_text for c in "¹²³⁴⁵⁶⁷⁸⁹⁰")
    assert "](#)" not in body_text and "**" not in body_text
    assert d.paragraphs[[p.kind for p in d.paragraphs].index("heading")].text in ("大会，", "人权理事会，")


def test_76_177_details():
    d = seed("000_a04c2a19411927ff.txt")
    assert d.meta.title == "朝鲜民主主义人民共和国人权状况"
    texts = [p.text for p in d.paragraphs]
    # a paragraph cut by a page break is one paragraph again (no footnotes between here)
    cut = [t for t in texts if "强调指出为应对 COVID-19" in t]
    assert len(cut) == 1 and "COVID-19疫情而实施的任何限制" in cut[0] and cut[0].endswith("有关决议，")
    # item (七) continues after the footnotes of its page
    seven = next(p for p in d.paragraphs if p.label == "(七)")
    assert seven.kind == "subitem"
    assert "导致朝鲜民主主义人民共和国民众，特别是妇女" in seven.text and seven.text.endswith("其他困苦；")
    assert seven.footnotes == ()
    # markers stay linked to their paragraph
    first = next(p for p in d.paragraphs if p.text.startswith("回顾大会、人权委员会"))
    assert first.footnotes == ("1",)
    assert d.footnotes[0].text.startswith("见《大会正式记录，第七十六届会议，补编第 53 号》(A/76/53)")
    assert d.footnotes[1].text == "A/HRC/25/63。"
    op1 = next(p for p in d.paragraphs if p.label == "1")
    assert op1.text.startswith("1. 最强烈地谴责 朝鲜") and op1.footnotes == ("13", "14", "15")
    assert [p.text for p in kinds(d, "closing")] == ["2021年12月16日", "第53次全体会议"]
    assert kinds(d, "preamble")[0].text.startswith("重申所有国家都有义务")
    assert len(kinds(d, "preamble")) == 28


def test_76_127_page_break_after_a_comma():
    d = seed("001_d0f6716f67551d50.txt")
    p30 = next(p for p in d.paragraphs if p.label == "30")
    assert "必须达到的标准，包括相关国内法和国际法所载的标准" in p30.text
    assert p30.text.endswith("提供类似支持；")
    assert [p.text for p in kinds(d, "closing")] == ["2021 年 12 月 10 日", "第 51 次全体会议"]


def test_hrc_47_23_vote_record():
    d = seed("002_9fe8283bea68d15f.txt")
    assert vote_counts(d) == (44, 0, 3)
    votes = kinds(d, "vote")
    assert votes[0].text.startswith("[经记录表决")
    assert any("乌兹别克斯坦" in v.text for v in votes) and votes[-1].text.startswith("中国、厄立特里亚")
    assert [p.text for p in kinds(d, "closing")] == ["2021 年 7 月 13 日", "第 38 次会议"]


def test_news_article_is_english_and_not_un():
    d = seed("003_b79d679517509da1.txt")
    assert d.lang == "en" and d.meta.symbol == "" and {p.kind for p in d.paragraphs} == {"body"}
    assert len(d.paragraphs) == 12


ENGLISH = """United Nations A/RES/76/177
General Assembly Distr.: General
10 January 2022

Seventy-sixth session
Agenda item 74 (c)

Resolution adopted by the General Assembly on 16 December 2021

[on the report of the Third Committee (A/76/462/Add.3, para. 34)]

76/177. Situation of human rights in the Democratic People's Republic of Korea

The General Assembly,

Reaffirming that States have the obligation to promote and protect human rights,

Recalling all previous resolutions,¹ and conscious of the need to step up coordinated efforts,

¹ See Official Records of the General Assembly, Seventy-sixth Session, Supplement No. 53 (A/76/53), chap. V, sect. A.

1. Condemns in the strongest terms the long-standing and ongoing systematic violations;
2. Expresses its very serious concern at:
(a) The persistence of continuing reports of violations of human rights, including:
(i) Torture and other cruel, inhuman or degrading treatment or punishment, and the
(ii) Enforced disappearance of persons;
3. Decides to continue its examination of the situation.

53rd plenary meeting
16 December 2021
"""


def test_english_resolution(tmp_path):
    p = tmp_path / "A_RES_76_177_E.txt"
    p.write_text(ENGLISH, encoding="utf-8")
    d = read_document(p)
    assert d.lang == "en"
    assert (d.meta.symbol, d.meta.date, d.meta.session, d.meta.agenda_item, d.meta.body) == (
        "A/RES/76/177", "2021-12-16", "76", "74(c)", "General Assembly")
    assert d.meta.title == "Situation of human rights in the Democratic People's Republic of Korea"
    assert [p.label for p in kinds(d, "operative")] == ["1", "2", "3"]
    assert [p.label for p in kinds(d, "subitem")] == ["(a)", "(i)", "(ii)"]
    assert len(d.footnotes) == 1 and d.footnotes[0].text.startswith("See Official Records")
    assert next(p for p in d.paragraphs if p.text.startswith("Recalling")).footnotes == ("1",)
    assert len(kinds(d, "preamble")) == 2 and len(kinds(d, "closing")) == 2
