"""Which PDF library reads the test corpus best: the text each candidate extracts, against the paragraphs the
PDFs were printed from.

    python scripts/bench_pdf_libraries.py OUT_DIR [--docs 19]

The corpus is scripts/pdf_corpus.py's (82 PDFs printed by chromium: the UDHR in three scripts, unpc-dev
documents in the UN layout in both languages, some in two columns; each tagged, as chromium writes it, and an
untagged copy), built into OUT_DIR when it is not there. Candidates: pypdf (``extract_text``), pdfminer.six
(``extract_text``), pypdfium2 (``get_text_range``) and poppler's ``pdftotext`` (Debian ``poppler-utils``), each
with its defaults, and tmbuild's reader (pypdfium2's characters, boxes and tags laid out into paragraphs,
corpus/pdf.py). One that is not installed
is left out with a note (``pip install pdfminer.six pypdfium2``, ``apt-get install poppler-utils``).

Measured over the whole corpus, per candidate:

* paragraphs in order: source paragraphs found whole in the text, in their order, comparing without white
  space (Chinese) or with white space runs made one space (English): are the characters right and in
  reading order, whatever the line breaks;
* spaces inside Chinese: a space or tab between two Han characters, before Chinese punctuation or after an
  opening mark, on one line (``承认 , 乃是``: inserted by the library);
* furniture lines: lines that are a job number ("15-20001 (C)") or a page counter ("2/5");
* seconds for the corpus (one process, one thread).
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import regex

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pdf_corpus import build  # noqa: E402


def with_pypdf(pdf: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(pdf).pages)


def with_pdfminer(pdf: Path) -> str:
    from pdfminer.high_level import extract_text

    return extract_text(str(pdf))


def with_pdfium(pdf: Path) -> str:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()


def with_pdftotext(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True,
                          text=True, timeout=120).stdout


def with_tmbuild(pdf: Path) -> str:
    from corpus.readers import read_document

    return "\n\n".join(p.text for p in read_document(pdf).paragraphs)


CANDIDATES = {
    "pypdf 'extract_text'": (with_pypdf, "pypdf"),
    "pdfminer.six 'extract_text'": (with_pdfminer, "pdfminer"),
    "pypdfium2 'get_text_range'": (with_pdfium, "pypdfium2"),
    "poppler 'pdftotext'": (with_pdftotext, None),
    "tmbuild (pypdfium2 characters and tags, corpus/pdf.py)": (with_tmbuild, "pypdfium2"),
}


def available(name: str, module: str | None) -> bool:
    import importlib.util

    if module is None:
        return shutil.which("pdftotext") is not None
    return importlib.util.find_spec(module) is not None


# a space or tab between two Han characters, before Chinese punctuation or after an opening mark, on one line
_CJK_SPACE = regex.compile(r"\p{Han}[ \t\u3000]+(?=[\p{Han}，。、；：！？）》」』”])"
                           r"|[（《「『“][ \t\u3000]+(?=\p{Han})")


def _key(text: str, lang: str) -> str:
    return regex.sub(r"\s+", "", text) if lang == "zh" else " ".join(text.split())


def in_order(text: str, paragraphs: list[str], lang: str, numbers: bool) -> int:
    """How many of ``paragraphs`` occur whole in ``text``, each after the one found before it."""
    hay, at, found = _key(text, lang), 0, 0
    for p in paragraphs:
        if numbers:
            p = regex.sub(r"^\d+\.\s+", "", p)
        k = hay.find(_key(p, lang), at)
        if k >= 0:
            found += 1
            at = k + len(_key(p, lang))
    return found


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--docs", type=int, default=19)
    a = ap.parse_args()
    index_file = a.out / "corpus.json"
    index = json.loads(index_file.read_text(encoding="utf-8")) if index_file.is_file() else build(a.out, a.docs)
    print(f"command: python scripts/bench_pdf_libraries.py OUT_DIR --docs {a.docs}")
    print(f"machine: {platform.machine()}, python {platform.python_version()}; {len(index)} PDFs")
    print()
    print("| library | paragraphs in order | spaces inside Chinese | furniture lines | seconds |")
    print("|---|---|---|---|---|")
    total = sum(len(item["paragraphs"]) for item in index)
    for name, (extract, module) in CANDIDATES.items():
        if not available(name, module):
            print(f"| {name} | not installed | | | |")
            continue
        found = spaces = furniture = 0
        t = time.perf_counter()
        texts = [extract(a.out / item["pdf"]) for item in index]
        secs = time.perf_counter() - t
        for item, text in zip(index, texts):
            found += in_order(text, item["paragraphs"], item["lang"], item["list_numbers"])
            spaces += len(_CJK_SPACE.findall(text))
            jobs = item["furniture"][1:] if item["furniture"] else []
            furniture += sum(1 for line in text.splitlines()
                             if any(j in line for j in jobs) or regex.fullmatch(r"\s*\d{1,3}\s*/\s*\d{1,3}\s*", line))
        print(f"| {name} | {found}/{total} ({found / total:.1%}) | {spaces} | {furniture} | {secs:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
