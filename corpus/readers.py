"""Read documents as people have them: .txt/.md (PDF extractions), .html, .docx, .pdf.

Each reader returns a :class:`align.model.Document` with paragraphs in
reading order. Encodings are detected (UTF-8 with or without BOM, UTF-16
with BOM, GB18030/GBK); the language is recognised from the text. Anything
removed on the way is counted in ``Document.warnings``.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

import regex

from align.errors import InputError
from align.model import Document, Paragraph

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | {".docx", ".pdf"}
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


# ------------------------------------------------------------------ docx, pdf

def read_docx(path: Path, data: bytes | None = None) -> Document:
    import io
    import zipfile

    data = data if data is not None else _check_file(path)
    try:
        import docx
    except ImportError as e:  # pragma: no cover - a core dependency
        raise InputError("python-docx is not installed; run: pip install python-docx") from e
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, ValueError) as e:
        raise InputError(f"{path}: not a Word .docx file ({e}); save it as .docx or .txt") from e
    if unpacked > MAX_UNPACKED:
        raise InputError(f"{path}: unpacks to {unpacked / 1e6:,.0f} MB, more than the {MAX_UNPACKED // 1_000_000} MB "
                         "tmbuild accepts from a .docx (a zip bomb?); save it as .txt")
    try:
        d = docx.Document(io.BytesIO(data))
    except MemoryError:
        raise
    except Exception as e:  # noqa: BLE001 - python-docx and lxml raise many kinds on damaged files
        raise InputError(f"{path}: not a readable Word .docx file ({type(e).__name__}: {e}); save it again as "
                         ".docx or as .txt") from e
    paras, kinds = [], []
    for p in d.paragraphs:
        text = p.text.strip()
        if not text:
            continue
        style = (p.style.name or "").lower() if p.style is not None else ""
        paras.append(text)
        kinds.append("title" if style == "title" else "heading" if style.startswith("heading") else "body")
    for table in d.tables:
        for row in table.rows:
            for cell in row.cells:
                if cell.text.strip():
                    paras.append(cell.text.strip())
                    kinds.append("body")
    return _document(path, paras, (), kinds)


def read_pdf(path: Path, data: bytes | None = None) -> Document:
    import io

    data = data if data is not None else _check_file(path)
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError as e:  # pragma: no cover - a core dependency
        raise InputError("pypdf is not installed; run: pip install pypdf") from e
    import logging

    logging.getLogger("pypdf").setLevel(logging.CRITICAL)  # its complaints become one InputError below
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError) as e:
        raise InputError(f"{path}: not a readable PDF ({e})") from e
    text = "\n\f\n".join(pages)  # a form feed marks each page break
    if not text.strip():
        raise InputError(f"{path}: the PDF has no text layer (a scan?); run OCR on it first")
    tp = text_paragraphs(text)
    return _document(path, tp.paragraphs, tp.warnings())


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


def _read_raw(path: Path) -> Document:
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES or suffix == "":
        return read_text(path)
    if suffix in HTML_SUFFIXES:
        return read_html(path)
    if suffix == ".docx":
        return read_docx(path)
    if suffix == ".pdf":
        return read_pdf(path)
    raise InputError(f"{path}: unsupported file type {suffix!r}; tmbuild reads "
                     f"{', '.join(sorted(SUFFIXES))}")
