"""PDFs read into the paragraphs a person sees: lines from the text layer's positions, paragraphs from the
gaps between them, headings from font size, page furniture from position and repetition.

pypdf (already the PDF dependency) gives every text chunk with its position and font size (its text visitor);
this module does the layout:

1. Lines: chunks on the same baseline (within a third of their font size), left to right. Chunks are joined
   without a space where the text is Chinese, and pypdf's spaces before punctuation are dropped: no space is
   ever put between two CJK characters or before CJK punctuation.
2. Page furniture: a line at the top or bottom of a page whose text (digits aside) recurs on at least half the
   pages (running headers, job numbers, "page 2 of 5"), or a bare page number there, is dropped.
3. Paragraphs: a new one starts where the gap to the line above is clearly wider than the body's line
   spacing, where the font size changes (headings), or where a line is indented after a full-width one.
   A line that ends well short of the full width ends its paragraph (table rows, headings, last lines).
4. A paragraph goes on over a page break when the lines on both sides are body text, the last one is full
   and does not end a sentence, and the next page's first line is not indented.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from dataclasses import dataclass

import regex

_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}\u3000-\u303f\uff00-\uffef"
_SPACE_IN_CJK = regex.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_SPACE_AFTER_CJK_PUNCT = regex.compile(rf"(?<=[{_CJK}][,.;:!?()])\s+(?=[{_CJK}])")
_SPACE_BY_QUOTE = regex.compile(rf"(?<=[{_CJK}])\s+(?=[\"'(\[*/~-])|(?<=[\"')\]/~-])\s+(?=[{_CJK}])")
_SPACE_CJK_ASCII = regex.compile(rf"(?<=[{_CJK}])\s+(?=[A-Za-z0-9])|(?<=[A-Za-z0-9%])\s+(?=[{_CJK}])")
_SPACE_BEFORE_PUNCT = regex.compile(r"\s+(?=[,.;:!?%)\]}，。、；：！？）」』】》])")
_PAGE_NUMBER = regex.compile(r"(?i)^[-–—\s]*(?:page\s*)?\d{1,4}(?:\s*(?:/|of|\s)\s*\d{1,4})?[-–—\s]*$|^第\s*\d+\s*页")
_ENDS = regex.compile(r"[.。!?！？:：;；]['\"’”)）]*$")
FURNITURE_BAND = 0.12  # the top and bottom share of a page where running headers and footers sit


@dataclass
class Line:
    """A line of a PDF page as laid out: where it starts and ends, its baseline, font size and text."""
    page: int
    x: float
    y: float  # baseline, from the top of the page down
    size: float
    text: str
    right: float = 0.0  # where the line ends (an estimate from its characters and size)


def _chunks(page) -> list[tuple[float, float, float, str]]:
    """(x, y from the top, font size, text) of each text chunk of a page."""
    out: list[tuple[float, float, float, str]] = []
    height = float(page.mediabox.height)

    def visit(text, cm, tm, font, size) -> None:
        if not text or not text.strip():
            return
        a, b, c, d = (tm[0] * cm[0] + tm[1] * cm[2], tm[0] * cm[1] + tm[1] * cm[3],
                      tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3])
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = math.sqrt(abs(a * d - b * c)) or 1.0
        out.append((x, height - y, size * scale, text))

    page.extract_text(visitor_text=visit)
    return out


def _width(text: str, size: float) -> float:
    """About how wide ``text`` is set at ``size`` (CJK characters square, Latin ones half as wide): enough to
    tell a full line from a short one, and touching chunks from separate ones."""
    cjk = len(regex.findall(rf"[{_CJK}]", text))
    return (cjk + 0.5 * (len(text) - cjk)) * size


# glyphs PDF fonts map to compatibility characters: Latin ligatures (ﬁ ﬀ: fi ff), Kangxi radicals (⼀ for 一)
def _measured(text: str) -> bool:
    """Whether :func:`_width` of ``text`` is close enough to tell a gap of one em: CJK text, or a few
    characters of Latin."""
    text = text.strip()
    return bool(text) and (len(text) <= 12 or not regex.search(r"[A-Za-z]", text))


_LIGATURES = {c: unicodedata.normalize("NFKC", chr(c)) for c in [*range(0xFB00, 0xFB07), *range(0x2F00, 0x2FD6)]}
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _join(row: list[tuple[float, float, float, str]]) -> str:
    """A line's chunks (in reading order) as text: a space where they are apart, none where they touch or
    next to a CJK character; cells set well apart (a table row) keep a space whatever their script; a small
    raised number (a footnote marker) in superscript digits."""
    size = max(c[2] for c in row)
    base = max(c[1] for c in row if c[2] >= 0.9 * size)
    cells, text, end, last = [], "", None, ""
    for x, y, sz, t in row:
        t = t.replace("\n", " ")
        if sz < 0.9 * size and base - y > 0.15 * size and regex.fullmatch(r"\s*\d{1,3}\s*", t):
            t = t.strip().translate(_SUPERSCRIPT)
        elif end is not None and x > end + size and text.strip() and _measured(last):
            cells.append(text)  # a wide gap: another cell
            text = ""
            t = t.lstrip()
        elif (end is not None and (x > end + 0.15 * size or x < end - 2 * size) and not text.endswith(" ")
              and not t.startswith(" ") and not regex.search(rf"[{_CJK}]$", text)
              and not regex.match(rf"\s*[{_CJK}]", t)):
            text += " "  # apart on the page (or a jump back): a space, but never next to a CJK character
        text += t
        end, last = x + _width(t, sz), t
    return " ".join(c for c in (tidy(x) for x in [*cells, text]) if c)


def tidy(text: str) -> str:
    """One line's text: white space runs made one, none between CJK characters or before punctuation, nor
    after punctuation that follows a CJK character ("承认, 乃是" is "承认,乃是")."""
    text = " ".join(text.translate(_LIGATURES).split())
    text = _SPACE_IN_CJK.sub("", text)
    text = _SPACE_BEFORE_PUNCT.sub("", text)
    text = _SPACE_BY_QUOTE.sub("", text)
    text = _SPACE_CJK_ASCII.sub("", text)
    return _SPACE_AFTER_CJK_PUNCT.sub("", text)


def lines_of(pages) -> list[Line]:
    """Every text line of the pages, in reading order (top to bottom on each page)."""
    lines: list[Line] = []
    for number, page in enumerate(pages):
        rows: list[list[tuple[float, float, float, str]]] = []
        stream = _chunks(page)
        for c in sorted(stream, key=lambda c: c[1]):
            if rows and abs(rows[-1][-1][1] - c[1]) <= max(rows[-1][-1][2], c[2]) / 3:
                rows[-1].append(c)
            else:
                rows.append([c])
        merged: list[list[tuple[float, float, float, str]]] = []
        for k, row in enumerate(rows):  # a raised footnote marker alone on its "row": it belongs to the line below
            nxt = rows[k + 1] if k + 1 < len(rows) else None
            size = max(c[2] for c in row)
            if nxt and all(regex.fullmatch(r"\s*\d{1,3}\s*", c[3]) for c in row) and \
                    size < 0.9 * max(c[2] for c in nxt) and 0 < nxt[0][1] - row[0][1] < max(c[2] for c in nxt):
                nxt.extend(row)
                continue
            merged.append(row)
        order = {id(c): k for k, c in enumerate(stream)}
        for row in merged:
            # the order the page draws them in, which is the reading order (positions of chunks in one
            # text operation can repeat the operation's start; sorting by them would shuffle characters)
            row.sort(key=lambda c: order[id(c)])
            size = max(c[2] for c in row)
            if any(b[0] < a[0] - size for a, b in zip(row, row[1:])):  # drawn out of order (a right-floated
                row.sort(key=lambda c: c[0])  # page counter before the job number): left to right
            text = _join(row)
            if text:
                size = max(c[2] for c in row)
                base = max(c[1] for c in row if c[2] >= 0.9 * size)
                body = [c for c in row if c[2] >= 0.9 * size] or row
                right = max(c[0] + _width(c[3], c[2]) for c in row)
                lines.append(Line(number, body[0][0], base, size, text, right))
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
    # the body's left margin: where most of its lines start (lists and quotes are indented from it)
    left = Counter(round(line.x) for line in lines if round(line.size, 1) == body).most_common(1)[0][0]
    ends = sorted(line.right for line in lines if round(line.size, 1) == body)
    full = ends[int(0.9 * (len(ends) - 1))] - left  # the width of a full line of body text
    groups: list[list[Line]] = []
    prev: Line | None = None
    for line in lines:
        if prev is None:
            new = True
        elif line.page != prev.page:  # a paragraph goes on over the page break when both lines are body text,
            # the last one is not the end of a sentence and is full, and the new page's does not start indented
            new = not (round(prev.size, 1) == round(line.size, 1) == body and line.x < max(prev.x, left) + body / 2
                       and not _ENDS.search(prev.text) and prev.right - left >= 0.6 * full)
        else:
            new = (line.y - prev.y > spacing * 1.35 * max(1.0, line.size / body)  # larger type, wider lines
                   or abs(line.size - prev.size) > 0.15 * body
                   or (line.x > prev.x + body and abs(prev.x - left) < body / 2)  # an indented first line
                   or prev.right - left < 0.6 * full  # the line above ended short: a paragraph's last line
                   or (abs(line.x - prev.x) > body and min(line.x, prev.x) > left + body))  # right-aligned lines
        if new:
            groups.append([line])
        else:
            groups[-1].append(line)
        prev = line
    texts = []
    for g in groups:  # wrapped lines joined: no space between CJK characters, nor after a word's hyphen
        text = g[0].text
        for line in g[1:]:
            text += line.text if regex.search(r"\p{L}-$", text) else _join_lines([text[-1:], line.text])[1:]
        texts.append(text)
    kinds = ["heading" if g[0].size > body * 1.1 else "body" for g in groups]
    return texts, kinds
