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
