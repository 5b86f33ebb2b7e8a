"""PDFs read into the paragraphs a person sees (corpus/pdf.py): the UDHR printed by chromium in three
languages, and unpc-dev documents typeset in the UN layout by scripts/pdf_corpus.py (running header, job
number and page counter, symbol block, footnote, vote table, paragraphs cut by page breaks); no space ever
between two CJK characters, no page furniture left."""

from __future__ import annotations

import os
import sys

import pytest
from conftest import ROOT, SAMPLES

from corpus.pdf import tidy
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
])
def test_a_line_has_no_space_between_cjk_characters_nor_before_punctuation(raw, clean):
    assert tidy(raw) == clean


@needs_chromium
@pytest.mark.parametrize("name", ["cmn_hans", "cmn_hant", "eng"])
def test_the_udhr_printed_by_chromium_gives_the_paragraphs_of_its_html(tmp_path, name):
    """The UDHR's HTML printed to PDF reads back as the HTML's paragraphs, every one (the browser's list
    numbers aside): headings apart, the preamble clause by clause, nothing glued, no space in Chinese."""
    import regex

    sys.path.insert(0, str(ROOT / "scripts"))
    from pdf_corpus import print_pdf

    pdf = tmp_path / f"{name}.pdf"
    print_pdf(SAMPLES / "udhr" / f"{name}.html", pdf)

    def norm(p: str) -> str:
        return regex.sub(r"^\d+\.\s+", "", " ".join(p.split()))

    got = [norm(p.text) for p in read_document(pdf).paragraphs]
    want = [norm(p.text) for p in read_html(SAMPLES / "udhr" / f"{name}.html").paragraphs]
    assert got == want
    assert not any(regex.search(r"\p{Han}\s+\p{Han}", p) for p in got)


@needs_chromium
def test_un_layout_pdfs_keep_their_paragraphs_and_lose_their_furniture(tmp_path, unpc_pairs):
    """Six unpc-dev documents in both languages, typeset in the UN layout: at least 95% of their paragraphs
    read identically, no job number or page counter left, no space between CJK characters, the footnote
    kept apart."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from pdf_corpus import measure, print_pdf, un_layout, unpc_documents

    index = []
    for k, (_, zh, en) in enumerate(unpc_documents(6)):
        for lang, sents in (("zh", zh), ("en", en)):
            page, known = un_layout(sents, lang, f"A/RES/70/{k + 1}", f"15-2{k:04d} ({lang[0].upper()})")
            (tmp_path / f"{k}{lang}.html").write_text(page, encoding="utf-8")
            print_pdf(tmp_path / f"{k}{lang}.html", tmp_path / f"{k}{lang}.pdf")
            index.append({"pdf": f"{k}{lang}.pdf", "lang": lang, "list_numbers": False, "paragraphs": known,
                          "furniture": [f"A/RES/70/{k + 1}", f"15-2{k:04d}"]})
    rows = measure(tmp_path, index)
    same, total = sum(r["identical"] for r in rows), sum(r["paragraphs"] for r in rows)
    assert same / total >= 0.95, [r for r in rows if r["identical"] < r["paragraphs"]]
    assert sum(r["cjk_spaces"] for r in rows) == 0
    assert sum(r["furniture_left"] for r in rows) == 0, rows
    doc = read_document(tmp_path / "0zh.pdf")
    assert [f.text for f in doc.footnotes] == ["《大会正式记录，第七十届会议，补编第53号》。"]
