"""Page furniture of UN documents extracted from PDFs: what is printed on every page and is not text.

UN documents carry, in both languages, a job number and barcode on the first
page (``15-00123 (C)``, ``GE.21-12345(E)``, ``*1500123*``), a page counter
(``2/8``), the document symbol as a running header on every page after the
first, sometimes a running title, and "Please recycle" / "请回收". Text
extracted from the PDF interleaves these lines with the body, often in the
middle of a paragraph a page break cut. :func:`find_furniture` says which
lines they are; the text reader drops them, counts them, and treats their
place as a page break where a cut paragraph is rejoined.
"""

from __future__ import annotations

from collections import Counter

import regex

# one line, nothing else on it
_JOB = regex.compile(r"^(?:GE\.)?\d{2}-\d{4,6}\s*\(\s*[A-Z]\s*\)(?:\s+\d{6}){0,2}$")
_BARCODE = regex.compile(r"^\*\d{7,8}\*$")
_PAGE = regex.compile(r"^(?:(?:Page|页次|第)\s*)?(\d{1,3})\s*/\s*(\d{1,3})(?:\s*页)?$")
_PAGE_AND_JOB = regex.compile(r"^(?:\d{1,3}\s*/\s*\d{1,3}\s+(?:GE\.)?\d{2}-\d{4,6}(?:\s*\(\s*[A-Z]\s*\))?"
                              r"|(?:GE\.)?\d{2}-\d{4,6}(?:\s*\(\s*[A-Z]\s*\))?\s+\d{1,3}\s*/\s*\d{1,3})$")
_RECYCLE = regex.compile(r"^(?:Please recycle|请回收|請回收)\s*\W?$", regex.IGNORECASE)
_SYMBOL = regex.compile(r"^(?:[A-Z]{1,5}/)+(?:[A-Z0-9.\-]+/)*[A-Z0-9.\-]*\d[A-Z0-9.\-]*(?:\s*\(\d{4}\))?$")
_LABELLED = regex.compile(r"^(?:\d{1,3}\.\s|[（(][a-z0-9ivx一二三四五六七八九十]{1,6}[）)])")
RUNNING_MAX = 80  # a running header or footer is one short line


def _is_fixed(line: str) -> bool:
    m = _PAGE.match(line)
    if m:
        return 0 < int(m.group(1)) <= int(m.group(2))
    return bool(_JOB.match(line) or _BARCODE.match(line) or _PAGE_AND_JOB.match(line) or _RECYCLE.match(line))


def _norm(line: str) -> str:
    return regex.sub(r"\s+", " ", line).strip()


def find_furniture(lines: list[str]) -> set[int]:
    """Indices of the lines (stripped, one per input line) that are page furniture.

    Always: job numbers, barcodes, page counters ("2/8", with a job number or alone), "Please recycle".
    Running headers: a document symbol repeated on later pages (its first occurrence stays: it is the
    document's own header), and any other short line repeated at least three times next to a page
    counter or job number.
    """
    out = {i for i, line in enumerate(lines) if line and _is_fixed(line)}
    counts = Counter(_norm(line) for line in lines if line and len(line) <= RUNNING_MAX)
    seen: set[str] = set()
    content = [i for i, line in enumerate(lines) if line]
    near_fixed: set[int] = set()
    for pos, i in enumerate(content):  # lines within two content lines of a fixed piece of furniture
        if i in out:
            near_fixed.update(content[max(0, pos - 2):pos + 3])
    for i, line in enumerate(lines):
        key = _norm(line)
        if not key or i in out or counts[key] < 2 or _LABELLED.match(key):
            continue
        if _SYMBOL.match(key):
            if key in seen:
                out.add(i)
            seen.add(key)
        elif counts[key] >= 3 and i in near_fixed:
            out.add(i)
    return out
