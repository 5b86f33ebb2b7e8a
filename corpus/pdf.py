"""PDFs read into the paragraphs a person sees: lines from the text layer's positions, paragraphs from the
document's tags where it has them and else from the gaps between lines, headings from tags or font size, page
furniture from tags, position and repetition.

pypdfium2 (Chrome's PDFium) gives every character with its box, baseline and font size, the text object it
was drawn by, that object's marked-content id and marks, and the page's structure tree; this module does the
layout:

1. Chunks: characters drawn one after the other on one baseline, touching, in one marked-content sequence.
   Text marked as an artifact (a tagged PDF's running headers and footers) is dropped here.
2. Lines: chunks on the same baseline (within a third of their font size), in the order the page draws them.
   Chunks get a space between them where they are apart on the page; then none is kept between two CJK
   characters, between CJK text and Latin letters, digits or punctuation, or before punctuation.
3. Columns: a page set in two columns (a gutter few rows cross, the right column's lines starting at one x)
   is read column by column; a short page is set like the document's other pages.
4. Page furniture: a line at the top or bottom of a page whose text (digits aside) recurs on at least half the
   pages (running headers, job numbers, "page 2 of 5"), or a bare page number there, is dropped.
5. Paragraphs: in a tagged PDF, each block element of the structure tree (P, H1..H6, LI, a table row) is one
   paragraph, over lines, columns and pages. Else a new one starts where the gap to the line above is clearly
   wider than the body's line spacing, where the font size changes (headings), or where a line is indented
   after a full-width one; a line that ends short of the full width ends its paragraph (table rows, headings,
   last lines; in justified text, short is below 97% of the width).
6. A paragraph goes on over a page or column break when the lines on both sides are body text, the last one is
   full and does not end a sentence, and the next first line is not indented; the page's footnotes come after
   it.
"""

from __future__ import annotations

import ctypes
import math
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

import regex

_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}\u3000-\u303f\uff00-\uffef"
_CJK_CHAR = regex.compile(rf"[{_CJK}]")
# PDF producers set CJK and Latin runs apart, and text extraction reads the gap as a space (第 21 条, 承认 , 乃是,
# 布鲁斯 · 利普顿): none is kept between two CJK characters, between CJK text and Latin letters or digits, nor
# between CJK text and the punctuation beside it
_SPACE_IN_CJK = regex.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_SPACE_AFTER_CJK_PUNCT = regex.compile(rf"(?<=[{_CJK}][,.;:!?()])\s+(?=[{_CJK}])")
_SPACE_BY_QUOTE = regex.compile(rf"(?<=[{_CJK}])\s+(?=[\"'(\[*/~·•-])|(?<=[\"')\]/~·•-])\s+(?=[{_CJK}])")
_SPACE_CJK_ASCII = regex.compile(rf"(?<=[{_CJK}])\s+(?=[A-Za-z0-9])|(?<=[A-Za-z0-9%])\s+(?=[{_CJK}])")
_SPACE_BEFORE_PUNCT = regex.compile(r"\s+(?=[,.;:!?%)\]}，。、；：！？）」』】》])")
_PAGE_NUMBER = regex.compile(r"(?i)^[-–—\s]*(?:page\s*)?\d{1,4}(?:\s*(?:/|of|\s)\s*\d{1,4})?[-–—\s]*$|^第\s*\d+\s*页")
_ENDS = regex.compile(r"[.。!?！？:：;；]['\"’”)）]*$")
_NOTE_START = regex.compile(r"^\s*(?:[⁰¹²³⁴⁵⁶⁷⁸⁹]+|\d{1,3}\b|[a-z]\s|\*)")  # a footnote's marker
FURNITURE_BAND = 0.12  # the top and bottom share of a page where running headers and footers sit
# structure elements that are one paragraph each (a table's cells join their row: a row is what a reader sees)
_BLOCKS = {"P", "H", "H1", "H2", "H3", "H4", "H5", "H6", "Title", "LI", "TR", "Caption", "TOCI", "Code", "Formula"}
_HEADINGS = {"H", "H1", "H2", "H3", "H4", "H5", "H6", "Title"}


@dataclass
class Line:
    """A line of a PDF page as laid out: where it starts and ends, its baseline, font size and text; in a
    tagged PDF, the block element it belongs to (an id of :class:`Structure`) and its type."""
    page: int
    x: float
    y: float  # baseline, from the top of the page down
    size: float
    text: str
    right: float = 0.0  # where the line's last character ends
    element: int | None = None
    tag: str = ""
    column: int = 0  # 0: the page's full width; 1, 2: the left and right column of a page set in two


class Chunk(NamedTuple):
    """Characters drawn one after another on one baseline, touching, in one marked-content sequence."""
    x: float
    y: float  # baseline, from the top of the page down
    size: float  # font size in page units
    text: str
    end: float  # where its last character ends
    element: int | None = None  # the block structure element (tagged PDFs)


class Structure:
    """A tagged PDF's block elements: each marked-content id of a page to the block element it belongs to.

    An element is known by its path in the structure tree (the index of each element on the way down), which
    is the same on every page: PDFium's tree for a page holds every element, those with no content on the
    page as empty places. So a paragraph that goes on over a page break is one element on both pages, and
    paths compare in the tree's order, the logical reading order (:attr:`order`)."""

    def __init__(self) -> None:
        self.ids: dict[tuple[int, ...], int] = {}
        self.types: list[str] = []  # by element id
        self.order: list[tuple[int, ...]] = []  # by element id: its path

    def _id(self, path: tuple[int, ...], kind: str) -> int:
        known = self.ids.get(path)
        if known is None:
            known = self.ids[path] = len(self.types)
            self.types.append(kind)
            self.order.append(path)
        return known

    def page(self, raw_page) -> dict[int, int]:
        import pypdfium2.raw as pdfium_c

        tree = pdfium_c.FPDF_StructTree_GetForPage(raw_page)
        if not tree:
            return {}
        claims: dict[int, list[int]] = {}  # marked-content id -> the block elements that list it
        buf = ctypes.create_string_buffer(128)

        def kind(el) -> str:
            n = pdfium_c.FPDF_StructElement_GetType(el, buf, len(buf))
            return buf.raw[:max(n - 2, 0)].decode("utf-16-le", "replace") if n > 0 else ""

        def walk(el, path: tuple[int, ...], block: int | None) -> None:
            if len(path) > 64:  # a structure tree deeper than any document's (a loop): the rest is left untagged
                return
            t = kind(el)
            if t in _BLOCKS and (block is None or t in ("LI", "TR")):  # a P in a list item is that item's
                block = self._id(path, t)
            if block is not None:
                for k in range(max(pdfium_c.FPDF_StructElement_GetMarkedContentIdCount(el), 0)):
                    mcid = pdfium_c.FPDF_StructElement_GetMarkedContentIdAtIndex(el, k)
                    if mcid >= 0:
                        claims.setdefault(mcid, []).append(block)
            for k in range(max(pdfium_c.FPDF_StructElement_CountChildren(el), 0)):
                child = pdfium_c.FPDF_StructElement_GetChildAtIndex(el, k)
                if child:  # None: an element with nothing on this page
                    walk(child, (*path, k), block)

        try:
            for k in range(max(pdfium_c.FPDF_StructTree_CountChildren(tree), 0)):
                child = pdfium_c.FPDF_StructTree_GetChildAtIndex(tree, k)
                if child:
                    walk(child, (k,), None)
        finally:
            pdfium_c.FPDF_StructTree_Close(tree)
        return _settle(claims)


def _settle(claims: dict[int, list[int]]) -> dict[int, int]:
    """Each marked-content id of a page to its block element. An element that goes on over pages lists the ids
    of its content on every page, and ids are numbered per page, so two elements of a page's tree can list
    one id. An element is in a page's tree only when it has content there: of two claimants, the one with no
    other id of its own on the page takes it (repeatedly, as ids are settled); a claim still open goes to
    the element that lists fewer ids (the one confined to this page)."""
    found = {m: b[0] for m, b in claims.items() if len(set(b)) == 1}
    open_ = {m: set(b) for m, b in claims.items() if len(set(b)) > 1}
    size = Counter(b for blocks in claims.values() for b in set(blocks))
    while open_:
        have = set(found.values())
        settled = {m: needy[0] for m, bs in open_.items() if len(needy := [b for b in bs if b not in have]) == 1}
        if not settled:
            break
        for m, b in settled.items():
            found[m] = b
            del open_[m]
    for m, bs in open_.items():
        found[m] = min(bs, key=lambda b: (size[b], -b))
    return found


def _artifact(obj) -> bool:
    """Whether a page object is marked as an artifact (page furniture, in a tagged PDF's own words)."""
    import pypdfium2.raw as pdfium_c

    buf = (ctypes.c_ushort * 32)()
    size = ctypes.c_ulong()
    for k in range(max(pdfium_c.FPDFPageObj_CountMarks(obj), 0)):
        mark = pdfium_c.FPDFPageObj_GetMark(obj, k)
        if mark and pdfium_c.FPDFPageObjMark_GetName(mark, buf, ctypes.sizeof(buf), ctypes.byref(size)):
            if "".join(map(chr, buf[:max(size.value // 2 - 1, 0)])) == "Artifact":
                return True
    return False


def page_chunks(page, structure: Structure | None = None) -> list[Chunk]:
    """The text chunks of a pypdfium2 page, in the order the page draws them."""
    import pypdfium2.raw as pdfium_c

    height = page.get_height()
    elements = structure.page(page.raw) if structure is not None else {}
    textpage = page.get_textpage()
    try:
        n = pdfium_c.FPDFText_CountChars(textpage.raw)
        box = pdfium_c.FS_RECTF()
        ox, oy = ctypes.c_double(), ctypes.c_double()
        matrix = pdfium_c.FS_MATRIX()
        objects: dict[int, tuple[float, int, int | None, bool]] = {}  # object -> scale, mcid, element, artifact
        out: list[Chunk] = []
        cur: list = []  # x, y, size, text, end, element, marked-content id of the chunk being read

        def close() -> None:
            if cur and cur[3].strip():
                out.append(Chunk(cur[0], cur[1], cur[2], cur[3], cur[4], cur[5]))
            cur.clear()

        for i in range(n):
            if pdfium_c.FPDFText_IsGenerated(textpage.raw, i) == 1:
                close()  # a space or line break PDFium inferred from the layout: the gap speaks for itself
                continue
            code = pdfium_c.FPDFText_GetUnicode(textpage.raw, i)
            if code == 2:  # PDFium's mark for a hyphen that ends a line: the hyphen the page shows
                code = ord("-")
            if code in (0, 0xFFFE, 0xFFFF) or code in (10, 13):
                continue
            obj = pdfium_c.FPDFText_GetTextObject(textpage.raw, i)
            key = ctypes.cast(obj, ctypes.c_void_p).value or 0
            info = objects.get(key)
            if info is None:
                scale, mcid, element, artifact = 1.0, -1, None, False
                if obj:
                    if pdfium_c.FPDFPageObj_GetMatrix(obj, matrix):
                        scale = math.sqrt(abs(matrix.a * matrix.d - matrix.b * matrix.c)) or 1.0
                    mcid = pdfium_c.FPDFPageObj_GetMarkedContentID(obj)
                    element = elements.get(mcid) if mcid >= 0 else None
                    artifact = _artifact(obj)
                info = objects[key] = (scale, mcid, element, artifact)
            if info[3]:
                continue
            pdfium_c.FPDFText_GetLooseCharBox(textpage.raw, i, box)  # the advance, not the ink: gaps are spaces
            pdfium_c.FPDFText_GetCharOrigin(textpage.raw, i, ox, oy)
            size = pdfium_c.FPDFText_GetFontSize(textpage.raw, i) * info[0]
            ch = chr(code)
            x, y = ox.value, height - oy.value
            x0 = min(box.left, x) if not ch.isspace() else x
            x1 = max(box.right, x0)
            if cur and (info[1] != cur[6] or abs(size - cur[2]) > 0.05 * size or abs(y - cur[1]) > size / 3
                        or x0 > cur[4] + 0.15 * size or x0 < cur[4] - size):
                close()
            if not cur:
                cur.extend([x0, y, size, "", x1, info[2], info[1]])
            cur[3] += ch
            cur[4] = max(cur[4], x1)
        close()
        return out
    finally:
        textpage.close()


# glyphs PDF fonts map to compatibility characters: Latin ligatures (ﬁ ﬀ: fi ff), Kangxi radicals (⼀ for 一)
_LIGATURES = {c: unicodedata.normalize("NFKC", chr(c)) for c in [*range(0xFB00, 0xFB07), *range(0x2F00, 0x2FD6)]}
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _join(row: list[Chunk]) -> str:
    """A line's chunks (in reading order) as text: a space where they are apart, none where they touch or
    next to a CJK character; cells set well apart (a table row) keep a space whatever their script; a small
    raised number (a footnote marker) in superscript digits."""
    size = max(c.size for c in row)
    base = max(c.y for c in row if c.size >= 0.9 * size)
    cells, text, end = [], "", None
    for c in row:
        t = c.text.replace("\n", " ")
        if c.size < 0.9 * size and base - c.y > 0.15 * size and regex.fullmatch(r"\s*\d{1,3}\s*", t):
            t = t.strip().translate(_SUPERSCRIPT)
        elif end is not None and c.x > end + size and text.strip():
            cells.append(text)  # a wide gap: another cell
            text = ""
            t = t.lstrip()
        elif (end is not None and (c.x > end + 0.15 * c.size or c.x < end - 2 * size) and not text.endswith(" ")
              and not t.startswith(" ")):
            text += " "  # apart on the page (or a jump back): a space; tidy() takes those CJK text has none of
        text += t
        end = c.end
    return _SPACE_IN_CJK.sub("", " ".join(c for c in (tidy(x) for x in [*cells, text]) if c))


def tidy(text: str) -> str:
    """One line's text: ligatures folded, white space runs made one, none between CJK characters or before
    punctuation, nor between CJK text and Latin letters, digits, quotes, hyphens or a middle dot, nor after
    punctuation that follows a CJK character ("承认, 乃是" is "承认,乃是")."""
    text = " ".join(text.translate(_LIGATURES).split())
    text = _SPACE_IN_CJK.sub("", text)
    text = _SPACE_BEFORE_PUNCT.sub("", text)
    text = _SPACE_BY_QUOTE.sub("", text)
    text = _SPACE_CJK_ASCII.sub("", text)
    return _SPACE_AFTER_CJK_PUNCT.sub("", text)


def _crossed(row: list[Chunk], table_rows: set[int]) -> list[tuple[float, float, bool]]:
    """The x-ranges (from, to, whether the ends are in) where a vertical line crosses a row of chunks: inside a
    chunk, or between the cells of one table row (a tagged PDF's TR element) from its first cell's end to its
    last cell's start."""
    spans = [(c.x, c.end, False) for c in row]
    for e in {c.element for c in row} & table_rows:
        first_end = min(c.end for c in row if c.element == e)
        last_start = max(c.x for c in row if c.element == e)
        if first_end <= last_start:
            spans.append((first_end, last_start, True))
    return spans


def _crosses(row: list[Chunk], x: float, table_rows: set[int]) -> bool:
    """Whether a row of chunks crosses the vertical line at ``x`` (:func:`_crossed`)."""
    return any(a <= x <= b if ends else a < x < b for a, b, ends in _crossed(row, table_rows))


def _gutter(rows: list[list[Chunk]], width: float, table_rows: set[int]) -> tuple[float, float] | None:
    """Where a page set in two columns is divided and where its right column starts, or None: the middle of the
    widest gap, at least 8 points wide, in the page's middle third that few rows cross (a title, a wide table: at most
    2 rows or 15%), with text left of it in 3 rows or more and right of it in a fifth of the rows, most of
    those starting at one x (a column's left edge, which a right-aligned block has not)."""
    if len(rows) < 4:
        return None
    step = 2.0
    lo, hi = int(width / 3 / step), int(2 * width / 3 / step)
    allowed = max(2, int(0.15 * len(rows)))

    crossing = [0] * (hi + 1)  # rows crossing the line at x = b * step, for each b of the middle third
    for row in rows:
        bins: set[int] = set()
        for a, z, ends in _crossed(row, table_rows):
            first = math.ceil(a / step) if ends else math.floor(a / step) + 1
            last = math.floor(z / step) if ends else math.ceil(z / step) - 1
            bins.update(range(max(first, lo), min(last, hi) + 1))
        for b in bins:
            crossing[b] += 1
    runs: list[tuple[int, int]] = []
    start = None
    for b in range(lo, hi + 2):
        if b <= hi and crossing[b] <= allowed:
            start = b if start is None else start
        elif start is not None:
            runs.append((start, b))
            start = None
    best, most = None, 0.0
    for r0, r1 in runs:
        if (r1 - r0) * step < 8.0:
            continue
        x = (r0 + r1) / 2 * step
        left = sum(any(c.end <= x for c in row) for row in rows)
        starts = Counter(round(min(c.x for c in row if c.x >= x)) for row in rows if any(c.x >= x for c in row))
        right = sum(starts.values())
        aligned = max(starts.values(), default=0)  # a column's lines start at one x; a right-aligned block's do not
        if left >= 3 and right >= max(3, len(rows) / 5) and aligned >= max(3, right / 2) and r1 - r0 > most:
            best, most = (x, starts.most_common(1)[0][0]), r1 - r0  # the widest: a gutter, not a river of spaces
    return best


def _fits(rows: list[list[Chunk]], found: tuple[float, float], table_rows: set[int]) -> bool:
    """Whether a page is set in the columns of the document's other pages (one with too few lines shows no
    gutter of its own, or a false one where justified lines' spaces line up): few rows cross their gutter,
    a line starts where their right column starts and one ends left of the gutter."""
    gutter, start = found
    return (sum(_crosses(row, gutter, table_rows) for row in rows) <= max(2, int(0.15 * len(rows)))
            and any(abs(c.x - start) <= 2 for row in rows for c in row if c.x >= gutter)
            and any(c.end <= gutter for row in rows for c in row))


def _columns(rows: list[list[Chunk]], found: tuple[float, float] | None, table_rows: set[int]
             ) -> list[tuple[int, list[list[Chunk]]]]:
    """The rows of a page in reading order as (column, rows) blocks: a page set in two columns (``found``:
    its gutter and where its right column starts, see :func:`_gutter`) is read left column first; rows that
    cross the gutter (a title) are column 0 and end the columns above them. Else the rows as one block,
    column 0."""
    if found is None:
        return [(0, rows)]
    gutter, start = found

    def crosses(row: list[Chunk]) -> bool:
        return _crosses(row, gutter, table_rows)

    # the columns run from the first row with a line of the right column to the last, and on down the left
    # column while it is longer, up to a row that spans the page (a title above them, a note below them)
    inside = [k for k, row in enumerate(rows) if any(abs(c.x - start) <= 2 for c in row if c.x >= gutter)]
    first, last = inside[0], inside[-1]
    size = sorted(max(c.size for c in rows[k]) for k in inside)[len(inside) // 2]
    while last + 1 < len(rows) and not crosses(rows[last + 1]) and max(c.size for c in rows[last + 1]) >= 0.9 * size:
        last += 1
    out: list[tuple[int, list[list[Chunk]]]] = []
    left: list[list[Chunk]] = []
    right: list[list[Chunk]] = []
    for k, row in enumerate(rows):
        a = [c for c in row if c.end <= gutter]
        b = [c for c in row if c.x >= gutter]
        if not first <= k <= last or crosses(row):
            if left or right:
                out += [(1, left), (2, right)]
                left, right = [], []
            out.append((0, [row]))
            continue
        if a:
            left.append(a)
        if b:
            right.append(b)
    out += [(1, left), (2, right)]
    return [block for block in out if block[1]]


def _by_element(row: list[Chunk]) -> list[list[Chunk]]:
    """A row of a tagged page split by block element (two columns' lines on one baseline are two lines);
    chunks of no element go with the nearest chunk that has one."""
    elements = {c.element for c in row} - {None}
    if len(elements) < 2:
        return [row]
    groups: dict[int, list[Chunk]] = {}
    for c in row:
        e = c.element
        if e is None:
            e = min((d for d in row if d.element is not None), key=lambda d: min(abs(d.x - c.end), abs(c.x - d.end))
                    ).element
        groups.setdefault(e, []).append(c)
    return sorted(groups.values(), key=lambda g: g[0].x)


def _rows(stream: list[Chunk]) -> list[list[Chunk]]:
    """A page's rows: its chunks on one baseline, top to bottom (a raised footnote marker alone on its row
    goes with the line below)."""
    rows: list[list[Chunk]] = []
    for c in sorted(stream, key=lambda c: c.y):
        if rows and abs(rows[-1][-1].y - c.y) <= max(rows[-1][-1].size, c.size) / 3:
            rows[-1].append(c)
        else:
            rows.append([c])
    merged: list[list[Chunk]] = []
    for k, row in enumerate(rows):  # a raised footnote marker alone on its "row": it belongs to the line below
        nxt = rows[k + 1] if k + 1 < len(rows) else None
        size = max(c.size for c in row)
        if nxt and all(regex.fullmatch(r"\s*\d{1,3}\s*", c.text) for c in row) and \
                size < 0.9 * max(c.size for c in nxt) and 0 < nxt[0].y - row[0].y < max(c.size for c in nxt):
            nxt.extend(row)
            continue
        merged.append(row)
    return merged


def lines_of(pages, structure: Structure | None = None) -> list[Line]:
    """Every text line of the pages (pypdfium2 pages), in reading order: top to bottom on each page, column
    by column; in a tagged PDF, the lines of block elements in the structure tree's order."""
    streams = [page_chunks(page, structure) for page in pages]
    read = [(stream, _rows(stream)) for stream in streams]
    table_rows = {k for k, t in enumerate(structure.types) if t == "TR"} if structure is not None else set()
    gutters = [_gutter(merged, page.get_width(), table_rows) for page, (_, merged) in zip(pages, read)]
    # the document's columns: a page too short to show them is set like its other pages
    common = Counter((round(g[0]), round(g[1])) for g in gutters if g).most_common(1)
    lines: list[Line] = []
    for number, (stream, merged) in enumerate(read):
        found = gutters[number]
        if common and _fits(merged, common[0][0], table_rows):  # a short page's white space can line up
            found = common[0][0]
        order = {id(c): k for k, c in enumerate(stream)}
        page_lines: list[Line] = []
        for column, block in _columns(merged, found, table_rows):
            for whole in block:
                for row in _by_element(whole):
                    # the order the page draws them in, which is the reading order (positions of chunks in one
                    # text operation can repeat the operation's start; sorting by them would shuffle characters)
                    row.sort(key=lambda c: order[id(c)])
                    size = max(c.size for c in row)
                    if any(b.x < a.x - size for a, b in zip(row, row[1:])):  # drawn out of order (a right-floated
                        row.sort(key=lambda c: c.x)  # page counter before the job number): left to right
                    text = _join(row)
                    if text:
                        base = max(c.y for c in row if c.size >= 0.9 * size)
                        body = [c for c in row if c.size >= 0.9 * size] or row
                        element = next((c.element for c in body if c.element is not None), None)
                        tag = structure.types[element] if structure is not None and element is not None else ""
                        page_lines.append(Line(number, body[0].x, base, size, text, max(c.end for c in row), element,
                                               tag, column))
        # a tagged page: its elements' lines in the structure tree's order, in the places its lines had
        # (text outside the tree, such as a symbol block or a footnote, stays where it is on the page)
        slots = [k for k, line in enumerate(page_lines) if line.element is not None]
        tagged = sorted((page_lines[k] for k in slots), key=lambda line: structure.order[line.element])  # stable
        for k, line in zip(slots, tagged):
            page_lines[k] = line
        lines += page_lines
    return lines


def drop_furniture(lines: list[Line], n_pages: int, page_height: float) -> tuple[list[Line], int]:
    """Lines without the running headers, footers and page numbers; and how many were dropped."""
    band = page_height * FURNITURE_BAND

    def edge(line: Line) -> bool:
        return line.y < band or line.y > page_height - band

    key = {id(line): (regex.sub(r"\d+", "#", line.text), round(line.y / 4)) for line in lines}  # text and place
    pages_with = Counter()
    for k in {(key[id(line)], line.page) for line in lines if edge(line)}:
        pages_with[k[0]] += 1
    repeated = {k for k, n in pages_with.items() if n_pages >= 3 and n >= max(2, n_pages / 2)}
    from .furniture import find_furniture

    fixed = find_furniture([line.text for line in lines])  # job numbers, page counters, "Please recycle"
    kept = [line for k, line in enumerate(lines)
            if not ((edge(line) and (key[id(line)] in repeated or _PAGE_NUMBER.match(line.text)))
                    or (k in fixed and edge(line)))]
    return kept, len(lines) - len(kept)


def paragraphs(lines: list[Line]) -> tuple[list[str], list[str]]:
    """The lines as paragraphs, with their kinds ("heading" for text set larger than the body, else
    "body")."""
    from .readers import _join_lines

    if not lines:
        return [], []
    sizes: Counter = Counter()
    for line in lines:  # the body's size: the one most of the text is set in
        sizes[round(line.size, 1)] += len(line.text)
    body = sizes.most_common(1)[0][0]
    gaps = [b.y - a.y for a, b in zip(lines, lines[1:])
            if a.page == b.page and round(a.size, 1) == round(b.size, 1) == body and b.y > a.y]
    # the line spacing: the small gaps (short paragraphs make most gaps paragraph gaps), at most 1.5 lines
    spacing = min(sorted(gaps)[len(gaps) // 5] if gaps else body * 1.2, body * 1.5)
    # each column's left margin, where most of its body lines start (lists and quotes are indented from it),
    # and the width of its full lines (column 0: the page's width, 1 and 2: a two-column page's columns)
    margin: dict[int, tuple[float, float]] = {}
    long_lines: list[float] = []  # how far body lines that reach 70% of their column's width go, as a share
    for col in {line.column for line in lines}:
        mine = [line for line in lines if line.column == col and round(line.size, 1) == body] or \
            [line for line in lines if line.column == col]
        at = Counter(round(line.x) for line in mine).most_common(1)[0][0]
        ends = sorted(line.right for line in mine)
        margin[col] = at, ends[int(0.9 * (len(ends) - 1))] - at
        long_lines += [share for line in mine if (share := (line.right - at) / max(margin[col][1], 1.0)) >= 0.7]
    # a line is full when it reaches 60% of its column's width (ragged right); in justified text, where the
    # long lines end at the margin (80% of them within 2%), when it reaches 97%
    justified = len(long_lines) >= 5 and sum(abs(x - 1.0) <= 0.02 for x in long_lines) >= 0.8 * len(long_lines)
    filled = 0.97 if justified else 0.6
    # footnotes: lines in smaller type below a page's last line of body text; they wait until the paragraph
    # the page break cuts has ended, so that they do not cut it (each one a paragraph of its own)
    last_body = {line.page: k for k, line in enumerate(lines) if line.size >= 0.95 * body}
    notes = {k for k, line in enumerate(lines) if k > last_body.get(line.page, len(lines))
             and line.size < 0.95 * body}
    groups: list[list[Line]] = []
    waiting: list[list[Line]] = []
    prev: Line | None = None
    for k, line in enumerate(lines):
        if k in notes:
            if not waiting or _NOTE_START.match(line.text) or line.page != waiting[-1][-1].page:
                waiting.append([line])
            else:
                waiting[-1].append(line)
            continue
        if prev is None:
            new = True
        elif line.element is not None and line.element == prev.element:
            new = False  # a tagged PDF: one block element is one paragraph, over lines, columns and pages
        elif line.element is not None and prev.element is not None:
            new = True
        elif line.page != prev.page or line.column != prev.column:
            # a paragraph goes on over a page or column break when both lines are body text, the last one is
            # not the end of a sentence and is full, and the new page's or column's first does not start indented
            (left, full), (start, _) = margin[prev.column], margin[line.column]
            indent = max(prev.x, left) if line.column == prev.column else start
            new = not (round(prev.size, 1) == round(line.size, 1) == body and line.x < indent + body / 2
                       and not _ENDS.search(prev.text) and prev.right - left >= filled * full)
        else:
            left, full = margin[line.column]
            new = (line.y - prev.y > spacing * 1.35 * max(1.0, line.size / body)  # larger type, wider lines
                   or abs(line.size - prev.size) > 0.15 * body
                   or (line.x > prev.x + body and abs(prev.x - left) < body / 2)  # an indented first line
                   or prev.right - left < filled * full  # the line above ended short: a paragraph's last line
                   or (abs(line.x - prev.x) > body and min(line.x, prev.x) > left + body))  # right-aligned lines
        if new:
            groups += waiting
            waiting = []
            groups.append([line])
        else:
            groups[-1].append(line)
        prev = line
    groups += waiting
    texts = []
    for g in groups:  # wrapped lines joined: no space between CJK characters, nor after a hyphen (2012-2013)
        text = g[0].text
        for line in g[1:]:
            text += line.text if regex.search(r"[\p{L}\p{N}]-$", text) else _join_lines([text[-1:], line.text])[1:]
        texts.append(text)
    kinds = ["heading" if g[0].tag in _HEADINGS or (not g[0].tag and g[0].size > body * 1.1) else "body"
             for g in groups]
    return texts, kinds
