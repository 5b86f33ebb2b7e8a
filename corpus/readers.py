"""Read documents as people have them: .txt/.md (PDF extractions), .html, .docx, .odt, .pdf.

Each reader returns a :class:`align.model.Document` with paragraphs in
reading order. Encodings are detected (UTF-8 with or without BOM, UTF-16
with BOM, GB18030/GBK); the language is recognised from the text. Anything
removed on the way is counted in ``Document.warnings``.
"""

from __future__ import annotations

import codecs
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import regex

from align.errors import InputError
from align.model import Document, Paragraph

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
MAX_BYTES = 50_000_000  # MB here are 10^6 bytes, as the messages print them
MAX_UNPACKED = 200 * 1000 * 1000  # a .docx unpacking to more than this is refused (zip bombs)
LARGE_BYTES = 5_000_000  # documents above this get a warning: aligning them takes minutes

_HAN = regex.compile(r"\p{Han}")
_LATIN = regex.compile(r"\p{Latin}")


_LATIN_WORD = regex.compile(r"[A-Za-z]+")


def detect_lang(text: str) -> str:
    """"zh" when Han characters outnumber a third of the Latin letters, or the Latin words (a Chinese
    sentence citing English titles: 30 characters beside 18 words), else "en"."""
    sample = text[:20000]
    han = len(_HAN.findall(sample))
    latin = len(_LATIN.findall(sample))
    return "zh" if han > 0 and (han * 3 >= latin or han >= len(_LATIN_WORD.findall(sample))) else "en"


def decode_bytes(data: bytes, name: str) -> str:
    """Decode text: BOMs first, then UTF-8, then GB18030 (a superset of GBK and GB2312)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise InputError(f"{name}: starts like UTF-16 text (byte-order mark) but is not (byte {e.start}); "
                             "convert it to UTF-8") from e
    if b"\x00" in data[:4096]:
        # UTF-16 without a BOM shows as every other byte zero in ASCII-heavy text
        for enc in ("utf-16-le", "utf-16-be"):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            if text and sum(c.isprintable() or c.isspace() for c in text[:2000]) > 0.95 * len(text[:2000]):
                return text
        raise InputError(f"{name}: binary data, not text; give a .txt, .md, .html, .docx or .pdf document")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as e:
        raise InputError(f"{name}: not UTF-8, UTF-16 or GB18030 text (byte {e.start}); "
                         "convert it to UTF-8") from e


def _check_file(path: Path) -> bytes:
    """The bytes of a document file, or a one-line error: missing, a folder, a link, too large, unreadable."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give a document file")
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{path}: empty file")
    if size > MAX_BYTES:
        raise InputError(f"{path}: {size / 1e6:.0f} MB is more than the {MAX_BYTES // 1_000_000} MB a document "
                         "may have; split it")
    try:
        return path.read_bytes()
    except OSError as e:
        raise InputError(f"{path}: cannot be read ({e.strerror}); check its permissions") from e


# ------------------------------------------------------------------ text

_MD_LINK = regex.compile(r"\[([^\[\]\n]*)\]\((?:#|[^)\s]*)\)")
_MD_ESCAPE = regex.compile(r"\\([()\[\]*_#`\\])")
_MD_BOLD = regex.compile(r"(\*\*|__)(.+?)\1")
_MD_HEADING = regex.compile(r"^\s{0,3}#{1,6}\s+")
_MD_LIST = regex.compile(r"^\s*[-*+]\s+(?=\S)")


def clean_markdown(line: str) -> tuple[str, int]:
    """Strip link, bold, heading and list-dash markup; return the line and how many marks went."""
    n = 0
    line, k = _MD_LINK.subn(r"\1", line)
    n += k
    line, k = _MD_BOLD.subn(r"\2", line)
    n += k
    line, k = _MD_HEADING.subn("", line)
    n += k
    line, k = _MD_LIST.subn("", line)
    n += k
    line, k = _MD_ESCAPE.subn(r"\1", line)
    n += k
    return line, n


_LABEL_START = regex.compile(
    r"^(?:\d{1,3}\.\s|[（(](?:[a-z]{1,2}|[ivxlc]{1,6}|[一二三四五六七八九十]{1,3}|\d{1,2})[）)]|[¹²³⁴⁵⁶⁷⁸⁹⁰]+)")
_HARD_END = "。；;：:！？!?.」”’』]）)】"


@dataclass(frozen=True, slots=True)
class TextParagraphs:
    """A text file's paragraphs, and how many markdown marks, furniture lines and page breaks reading it repaired."""
    paragraphs: list[str]
    markdown: int = 0  # markdown marks removed
    furniture: int = 0  # page-furniture lines removed (job numbers, page counters, running headers)
    rejoined: int = 0  # paragraphs rejoined across a page break

    def warnings(self) -> tuple[str, ...]:
        out = ()
        if self.markdown:
            out += (f"removed {self.markdown} markdown marks",)
        if self.furniture:
            out += (f"removed {self.furniture} lines of page furniture (job numbers, page counters, running "
                    "headers)",)
        if self.rejoined:
            out += (f"rejoined {self.rejoined} paragraphs cut by page breaks",)
        return out


_FOOTNOTE_START = regex.compile(r"^[¹²³⁴⁵⁶⁷⁸⁹⁰]+")


def text_paragraphs(text: str) -> TextParagraphs:
    """Paragraphs of text extracted from PDFs: blocks separated by blank lines.

    Inside a block, a line joins the one before it only when that one was
    soft-wrapped (it ends without closing punctuation) and the line does not
    start a numbered paragraph, a sub-item or a footnote; so consecutive
    "1. ..." / "2. ..." lines stay apart while a wrapped title is rejoined.
    Page furniture (:mod:`corpus.furniture`) is removed; where it stood, or
    at a form feed, a page break was: a paragraph it cut (ending without
    closing punctuation, footnotes of the page in between) is rejoined with
    the first line of the next page unless that line starts a new labelled
    paragraph.
    """
    from .furniture import find_furniture

    text = text.replace("\r\n", "\n").replace("\r", "\n")
    markdown = rejoined = 0
    lines: list[str] = []
    breaks: set[int] = set()  # line indices a page break comes before
    for raw in text.split("\n"):
        if "\f" in raw:
            breaks.add(len(lines))
            raw = raw.replace("\f", " ")
        line, k = clean_markdown(raw.strip())
        markdown += k
        lines.append(line.strip())
    furniture = find_furniture(lines)
    paras: list[list[str]] = []
    cur: list[str] = []
    page_break = False

    def flush() -> None:
        if cur:
            paras.append(cur.copy())
            cur.clear()

    for i, line in enumerate(lines):
        if i in breaks:
            page_break = True
        if i in furniture:
            page_break = True
            continue
        if not line:
            flush()
            continue
        if page_break and not cur and not _LABEL_START.match(line):
            # the first line of a page: does it continue a paragraph the break cut?
            k = len(paras) - 1
            while k >= 0 and _FOOTNOTE_START.match(paras[k][0]):
                k -= 1
            if k >= 0 and not paras[k][-1].endswith(tuple(_HARD_END)):
                cur.extend(paras.pop(k))
                rejoined += 1
        page_break = False
        if cur and (_LABEL_START.match(line) or cur[-1].endswith(tuple(_HARD_END))):
            flush()
        cur.append(line)
    flush()
    return TextParagraphs([_join_lines(p) for p in paras], markdown, len(furniture), rejoined)


def _join_lines(lines: list[str]) -> str:
    """Join wrapped lines: no space between Chinese characters, one space otherwise."""
    out = lines[0]
    for line in lines[1:]:
        if _HAN.search(out[-1:]) or _HAN.match(line[:1]):
            out += line
        else:
            out += " " + line
    return out


def read_text(path: Path, data: bytes | None = None) -> Document:
    data = data if data is not None else _check_file(path)
    text = decode_bytes(data, str(path))
    tp = text_paragraphs(text)
    return _document(path, tp.paragraphs, tp.warnings())


def read_lines(path: str | Path, data: bytes | None = None) -> list[str]:
    """One sentence a line (pre-split input); empty lines are kept out and not counted. ``data``: the
    file's bytes when they were read already (standard input)."""
    path = Path(path)
    text = decode_bytes(_check_file(path) if data is None else data, str(path))
    return [line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]


def _document(path: Path, paras: list[str], warnings: tuple[str, ...] = (), kinds: list[str] | None = None,
              labels: list[str] | None = None) -> Document:
    """A :class:`Document` of ``path``'s paragraphs, its language and script detected, or an error when it holds no
    text."""
    if not any(p.strip() for p in paras):
        raise InputError(f"{path}: no text found")
    lang = detect_lang("\n".join(paras))
    size = sum(len(p.encode("utf-8")) for p in paras)  # the text, whatever the file's format and compression
    if size > LARGE_BYTES:
        warnings += (f"large document ({size / 1e6:.0f} MB of text, {len(paras)} paragraphs): aligning it takes "
                     "minutes and gigabytes",)
    kinds = kinds or ["body"] * len(paras)
    labels = labels or [""] * len(paras)
    return Document(str(path), lang, tuple(Paragraph(p, k, lab) for p, k, lab in zip(paras, kinds, labels)),
                    script=_script(paras) if lang == "zh" else "", warnings=warnings)


def _script(paras: list[str]) -> str:
    from .chinese import detect_script

    return detect_script("\n".join(paras))


# ------------------------------------------------------------------ html

_BLOCK_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "td", "th", "dt", "dd", "pre"}


def read_html(path: Path, data: bytes | None = None) -> Document:
    from lxml import html as lhtml

    data = data if data is not None else _check_file(path)
    text = decode_bytes(data, str(path))
    text = regex.sub(r"^\s*<\?xml[^>]*\?>", "", text)  # lxml refuses a declaration in a str
    try:
        # huge_tree: without it libxml2 drops everything nested more than 255 levels deep, silently
        root = lhtml.fromstring(text, parser=lhtml.HTMLParser(huge_tree=True))
    except Exception as e:  # noqa: BLE001 - lxml raises several kinds on garbage
        raise InputError(f"{path}: not readable as HTML ({e})") from e
    for bad in root.xpath("//script|//style|//noscript|//nav|//footer"):
        bad.drop_tree()
    paras, kinds, labels = [], [], []
    for el in root.iter(*_BLOCK_TAGS):
        if any(a.tag in _BLOCK_TAGS for a in el.iterancestors()):
            continue  # nested block: its text is in the outer one
        text = regex.sub(r"\s+", " ", el.text_content()).strip()
        if not text:
            continue
        kind = "heading" if el.tag.startswith("h") else "body"
        if el.tag == "h1":
            kind = "title"
        article = next((a for a in el.iterancestors("article")), None)
        label = article.get("data-number", "") if article is not None else ""
        if next((a for a in el.iterancestors("header")), None) is not None and kind == "body":
            kind = "preamble"
        paras.append(text)
        kinds.append(kind)
        labels.append(label)
    warnings = ()
    shown = len(regex.sub(r"\s+", "", root.text_content()))
    raw = len(regex.sub(r"\s+", "", regex.sub(r"(?s)<(script|style)\b.*?</\1>|<[^>]*>", "", text)))
    if raw > 200 and not paras:
        raise InputError(f"{path}: no text could be read from about {raw} characters: the HTML may be nested "
                         "deeper than the parser allows; save the page as .txt")
    if raw > 200 and shown < 0.5 * raw:
        warnings = (f"read only {shown} of about {raw} characters of text: the HTML may be nested deeper than the "
                    "parser allows; save the page as .txt to read all of it",)
    return _document(path, paras, warnings, kinds, labels)


# ------------------------------------------------------------------ docx, odt: office files read as XML

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def _office_zip(path: Path, data: bytes, what: str, fix: str):
    """The file as a zip archive, refused when it is none or unpacks to more than MAX_UNPACKED (a zip bomb)."""
    import io
    import zipfile

    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        unpacked = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, ValueError) as e:
        raise InputError(f"{path}: not a {what} file ({e}); {fix}") from e
    if unpacked > MAX_UNPACKED:
        raise InputError(f"{path}: unpacks to {unpacked / 1e6:,.0f} MB, more than the {MAX_UNPACKED // 1_000_000} MB "
                         f"tmbuild accepts from a {what} file (a zip bomb?); save it as .txt")
    return z


def _xml_part(path: Path, z, name: str, what: str, fix: str, required: bool = True):
    """A part of an office file parsed without DTDs, entities or network (None when it is optional and absent)."""
    from lxml import etree

    try:
        raw = z.read(name)
    except KeyError:
        if not required:
            return None
        raise InputError(f"{path}: not a {what} file (no {name}); {fix}") from None
    try:
        return etree.fromstring(raw, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                                                     huge_tree=False, remove_comments=True, remove_pis=True))
    except etree.XMLSyntaxError as e:
        raise InputError(f"{path}: not a readable {what} file ({name}: {e.msg}); {fix}") from None


def _w_text(p) -> str:
    """A Word paragraph's own text (runs, tabs and breaks; not the text boxes or footnotes inside it)."""
    out = []
    for el in p.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}txbxContent", f"{_W}footnoteReference"):
        if el.tag == f"{_W}txbxContent" or _inside_box(el, p):
            continue
        out.append((el.text or "") if el.tag == f"{_W}t" else " ")
    return " ".join("".join(out).split()) if out else ""


def _inside_box(el, p) -> bool:
    """``el`` lies in a text box within paragraph ``p`` (its text is read after ``p``, not in it)."""
    for a in el.iterancestors():
        if a is p:
            return False
        if a.tag == f"{_W}txbxContent":
            return True
    return False


def read_docx(path: Path, data: bytes | None = None) -> Document:
    """A Word .docx in reading order: body paragraphs and tables where they stand, a text box's paragraphs
    after the paragraph that anchors it, footnotes apart (``Document.footnotes``); page headers and footers
    are page furniture, counted in a warning."""
    from align.model import Footnote

    data = data if data is not None else _check_file(path)
    fix = "save it again as .docx or as .txt"
    z = _office_zip(path, data, "Word .docx", fix)
    root = _xml_part(path, z, "word/document.xml", "Word .docx", fix)
    styles = _docx_styles(path, z, fix)
    body = root.find(f"{_W}body")
    paras, kinds = [], []

    def paragraph(p) -> None:
        text = _w_text(p)
        if text:
            style = p.find(f"{_W}pPr/{_W}pStyle")
            name = styles.get(style.get(f"{_W}val"), style.get(f"{_W}val")).lower() if style is not None else ""
            paras.append(text)
            kinds.append("title" if name == "title" else "heading" if name.startswith("heading") else "body")
        for box in p.iter(f"{_W}txbxContent"):
            for q in box.iter(f"{_W}p"):
                t = _w_text(q)
                if t:
                    paras.append(t)
                    kinds.append("body")

    for child in (body if body is not None else ()):
        if child.tag == f"{_W}p":
            paragraph(child)
        elif child.tag == f"{_W}tbl":
            for p in child.iter(f"{_W}p"):
                paragraph(p)
        elif child.tag == f"{_W}sdt":  # a content control holds paragraphs too
            for p in child.iter(f"{_W}p"):
                paragraph(p)
    footnotes = []
    notes = _xml_part(path, z, "word/footnotes.xml", "Word .docx", fix, required=False)
    for note in (notes.iter(f"{_W}footnote") if notes is not None else ()):
        if note.get(f"{_W}type") in ("separator", "continuationSeparator", "continuationNotice"):
            continue
        text = " ".join(t for t in (_w_text(p) for p in note.iter(f"{_W}p")) if t)
        if text:
            footnotes.append(Footnote(note.get(f"{_W}id", ""), text))
    furniture = sum(1 for n in z.namelist() if regex.fullmatch(r"word/(header|footer)\d*\.xml", n))
    warnings = (f"page headers and footers ({furniture} parts) not read: page furniture",) if furniture else ()
    doc = _document(path, paras, warnings, kinds)
    return replace(doc, footnotes=tuple(footnotes))


def _docx_styles(path: Path, z, fix: str) -> dict[str, str]:
    """Style ids and their names (Heading1 -> heading 1)."""
    styles = _xml_part(path, z, "word/styles.xml", "Word .docx", fix, required=False)
    out = {}
    for s in (styles.iter(f"{_W}style") if styles is not None else ()):
        name = s.find(f"{_W}name")
        if name is not None:
            out[s.get(f"{_W}styleId")] = name.get(f"{_W}val", "")
    return out


def _odf_text(el) -> str:
    """An OpenDocument paragraph's text: spaces (``text:s``), tabs and breaks as spaces, notes left out."""
    out = [el.text or ""]
    for child in el:
        tag = child.tag
        if tag == f"{_TEXT}note":
            pass
        elif tag == f"{_TEXT}s":
            out.append(" " * int(child.get(f"{_TEXT}c", "1") or 1))
        elif tag in (f"{_TEXT}tab", f"{_TEXT}line-break"):
            out.append(" ")
        else:
            out.append(_odf_text(child))
        out.append(child.tail or "")
    return "".join(out)


def read_odt(path: Path, data: bytes | None = None) -> Document:
    """An OpenDocument text (.odt, LibreOffice): headings, paragraphs, lists and tables in reading order,
    footnotes and endnotes apart (``Document.footnotes``, their markers off the text)."""
    from align.model import Footnote

    data = data if data is not None else _check_file(path)
    fix = "save it again as .odt, .docx or .txt"
    z = _office_zip(path, data, "OpenDocument .odt", fix)
    root = _xml_part(path, z, "content.xml", "OpenDocument .odt", fix)
    text = root.find(f"{_OFFICE}body/{_OFFICE}text")
    paras, kinds, footnotes = [], [], []
    for el in (text.iter(f"{_TEXT}h", f"{_TEXT}p") if text is not None else ()):
        if any(a.tag == f"{_TEXT}note-body" for a in el.iterancestors()):
            continue  # a note's paragraph: read with its note
        for note in el.iter(f"{_TEXT}note"):
            body = note.find(f"{_TEXT}note-body")
            cite = note.find(f"{_TEXT}note-citation")
            words = " ".join(" ".join(_odf_text(p).split()) for p in body.iter(f"{_TEXT}p")) if body is not None else ""
            if words:
                footnotes.append(Footnote((cite.text or "") if cite is not None else "", words))
        t = " ".join(_odf_text(el).split())
        if t:
            paras.append(t)
            kinds.append("heading" if el.tag == f"{_TEXT}h" else "body")
    doc = _document(path, paras, (), kinds)
    return replace(doc, footnotes=tuple(footnotes))


# ------------------------------------------------------------------ rtf

_RTF_GROUPS = {"footnote": "footnote", "header": "page header", "headerl": "page header", "headerr": "page header",
               "headerf": "page header", "footer": "page footer", "footerl": "page footer",
               "footerr": "page footer", "footerf": "page footer"}
_RTF_GROUP = regex.compile(r"\{\\\*?\\?(footnote|header[lrf]?|footer[lrf]?)(?![a-z])")


def _rtf_groups(text: str) -> tuple[str, list[tuple[str, str]]]:
    """``text`` without its footnote, header and footer groups, and those groups ((kind, group), in order).
    Groups are found by their braces (an escaped brace, ``\\{``, is text)."""
    out, groups, at = [], [], 0
    for m in _RTF_GROUP.finditer(text):
        if m.start() < at:
            continue  # inside a group already taken out
        depth, k = 0, m.start()
        while k < len(text):
            ch = text[k]
            if ch == "\\":
                k += 2
                continue
            depth += (ch == "{") - (ch == "}")
            k += 1
            if depth == 0:
                break
        out.append(text[at:m.start()])
        groups.append((_RTF_GROUPS[m.group(1)], text[m.start():k]))
        at = k
    out.append(text[at:])
    return "".join(out), groups


def read_rtf(path: Path, data: bytes | None = None) -> Document:
    """A Rich Text Format file (what Word and WordPad save as .rtf), through striprtf: one paragraph per
    ``\\par``, a table row as one paragraph (its cells apart by a space), footnotes apart
    (``Document.footnotes``); page headers and footers are page furniture, counted in a warning. The code
    page comes from the file (``\\ansicpg``, a font's ``\\fcharset``: GBK, Big5), Unicode from ``\\u``."""
    from align.model import Footnote

    data = data if data is not None else _check_file(path)
    if not data.lstrip()[:5] == b"{\\rtf":
        raise InputError(f"{path}: not an RTF file (it does not start with {{\\rtf); save it again as .rtf, "
                         ".docx or .txt")
    try:
        from striprtf.striprtf import rtf_to_text
    except ImportError as e:  # pragma: no cover - a core dependency
        raise InputError("striprtf is not installed; run: pip install striprtf") from e
    text = data.decode("latin-1")  # RTF is 7-bit: other characters are escapes (\\'hh in the code page, \\u)
    body, groups = _rtf_groups(text)

    def plain(rtf: str) -> str:
        try:
            return rtf_to_text(rtf, errors="replace")
        except (ValueError, LookupError, IndexError, RecursionError) as e:
            raise InputError(f"{path}: not a readable RTF file ({e}); save it again as .rtf, .docx or .txt") from e

    paras: list[str] = []
    for line in plain(body).splitlines():
        if line.endswith("|"):  # a table row: striprtf ends each cell with "|"
            line = " ".join(cell.strip() for cell in line.split("|") if cell.strip())
        line = " ".join(line.split())
        if line:
            paras.append(line)
    footnotes, skipped = [], Counter()
    for kind, group in groups:
        if kind == "footnote":
            inner = _RTF_GROUP.sub("{", group, count=1)  # the group's text without its destination word
            words = " ".join(plain("{\\rtf1 " + inner + "}").split())
            if words:
                footnotes.append(Footnote(str(len(footnotes) + 1), words))
        else:
            skipped[kind] += 1
    warnings: tuple[str, ...] = ()
    if skipped:
        warnings += ("not read: " + ", ".join(f"{n} {kind}{'s' * (n != 1)}" for kind, n in sorted(skipped.items()))
                     + " (page furniture)",)
    if any("\ufffd" in p for p in paras):
        warnings += ("some characters could not be decoded in the file's code page and show as \ufffd",)
    doc = _document(path, paras, warnings)
    return replace(doc, footnotes=tuple(footnotes))


# ------------------------------------------------------------------ pdf

def read_pdf(path: Path, data: bytes | None = None) -> Document:
    data = data if data is not None else _check_file(path)
    try:
        import pypdfium2 as pdfium
    except ImportError as e:  # pragma: no cover - a core dependency
        raise InputError("pypdfium2 is not installed; run: pip install pypdfium2") from e
    from .pdf import Structure, drop_furniture, lines_of, paragraphs

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        why = "it is encrypted; save an unprotected copy" if "password" in str(e).lower() else str(e)
        raise InputError(f"{path}: not a readable PDF ({why})") from e
    try:
        pages = [pdf[k] for k in range(len(pdf))]
        tagged = _tagged(pdf)
        lines = lines_of(pages, Structure() if tagged else None)  # the layout (corpus/pdf.py)
        height = pages[0].get_height() if pages else 0.0
    except (pdfium.PdfiumError, ValueError) as e:
        raise InputError(f"{path}: not a readable PDF ({e})") from e
    finally:
        pdf.close()
    if not any(line.text.strip() for line in lines):
        raise InputError(f"{path}: the PDF has no text layer (a scan?); run OCR on it first")
    lines, dropped = drop_furniture(lines, len(pages), height)
    paras, kinds = paragraphs(lines)
    warnings: tuple[str, ...] = ()
    if dropped:
        warnings += (f"removed {dropped} lines of page furniture (running headers and footers, job and page "
                     "numbers)",)
    return _document(path, paras, warnings, kinds)


def _tagged(pdf) -> bool:
    """Whether a PDF says it is tagged (its catalog's ``/MarkInfo /Marked true``), so that its structure tree
    can be trusted to give its paragraphs."""
    import pypdfium2.raw as pdfium_c

    return bool(pdfium_c.FPDFCatalog_IsTagged(pdf.raw))


def read_document(path: str | Path, structured: bool = True, data: bytes | None = None) -> Document:
    """Read any supported document; the suffix chooses the reader.

    With ``structured`` (the default) UN structure is recognised too
    (footnotes, page breaks, paragraph kinds, metadata: see corpus.un).
    ``data``: plain text already read (standard input), named ``path``.
    """
    path = Path(path)
    doc = _read_raw(path) if data is None else read_text(path, data)
    if structured:
        from .un import structure

        doc = structure(doc)
    return doc


# the reader of each suffix (a file without one is plain text)
READERS: dict[str, Callable[[Path], Document]] = {
    **dict.fromkeys(TEXT_SUFFIXES | {""}, read_text), **dict.fromkeys(HTML_SUFFIXES, read_html),
    ".docx": read_docx, ".odt": read_odt, ".rtf": read_rtf, ".pdf": read_pdf,
}
SUFFIXES = set(READERS) - {""}  # what a folder is searched for


def _read_raw(path: Path) -> Document:
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise InputError(f"{path}: unsupported file type {path.suffix.lower()!r}; tmbuild reads "
                         f"{', '.join(sorted(SUFFIXES))}")
    return reader(path)
