"""A PDF test corpus whose paragraphs are known, printed by Debian's chromium, and how well tmbuild reads it.

    python scripts/pdf_corpus.py OUT_DIR [--docs 19] [--units]   # build the corpus (82 PDFs), measure it

The corpus: the UDHR in Simplified, Traditional and English (samples/udhr, printed as they are), and
``--docs`` documents, each four documents of ../shared/data/unpc-dev one after the other, in both languages,
typeset in the UN layout: a symbol and date block on the first page, a running header (the symbol) and a
footer (job number and "2/5") on every page, numbered paragraphs in justified text (each of the document's
sentences is one), a two-line heading, a footnote at the foot of the first page, a vote table, and paragraphs
that chromium breaks over pages; every fourth document in two columns. Each PDF is written twice: tagged, as
chromium prints it, and a copy without its tags.

Measured for each PDF (:func:`measure`): the share of the source's paragraphs read identically (white space
runs made one; the UDHR's list numbers, which the browser adds, left aside), the lines of page furniture left
in the text (job numbers, page counters, the running header after the first page's symbol block), and
spaces between two CJK characters. ``corpus.json`` in OUT_DIR lists every PDF with its
source paragraphs (what the tests read).
"""

from __future__ import annotations

import argparse
import html
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UNPC = ROOT.parent / "shared" / "data" / "unpc-dev"
CHROMIUM = "/usr/bin/chromium"
BUDGET = {"en": 2300, "zh": 800}  # characters of body text a page holds, with room to spare

# the page furniture in @page margin boxes (chromium prints them on every page): the running header (the symbol,
# from page 2), the job number and the page counter; the first page is a box of its own (symbol block,
# heading, the first paragraphs, the footnote at its foot), the rest flows over pages as chromium breaks them
STYLE = """
@page { size: A4; margin: 30mm 22mm 32mm;
        @top-left { content: "SYMBOL"; font: 9pt "DejaVu Serif", serif; vertical-align: bottom;
                    padding-bottom: 2mm; }
        @bottom-left { content: "JOB"; font: 8pt "DejaVu Serif", serif; vertical-align: top; padding-top: 12mm; }
        @bottom-right { content: counter(page) "/" counter(pages); font: 8pt "DejaVu Serif", serif;
                        vertical-align: top; padding-top: 12mm; } }
@page :first { @top-left { content: none; } }
body { margin: 0; font: 11pt/1.4 "DejaVu Serif", serif; }
.first { position: relative; height: 234mm; overflow: hidden; page-break-after: always; }
.notes { position: absolute; bottom: 0; left: 0; right: 0; font-size: 8.5pt; border-top: .5pt solid #000; }
.block { text-align: right; font-size: 10pt; margin-bottom: 10mm; }
h1 { font-size: 14pt; margin: 0 0 6pt; }
p { margin: 0 0 8pt; text-align: justify; }
table { border-collapse: collapse; margin: 6pt 0 10pt; font-size: 10pt; }
td { border: .5pt solid #000; padding: 2pt 6pt; }
.cols { column-count: 2; column-gap: 9mm; }
.first .cols { height: 150mm; column-fill: auto; }
"""
FIRST_PAGE = 0.6  # of BUDGET: the first page holds the symbol block, heading, table and footnote besides
COLUMN_BUDGET = 0.6  # the first page's two columns hold less (the symbol block and heading span the page)
WORDS = {
    "en": {"distr": "Distr.: General", "heading": "Resolution adopted by the General Assembly on the report of "
           "the Third Committee", "table": [("In favour", "120"), ("Against", "3"), ("Abstaining", "45")],
           "note": "Official Records of the General Assembly, Seventieth Session, Supplement No. 53."},
    "zh": {"distr": "Distr.: General", "heading": "大会根据第三委员会的报告通过的决议",
           "table": [("赞成", "120"), ("反对", "3"), ("弃权", "45")],
           "note": "《大会正式记录，第七十届会议，补编第53号》。"},
}


def print_pdf(page: Path, pdf: Path) -> None:
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", page.as_uri()], check=True, capture_output=True, timeout=120)


def un_layout(paragraphs: list[str], lang: str, symbol: str, job: str, columns: bool = False
              ) -> tuple[str, list[str]]:
    """An HTML file in the UN layout for A4 pages, the body in two columns with ``columns``; and the
    paragraphs a reader should find (the heading, the numbered paragraphs and the table's rows; not the
    symbol block, the furniture or the footnote)."""
    w = WORDS[lang]
    numbered = [f"{k}. {p}" for k, p in enumerate(paragraphs, 1)]
    known = [w["heading"], *numbered[:1], *[f"{a} {b}" for a, b in w["table"]], *numbered[1:]]  # rows as seen
    first = [f"<p>{html.escape(numbered[0])}<sup>1</sup></p>",
             "<table>" + "".join(f"<tr><td>{a}</td><td>{b}</td></tr>" for a, b in w["table"]) + "</table>"]
    room = int(BUDGET[lang] * FIRST_PAGE * (COLUMN_BUDGET if columns else 1.0)) - len(numbered[0])
    k = 1
    while k < len(numbered) and len(numbered[k]) + 40 <= room:  # what the first page holds, with room to spare
        room -= len(numbered[k]) + 40
        first.append(f"<p>{html.escape(numbered[k])}</p>")
        k += 1
    rest = "".join(f"<p>{html.escape(t)}</p>" for t in numbered[k:])
    if columns:
        first = [f'<div class="cols">{"".join(first)}</div>']
        rest = f'<div class="cols">{rest}</div>' if rest else ""
    top = f'<div class="block">{html.escape(symbol)}<br>{w["distr"]}<br>21 December 2015</div>' \
          f'<h1>{html.escape(w["heading"])}</h1>'
    notes = f'<div class="notes"><sup>1</sup> {html.escape(w["note"])}</div>'
    style = STYLE.replace("SYMBOL", symbol.replace('"', "")).replace("JOB", job.replace('"', ""))
    page = (f'<!doctype html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f'<style>{style}</style></head><body><div class="first">{top}{"".join(first)}{notes}</div>{rest}'
            "</body></html>")
    return page, known


def unpc_documents(n: int, join: int = 4) -> list[tuple[str, list[str], list[str]]]:
    """(document id, Chinese sentences, English sentences) of ``n`` test documents, each ``join`` unpc-dev
    documents of at least three sentences one after the other (unpc-dev documents are 3-10 sentences; four
    make a document of three pages or so, whose paragraphs chromium breaks over pages)."""
    ids = [line.split()[0] for line in (UNPC / "unpc.ids").read_text(encoding="utf-8").splitlines()]
    zh = (UNPC / "unpc.zh").read_text(encoding="utf-8").splitlines()
    en = (UNPC / "unpc.en").read_text(encoding="utf-8").splitlines()
    docs: dict[str, tuple[list[str], list[str]]] = {}
    for i, z, e in zip(ids, zh, en):
        docs.setdefault(i, ([], []))
        docs[i][0].append(z)
        docs[i][1].append(e)
    whole = [(i, z, e) for i, (z, e) in docs.items() if len(z) >= 3]
    out = []
    for k in range(0, min(n * join, len(whole) - join + 1), join):
        part = whole[k:k + join]
        out.append((part[0][0], [s for _, z, _ in part for s in z], [s for _, _, e in part for s in e]))
    return out


def untagged(pdf: Path, copy: Path) -> None:
    """A copy of ``pdf`` without its tags (structure tree and /MarkInfo): what most PDF producers write."""
    from pypdf import PdfWriter

    w = PdfWriter(clone_from=str(pdf))
    for key in ("/StructTreeRoot", "/MarkInfo"):
        w._root_object.pop(key, None)
    with open(copy, "wb") as f:
        w.write(f)


def build(out: Path, n_docs: int) -> list[dict]:
    """Write the corpus into ``out``; its index (also ``out/corpus.json``). Every fourth unpc document is set
    in two columns; every PDF (chromium writes them tagged) has an untagged copy beside it."""
    from corpus.readers import read_html

    out.mkdir(parents=True, exist_ok=True)
    index = []
    for name in ("cmn_hans", "cmn_hant", "eng"):
        src = ROOT / "samples" / "udhr" / f"{name}.html"
        pdf = out / f"udhr_{name}.pdf"
        print_pdf(src, pdf)
        index.append({"pdf": pdf.name, "lang": "en" if name == "eng" else "zh", "list_numbers": True,
                      "paragraphs": [p.text for p in read_html(src).paragraphs], "furniture": []})
    for k, (doc_id, zh, en) in enumerate(unpc_documents(n_docs)):
        symbol = "A/RES/" + doc_id.split("/", 1)[1].upper().replace("_", ".")[:30]
        job = f"15-{20000 + k:05d}"
        for lang, sents in (("zh", zh), ("en", en)):
            page, known = un_layout(sents, lang, symbol, f"{job} ({'C' if lang == 'zh' else 'E'})",
                                    columns=k % 4 == 3)
            name = f"un{k:02d}_{lang}"
            (out / f"{name}.html").write_text(page, encoding="utf-8")
            print_pdf(out / f"{name}.html", out / f"{name}.pdf")
            index.append({"pdf": f"{name}.pdf", "lang": lang, "list_numbers": False, "paragraphs": known,
                          "furniture": [symbol, job], "columns": k % 4 == 3})
    for item in list(index):
        copy = item["pdf"].replace(".pdf", ".untagged.pdf")
        untagged(out / item["pdf"], out / copy)
        index.append({**item, "pdf": copy, "tagged": False})
        item["tagged"] = True
    (out / "corpus.json").write_text(json.dumps(index, ensure_ascii=False, indent=1), encoding="utf-8")
    return index


def normal(text: str, lang: str, numbers: bool = False) -> str:
    """A paragraph as compared: white space runs made one; in Chinese none next to a CJK character (Chinese
    is written without spaces; PDF producers and readers disagree on the gaps beside Latin text, 第 21 条);
    the UDHR's list numbers, which the browser adds, left aside with ``numbers``."""
    import regex

    from corpus.pdf import _CJK  # the reader's CJK characters and punctuation

    text = " ".join(text.split())
    if lang == "zh":
        text = regex.sub(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])", "", text)
    return regex.sub(r"^\d+\.\s*", "", text) if numbers else text


def measure(out: Path, index: list[dict]) -> list[dict]:
    """For each PDF: source paragraphs, those read identically (:func:`normal`; ``strict``: white space runs
    made one, nothing else), furniture lines left, CJK spaces."""
    import regex

    from corpus.readers import read_document

    rows = []
    for item in index:
        doc = read_document(out / item["pdf"])
        numbers, lang = item["list_numbers"], item["lang"]
        got = [normal(p.text, lang, numbers) for p in doc.paragraphs]
        want = [normal(p, lang, numbers) for p in item["paragraphs"]]
        strict = {normal(p.text, "en", numbers) for p in doc.paragraphs}
        have = set(got)
        job = item["furniture"][1:] if item["furniture"] else []
        symbol = item["furniture"][0] if item["furniture"] else None
        left = sum(any(f in p for f in job) or bool(regex.fullmatch(r"\d{1,3}\s*/\s*\d{1,3}", p)) for p in got)
        left += max(0, sum(symbol in p for p in got) - 1) if symbol else 0  # the running header, after page 1
        rows.append({"pdf": item["pdf"], "tagged": item.get("tagged", True), "columns": item.get("columns", False),
                     "paragraphs": len(want), "identical": sum(p in have for p in want),
                     "strict": sum(normal(p, "en", numbers) in strict for p in item["paragraphs"]),
                     "furniture_left": left,
                     "cjk_spaces": sum(len(regex.findall(r"\p{Han}\s+\p{Han}", p.text)) for p in doc.paragraphs),
                     "missing": [p for p in want if p not in have][:3]})
    return rows


def units(out: Path, index: list[dict], tagged: bool = True) -> tuple[int, int]:
    """Translation units of each unpc document aligned from its two PDFs (tagged, or their untagged copies),
    against those aligned from its source paragraphs (written as text files): (identical, units from the
    source). Units are compared as :func:`normal` gives them."""
    by_doc: dict[str, dict[str, dict]] = {}
    for item in index:
        if item["pdf"].startswith("un") and item.get("tagged", True) == tagged:
            by_doc.setdefault(item["pdf"].split("_")[0], {})[item["lang"]] = item
    same = total = 0
    for name, sides in sorted(by_doc.items()):
        got = {}
        for kind in ("pdf", "txt"):
            files = []
            for lang in ("zh", "en"):
                if kind == "pdf":
                    files.append(out / sides[lang]["pdf"])
                else:
                    f = out / f"{name}_{lang}.txt"
                    f.write_text("\n\n".join(sides[lang]["paragraphs"]), encoding="utf-8")
                    files.append(f)
            tsv = out / f"{name}.{kind}.tsv"
            subprocess.run([sys.executable, "-m", "corpus", "align", *map(str, files), "-o", str(tsv),
                            "--no-progress"], check=True, capture_output=True, cwd=ROOT, timeout=600)
            got[kind] = {(normal(zh, "zh"), normal(en, "en")) for zh, en, *_ in
                         (line.split("\t") for line in tsv.read_text(encoding="utf-8").splitlines())}
        same += len(got["pdf"] & got["txt"])
        total += len(got["txt"])
    return same, total


def summary(rows: list[dict]) -> str:
    same, total = sum(r["identical"] for r in rows), sum(r["paragraphs"] for r in rows)
    return (f"{len(rows)} PDFs: {same}/{total} paragraphs identical ({same / max(total, 1):.1%}; strictly "
            f"{sum(r['strict'] for r in rows)}); furniture lines left: {sum(r['furniture_left'] for r in rows)}; "
            f"spaces between CJK characters: {sum(r['cjk_spaces'] for r in rows)}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--docs", type=int, default=19, help="unpc-dev documents (two PDFs each)")
    ap.add_argument("--units", action="store_true", help="also align each document's two PDFs and compare the "
                                                         "translation units with those aligned from its source")
    a = ap.parse_args()
    if not Path(CHROMIUM).exists() or not UNPC.exists():
        print(f"needs {CHROMIUM} and {UNPC}", file=sys.stderr)
        return 1
    if a.out.exists():
        shutil.rmtree(a.out)
    index = build(a.out, a.docs)
    rows = measure(a.out, index)
    for r in rows:
        if r["identical"] < r["paragraphs"] or r["furniture_left"] or r["cjk_spaces"]:
            print(f"{r['pdf']}: {r['identical']}/{r['paragraphs']} identical, {r['furniture_left']} furniture, "
                  f"{r['cjk_spaces']} CJK spaces; missing {r['missing']}")
    for name, part in (("tagged", [r for r in rows if r["tagged"]]), ("untagged", [r for r in rows if not r["tagged"]]),
                       ("two-column", [r for r in rows if r["columns"]]), ("all", rows)):
        print(f"{name}: {summary(part)}")
    if a.units:
        for tagged in (True, False):
            same_units, total_units = units(a.out, index, tagged)
            print(f"translation units aligned from the {'tagged' if tagged else 'untagged'} PDFs identical to "
                  f"those aligned from the sources: {same_units}/{total_units} "
                  f"({same_units / max(total_units, 1):.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
