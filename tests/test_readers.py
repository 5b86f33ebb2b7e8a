import codecs

import pytest
from conftest import SAMPLES

from align.errors import InputError
from corpus.readers import read_document, read_lines

ZH = "大会，\n\n重申所有国家都有义务促进和保护人权。\n"


@pytest.mark.parametrize("encoding, bom", [
    ("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("utf-16-le", codecs.BOM_UTF16_LE),
    ("utf-16-be", codecs.BOM_UTF16_BE), ("gb18030", b""), ("gbk", b""),
])
def test_text_encodings(tmp_path, encoding, bom):
    p = tmp_path / "doc.txt"
    p.write_bytes(bom + ZH.encode(encoding))
    d = read_document(p)
    assert d.lang == "zh" and d.script == "Hans"
    assert [x.text for x in d.paragraphs] == ["大会，", "重申所有国家都有义务促进和保护人权。"]


def test_markdown_artifacts_are_removed_and_counted(tmp_path):
    p = tmp_path / "doc.md"
    p.write_text("- **Recalling** its resolution [A/76/53](#),\n", encoding="utf-8")
    d = read_document(p)
    assert d.paragraphs[0].text == "Recalling its resolution A/76/53,"
    assert d.warnings and "3" in d.warnings[0]


def test_udhr_html_simplified_and_traditional():
    en = read_document(SAMPLES / "udhr" / "eng.html")
    hans = read_document(SAMPLES / "udhr" / "cmn_hans.html")
    hant = read_document(SAMPLES / "udhr" / "cmn_hant.html")
    assert (en.lang, hans.lang, hant.lang) == ("en", "zh", "zh")
    assert (hans.script, hant.script) == ("Hans", "Hant")
    assert sum(p.kind == "preamble" for p in en.paragraphs) == 10
    assert sum(p.kind == "preamble" for p in hans.paragraphs) == 8
    assert {p.label for p in en.paragraphs if p.label} == {str(i) for i in range(1, 31)}


def test_docx_generated_here(tmp_path):
    import docx

    d = docx.Document()
    d.add_heading("Situation of human rights", level=1)
    d.add_paragraph("The General Assembly,")
    d.add_paragraph("1. Decides to remain seized of the matter.")
    p = tmp_path / "r.docx"
    d.save(p)
    doc = read_document(p)
    assert [x.text for x in doc.paragraphs] == ["Situation of human rights", "The General Assembly,",
                                                "1. Decides to remain seized of the matter."]
    assert doc.paragraphs[0].kind == "heading" and doc.lang == "en"


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _rezip(src, dest, parts: dict[str, str]) -> None:
    """``src`` (a zip) written to ``dest`` with ``parts`` replaced or added."""
    import zipfile

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w") as zout:
        for item in zin.infolist():
            if item.filename not in parts:
                zout.writestr(item, zin.read(item.filename))
        for name, text in parts.items():
            zout.writestr(name, text)


def test_docx_tables_text_boxes_and_footnotes_are_read_in_their_place(tmp_path):
    """A table between two paragraphs stays between them; a text box's paragraph follows its anchor; a footnote
    is kept apart; headers and footers are named as not read (never silently lost)."""
    import zipfile

    import docx

    d = docx.Document()
    d.add_paragraph("The General Assembly,")
    t = d.add_table(rows=1, cols=2)
    t.cell(0, 0).text = "In favour: 120"
    t.cell(0, 1).text = "Against: 3"
    d.add_paragraph("1. Decides to remain seized of the matter.")
    d.save(tmp_path / "plain.docx")
    with zipfile.ZipFile(tmp_path / "plain.docx") as z:
        xml = z.read("word/document.xml").decode()
    box = ('<w:p><w:r><w:t>Recalling its resolutions,</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r>'
           '<w:r><w:pict><w:txbxContent><w:p><w:r><w:t>A note in a text box.</w:t></w:r></w:p></w:txbxContent>'
           '</w:pict></w:r></w:p>')
    xml = xml.replace("<w:body>", "<w:body>" + box, 1)
    notes = (f'<w:footnotes {W}><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p>'
             '</w:footnote><w:footnote w:id="1"><w:p><w:r><w:t>See A/76/1.</w:t></w:r></w:p></w:footnote>'
             '</w:footnotes>')
    header = f'<w:hdr {W}><w:p><w:r><w:t>21-12345</w:t></w:r></w:p></w:hdr>'
    _rezip(tmp_path / "plain.docx", tmp_path / "r.docx",
           {"word/document.xml": xml, "word/footnotes.xml": notes, "word/header1.xml": header})
    doc = read_document(tmp_path / "r.docx", structured=False)
    assert [x.text for x in doc.paragraphs] == [
        "Recalling its resolutions,", "A note in a text box.", "The General Assembly,", "In favour: 120",
        "Against: 3", "1. Decides to remain seized of the matter."]
    assert [(f.marker, f.text) for f in doc.footnotes] == [("1", "See A/76/1.")]
    assert any("headers and footers" in w for w in doc.warnings)


def test_odt_is_read_in_order_with_its_notes_apart(tmp_path):
    import zipfile

    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"')
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns}><office:body><office:text>'
               '<text:h text:outline-level="1">人权理事会</text:h>'
               '<text:p>大会，<text:s text:c="2"/>回顾其决议<text:note text:note-class="footnote">'
               '<text:note-citation>1</text:note-citation><text:note-body><text:p>A/76/1。</text:p>'
               '</text:note-body></text:note>，</text:p>'
               '<table:table><table:table-row><table:table-cell><text:p>赞成：120</text:p></table:table-cell>'
               '</table:table-row></table:table>'
               '<text:list><text:list-item><text:p>1. 决定继续处理此案。</text:p></text:list-item></text:list>'
               '</office:text></office:body></office:document-content>')
    with zipfile.ZipFile(tmp_path / "r.odt", "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", content)
    doc = read_document(tmp_path / "r.odt", structured=False)
    assert [x.text for x in doc.paragraphs] == ["人权理事会", "大会， 回顾其决议，", "赞成：120", "1. 决定继续处理此案。"]
    assert doc.paragraphs[0].kind == "heading" and doc.lang == "zh"
    assert [(f.marker, f.text) for f in doc.footnotes] == [("1", "A/76/1。")]


# Word's RTF of a short resolution: GBK bytes (\'hh, code page 936 and a charset-134 font), \u escapes with
# their fallback, a page header, a footnote, a table and escaped braces
_RTF = (r"{\rtf1\ansi\ansicpg936\deff0{\fonttbl{\f0\fswiss Arial;}{\f1\fnil\fcharset134 SimSun;}}"
        "\n" r"{\header {\pard A/RES/70/1 page header\par}}{\footer {\pard 15-22241 (C)\par}}"
        "\n" r"{\pard\f1 \'b4\'f3\'bb\'e1\'cd\'a8\'b9\'fd\'b5\'c4\'be\'f6\'d2\'e9\par}"
        "\n" r"{\pard\f1 \u20154?\u26435?\u29702?\u20107?\u20250?\uc1 \par}"
        "\n" r"{\pard The General Assembly,{\super\chftn{\footnote\pard\plain{\super\chftn} See A/76/1.}} "
        r"recalling its resolutions,\par}"
        "\n" r"\trowd\cellx2000\cellx4000 \pard\intbl In favour\cell 120\cell\row"
        "\n" r"\trowd\cellx2000\cellx4000 \pard\intbl Against\cell 3\cell\row"
        "\n" r"{\pard 1. Decides to remain seized of the matter \{sic\}.\par}" "\n}")


def test_rtf_is_read_with_its_code_page_tables_and_notes_apart(tmp_path):
    (tmp_path / "r.rtf").write_bytes(_RTF.encode("ascii"))
    doc = read_document(tmp_path / "r.rtf", structured=False)
    assert [x.text for x in doc.paragraphs] == [
        "大会通过的决议", "人权理事会", "The General Assembly, recalling its resolutions,", "In favour 120", "Against 3",
        "1. Decides to remain seized of the matter {sic}."]
    assert [(f.marker, f.text) for f in doc.footnotes] == [("1", "See A/76/1.")]
    assert doc.warnings == ("not read: 1 page footer, 1 page header (page furniture)",)


@pytest.mark.parametrize("data, needle", [
    (b"plain text saved as .rtf", "not an RTF file"),
    (b"{\\rtf1\\ansi {\\fonttbl{\\f0 Arial;}}}", "no text found"),
])
def test_bad_rtf_names_the_file_and_the_fix(tmp_path, data, needle):
    (tmp_path / "bad.rtf").write_bytes(data)
    with pytest.raises(InputError, match=needle) as e:
        read_document(tmp_path / "bad.rtf")
    assert "bad.rtf" in str(e.value)


def test_rtf_of_unbalanced_or_deep_groups_reads_without_a_traceback(tmp_path):
    """Damaged RTF (a group never closed, 50,000 nested groups) gives its text or a one-line error."""
    for k, data in enumerate([b"{\\rtf1 {\\footnote never closed The text.\\par",
                              b"{\\rtf1 " + b"{" * 50_000 + b"Deep text.\\par" + b"}" * 50_000 + b"}"]):
        (tmp_path / f"{k}.rtf").write_bytes(data)
        try:
            doc = read_document(tmp_path / f"{k}.rtf", structured=False)
        except InputError as e:
            assert f"{k}.rtf" in str(e)
        else:
            assert doc.paragraphs


def _minimal_pdf(text: str | None) -> bytes:
    """A one-page PDF with a Helvetica text line (or none), built by hand."""
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode() if text else b""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return out


def test_pdf_with_text(tmp_path):
    p = tmp_path / "r.pdf"
    p.write_bytes(_minimal_pdf("The General Assembly decides to remain seized of the matter."))
    d = read_document(p)
    assert d.lang == "en" and "remain seized" in d.paragraphs[0].text


def test_an_encrypted_pdf_says_to_save_an_unprotected_copy(tmp_path):
    import io

    pypdf = pytest.importorskip("pypdf")
    w = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(_minimal_pdf("The General Assembly decides."))))
    w.encrypt(user_password="u", owner_password="o")
    with open(tmp_path / "locked.pdf", "wb") as f:
        w.write(f)
    with pytest.raises(InputError, match="locked.pdf.*encrypted; save an unprotected copy"):
        read_document(tmp_path / "locked.pdf")


def test_pdf_without_text_layer(tmp_path):
    p = tmp_path / "scan.pdf"
    p.write_bytes(_minimal_pdf(None))
    with pytest.raises(InputError, match="no text layer"):
        read_document(p)


@pytest.mark.parametrize("name, data, needle", [
    ("empty.txt", b"", "empty file"),
    ("blob.txt", bytes(range(256)) * 10, "binary"),
    ("x.xlsx", b"PK\x03\x04", "unsupported file type"),
    ("bad.docx", b"not a zip", "not a Word"),
    ("bad.pdf", b"%PDF-1.4 garbage", "PDF"),
])
def test_bad_input_names_the_file(tmp_path, name, data, needle):
    p = tmp_path / name
    p.write_bytes(data)
    with pytest.raises(InputError, match=needle) as e:
        read_document(p)
    assert str(p) in str(e.value)


def test_presplit_lines(tmp_path):
    p = tmp_path / "l.txt"
    p.write_text("one\n\ntwo\r\nthree\n", encoding="utf-8")
    assert read_lines(p) == ["one", "two", "three"]


# A report as text extracted from its PDF: page furniture between pages, a paragraph cut in the middle,
# a footnote at the foot of the page (made-up text in the UN layout).
REPORT_ZH = """A/70/999

联合国大会
Distr.: General
2015年1月15日

第七十届会议

关于卫生危机的报告

1. 秘书长感谢各会员国为应对疫情提供的支助。

2. 各国政府和伙伴组织正在为遏制疫情蔓延进

15-00123 (C)
*1500123*

2/8

A/70/999

行持续努力。

3. 委员会将在下届会议上审议该问题。¹

¹ 见A/69/123号文件。

3/8 15-00123

A/70/999

4. 报告最后提出了若干建议。
"""
REPORT_EN = """A/70/999

General Assembly
Distr.: General
15 January 2015

Seventieth session

Report on the health crisis

1. The Secretary-General thanks Member States for the support they provided in response to the outbreak.

2. Governments and partner organizations are making continued efforts to contain

¹ See document A/69/123.

15-00123 (E)    150115    150115

Page 2/8

A/70/999

the spread of the outbreak.

3. The Committee will consider the matter at its next session.

Please recycle

4. The report ends with a number of recommendations.
"""


@pytest.mark.parametrize("text, cut, whole", [
    (REPORT_ZH, "遏制疫情蔓延进", "2. 各国政府和伙伴组织正在为遏制疫情蔓延进行持续努力。"),
    (REPORT_EN, "to contain", "2. Governments and partner organizations are making continued efforts to contain "
                              "the spread of the outbreak."),
])
def test_page_furniture_is_removed_and_cut_paragraphs_rejoined(tmp_path, text, cut, whole):
    p = tmp_path / "report.txt"
    p.write_text(text, encoding="utf-8")
    d = read_document(p)
    texts = [x.text for x in d.paragraphs]
    assert whole in texts
    assert not any(t.endswith(cut) for t in texts)
    furniture = ("15-00123", "1500123", "2/8", "3/8", "recycle")
    assert not any(f in t for t in texts for f in furniture), texts
    assert texts.count("A/70/999") == 1 and texts[0] == "A/70/999"  # the header stays, running headers go
    assert any("lines of page furniture" in w for w in d.warnings)
    assert any("rejoined 1 paragraphs" in w for w in d.warnings)
    assert texts[-1].startswith("4.")


def test_pdf_pages_are_page_breaks(tmp_path):
    """Text of PDF pages joined by a form feed: a paragraph cut at the page end is rejoined."""
    from corpus.readers import text_paragraphs

    tp = text_paragraphs("1. The Assembly decides to remain\n\f\n2/8\nseized of the matter.\n\n2. Next item.")
    assert tp.paragraphs == ["1. The Assembly decides to remain seized of the matter.", "2. Next item."]
    assert (tp.furniture, tp.rejoined) == (1, 1)
