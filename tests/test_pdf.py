"""PDFs read into the paragraphs a person sees (corpus/pdf.py): the UDHR printed by chromium in three
languages, and unpc-dev documents typeset in the UN layout by scripts/pdf_corpus.py (running header, job
number and page counter, symbol block, footnote, vote table, paragraphs cut by page breaks, two columns),
each as chromium writes it (tagged) and without its tags; no space ever between two CJK characters, no page
furniture left. The layout steps (columns, footnotes at a page break) also on made-up chunks and lines."""

from __future__ import annotations

import os
import sys

import pytest
from conftest import ROOT, SAMPLES

from corpus.pdf import Chunk, Line, _columns, _gutter, _settle, paragraphs, tidy
from corpus.readers import read_document, read_html

CHROMIUM = "/usr/bin/chromium"
needs_chromium = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium (.ci/run "
                                                                          "installs it)")


@pytest.mark.parametrize("raw, clean", [
    ("鉴于对人类家庭 , 乃是世界自由", "鉴于对人类家庭,乃是世界自由"),
    ("本组织 \" 系基于各会员国 \" 以及", "本组织\"系基于各会员国\"以及"),
    ("《规章》第 21 条第 6 款", "《规章》第21条第6款"),
    ("恩哥克 - 丁卡族", "恩哥克-丁卡族"),
    ("the aﬀairs of States , and", "the affairs of States, and"),
    ("第⼀条", "第一条"),  # a Kangxi radical a font mapped the glyph to
    ("Gok Machar 的区", "Gok Machar的区"),
    ("布鲁斯 · 利普顿教授", "布鲁斯·利普顿教授"),  # a middle dot set in a Latin font between two names
])
def test_a_line_has_no_space_between_cjk_characters_nor_before_punctuation(raw, clean):
    assert tidy(raw) == clean


def _line(y: float, x0: float, x1: float, text: str, size: float = 11.0, element: int | None = None) -> list[Chunk]:
    """A line of words set from x0 to x1 on baseline y, a chunk a word as wide as its letters, justified."""
    words = text.split()
    letters = sum(map(len, words))
    space = (x1 - x0) * 0.15 / max(len(words) - 1, 1)
    out, x = [], x0
    for w in words:
        end = x + (x1 - x0) * 0.85 * len(w) / letters
        out.append(Chunk(x, y, size, w, end, element))
        x = end + space
    return out


def test_a_page_in_two_columns_is_read_column_by_column_under_its_title():
    title = _line(80, 60, 530, "Resolution adopted by the General Assembly on the report of the Committee", 14)
    block = [_line(50, 450, 530, "A/RES/70/1")]  # right-aligned: no column
    left = [_line(100 + 15 * k, 60, 285, f"left {k} words {'of ' * (k % 3)}the first column") for k in range(8)]
    right = [_line(100 + 15 * k, 310, 533, f"right {k} words {'and ' * (k % 2)}the second column") for k in range(6)]
    rows = [*block, title, *[a + b for a, b in zip(left, right)], *left[6:]]
    found = _gutter(rows, 595.0, set())
    assert found is not None and 285 < found[0] < 310 and round(found[1]) == 310
    blocks = _columns(rows, found, set())
    assert [(col, [" ".join(c.text for c in row).split()[0] for row in rows]) for col, rows in blocks] == [
        (0, ["A/RES/70/1"]), (0, ["Resolution"]), (1, ["left"] * 8), (2, ["right"] * 6)]
    assert [row[0].text for row in blocks[2][1]] == ["left"] * 8 and blocks[2][1][7][1].text == "7"


def test_a_single_column_page_with_a_table_and_a_symbol_block_has_no_gutter():
    rows = [_line(50, 450, 530, "A/RES/70/1"), _line(64, 470, 530, "Distr.: General"),
            *[_line(100 + 15 * k, 60, 533, f"body line {k} of a page {'set ' * (k % 3)}in one column") for k in range(12)],
            *[_line(300 + 15 * k, 70, 150, f"In favour {k}") for k in range(3)]]
    assert _gutter(rows, 595.0, set()) is None
    # a tagged table row whose cells sit on both sides of a gap crosses it
    cells = [_line(400 + 15 * k, 60, 250, "State", element=k) + _line(400 + 15 * k, 320, 500, "120", element=k)
             for k in range(10)]
    assert _gutter(cells, 595.0, set(range(10))) is None


def test_a_footnote_does_not_cut_the_paragraph_the_page_break_cuts():
    body = [Line(0, 60, 700 + 15 * k, 11, f"line {k} of a paragraph that goes on", 533) for k in range(3)]
    note = Line(0, 60, 780, 8.5, "¹ Official Records of the General Assembly.", 400)
    after = [Line(1, 60, 100, 11, "over the page break to its end.", 300),
             Line(1, 60, 130, 11, "2. The next paragraph.", 200)]
    texts, kinds = paragraphs([*body, note, *after])
    assert texts == ["line 0 of a paragraph that goes on line 1 of a paragraph that goes on line 2 of a paragraph "
                     "that goes on over the page break to its end.", "¹ Official Records of the General Assembly.",
                     "2. The next paragraph."]


def test_marked_content_ids_a_page_shares_with_an_earlier_page_go_to_the_element_on_this_page():
    """A paragraph that goes on from page 1 lists its ids of both pages (12 on page 1, 0 here); id 12 here is
    the paragraph that has no other id on this page."""
    assert _settle({12: [13, 25], 0: [13], 1: [14]}) == {12: 25, 0: 13, 1: 14}
    assert _settle({3: [7, 8], 4: [7, 8]}) == {3: 8, 4: 8}  # undecidable: the element confined to fewer ids


def _untagged(pdf, copy) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    from pdf_corpus import untagged

    untagged(pdf, copy)


@needs_chromium
@pytest.mark.parametrize("tags", ["tagged", "untagged"])
@pytest.mark.parametrize("name", ["cmn_hans", "cmn_hant", "eng"])
def test_the_udhr_printed_by_chromium_gives_the_paragraphs_of_its_html(tmp_path, name, tags):
    """The UDHR's HTML printed to PDF reads back as the HTML's paragraphs, every one (the browser's list
    numbers aside): headings apart, the preamble clause by clause, nothing glued, no space in Chinese; from
    its tags, and from its layout alone."""
    import regex

    sys.path.insert(0, str(ROOT / "scripts"))
    from pdf_corpus import print_pdf

    pdf = tmp_path / f"{name}.pdf"
    print_pdf(SAMPLES / "udhr" / f"{name}.html", pdf)
    if tags == "untagged":
        _untagged(pdf, tmp_path / "copy.pdf")
        pdf = tmp_path / "copy.pdf"

    def norm(p: str) -> str:
        return regex.sub(r"^\d+\.\s+", "", " ".join(p.split()))

    got = [norm(p.text) for p in read_document(pdf).paragraphs]
    want = [norm(p.text) for p in read_html(SAMPLES / "udhr" / f"{name}.html").paragraphs]
    assert got == want
    assert not any(regex.search(r"\p{Han}\s+\p{Han}", p) for p in got)


@needs_chromium
def test_un_layout_pdfs_keep_their_paragraphs_and_lose_their_furniture(tmp_path, unpc_pairs):
    """Six documents of unpc-dev text in both languages, typeset in the UN layout (two of them in two
    columns), tagged and untagged: every paragraph of the tagged PDFs and at least 98% of the untagged ones
    read identically, no job number or page counter left, no
    space between CJK characters, the footnote kept apart; translation units aligned from the tagged PDFs
    are those aligned from the source paragraphs."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from pdf_corpus import measure, print_pdf, un_layout, units, unpc_documents

    index = []
    for k, (_, zh, en) in enumerate(unpc_documents(6)):
        for lang, sents in (("zh", zh), ("en", en)):
            page, known = un_layout(sents, lang, f"A/RES/70/{k + 1}", f"15-2{k:04d} ({lang[0].upper()})",
                                    columns=k >= 4)
            (tmp_path / f"un{k}_{lang}.html").write_text(page, encoding="utf-8")
            print_pdf(tmp_path / f"un{k}_{lang}.html", tmp_path / f"un{k}_{lang}.pdf")
            _untagged(tmp_path / f"un{k}_{lang}.pdf", tmp_path / f"un{k}_{lang}.untagged.pdf")
            for tagged in (True, False):
                index.append({"pdf": f"un{k}_{lang}{'' if tagged else '.untagged'}.pdf", "lang": lang,
                              "list_numbers": False, "paragraphs": known, "tagged": tagged,
                              "furniture": [f"A/RES/70/{k + 1}", f"15-2{k:04d}"]})
    rows = measure(tmp_path, index)
    for tagged in (True, False):  # tagged: every paragraph, by its element, over page and column breaks
        part = [r for r in rows if r["tagged"] == tagged]
        same, total = sum(r["identical"] for r in part), sum(r["paragraphs"] for r in part)
        assert same / total >= (1.0 if tagged else 0.98), (tagged, [r for r in part if r["identical"] < r["paragraphs"]])
    assert sum(r["cjk_spaces"] for r in rows) == 0
    assert sum(r["furniture_left"] for r in rows) == 0, rows
    doc = read_document(tmp_path / "un0_zh.pdf")
    assert [f.text for f in doc.footnotes] == ["《大会正式记录，第七十届会议，补编第53号》。"]
    same, total = units(tmp_path, [item for item in index if item["pdf"][2] in "04"])
    assert same / total >= 0.98, (same, total)
