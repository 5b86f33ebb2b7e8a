"""UN document structure: metadata, footnotes, page-break repair and paragraph kinds.

Works on the paragraphs a reader produced (for text extracted from PDFs, one
paragraph per line or soft-wrapped block) and returns a new Document:

* footnote lines ("¹ 见《大会正式记录……》", "² A/HRC/25/63。") leave the body for
  ``Document.footnotes``; superscript markers leave the text and are kept on
  the paragraph (``Paragraph.footnotes``);
* in the body (after "大会，" / "The General Assembly,"), a paragraph that
  ends without closing punctuation is continued by the next one (a page
  break cut it);
* kinds: title, meta (header lines), heading (the "大会，" line), preamble,
  operative ("1."), subitem ("(a)", "(一)", "(i)"), closing (date and
  meeting), vote (recorded vote to the end);
* metadata: symbol, title, session, agenda item, adoption date, body.

A document with no UN markers comes back with its paragraphs as they were
(kinds "body"), minus footnote lines.
"""

from __future__ import annotations

import dataclasses

import regex

from align.model import Document, DocumentMeta, Footnote, Paragraph
from align.numerals import MONTHS, chinese_number, english_ordinal

SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SUP_TO_DIGIT = str.maketrans(SUPERSCRIPTS, "0123456789")
_FOOTNOTE_LINE = regex.compile(rf"^([{SUPERSCRIPTS}]+)\s*(\S.*)$")
# a marker, the space before it, and the space after it where it stood between two Chinese characters
_MARKER = regex.compile(rf"\s?([{SUPERSCRIPTS}]+)(?:(?<=\p{{Han}}[{SUPERSCRIPTS}]+)\s+(?=\p{{Han}}))?")

_INTRO = regex.compile(
    r"^(?:(大会|人权理事会|安全理事会|经济及社会理事会|大會|人權理事會|安全理事會)\s*[，,]"
    r"|The\s+(General Assembly|Human Rights Council|Security Council|Economic and Social Council)\s*,)$")
_BODY_EN = {"大会": "General Assembly", "大會": "General Assembly", "人权理事会": "Human Rights Council",
            "人權理事會": "Human Rights Council", "安全理事会": "Security Council", "安全理事會": "Security Council",
            "经济及社会理事会": "Economic and Social Council"}
_SYMBOL_PREFIX = {"General Assembly": "A/RES/", "Human Rights Council": "A/HRC/RES/",
                  "Economic and Social Council": "E/RES/"}

_OPERATIVE = regex.compile(r"^(\d{1,3})\.\s*(?=\S)")
_SUBITEM = regex.compile(r"^([（(](?:[a-z]{1,2}|[ivxlc]{1,6}|[一二三四五六七八九十]{1,3}|\d{1,2})[）)])\s*")
_RES_NUMBER = regex.compile(r"^(\d{1,3}/\d{1,4})\.\s*(\S.*)$")
_SYMBOL = regex.compile(r"\b((?:A/(?:HRC/)?RES|E/RES)/\d+/\d+|S/RES/\d+\s*\(\d{4}\))")
_ZH_DATE = regex.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_EN_DATE = regex.compile(r"\b(\d{1,2})\s+(" + "|".join(MONTHS) + r")\s+(\d{4})\b")
_CLOSING = regex.compile(
    r"^(?:\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*(?:第\s*\d+\s*次(?:全体)?会议)?"
    r"|第\s*\d+\s*次(?:全体)?会议"
    r"|\d{1,2}\s+[A-Z][a-z]+\s+\d{4}(?:\s+\d+(?:st|nd|rd|th)\s+(?:plenary\s+)?meeting)?"
    r"|\d+(?:st|nd|rd|th)\s+(?:plenary\s+)?meeting(?:\s+\d{1,2}\s+[A-Z][a-z]+\s+\d{4})?)$")
_VOTE_START = regex.compile(r"^\[?\s*(?:经记录表决|未经表决|經記錄表決|Adopted by a recorded vote"
                            r"|Adopted without a vote|赞成[:：]|In favour:)")
_ZH_SESSION = regex.compile(r"第([一二三四五六七八九十百]+)届(?:会议|常会)")
_EN_SESSION = regex.compile(r"\b([A-Za-z]+(?:-[a-z]+)?|\d+(?:st|nd|rd|th))\s+session\b", regex.IGNORECASE)
_AGENDA = regex.compile(r"(?:议程项目|議程項目|Agenda items?)\s*(\d+\s*(?:\([a-z]\))?)", regex.IGNORECASE)
_DATE_AND_MEETING = regex.compile(
    r"^(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*(第\s*\d+\s*次(?:全体)?会议)$"
    r"|^(\d{1,2}\s+[A-Z][a-z]+\s+\d{4})\s+(\d+(?:st|nd|rd|th)\s+(?:plenary\s+)?meeting)$"
    r"|^(\d+(?:st|nd|rd|th)\s+(?:plenary\s+)?meeting)\s+(\d{1,2}\s+[A-Z][a-z]+\s+\d{4})$")
_ADOPTION_HINT = regex.compile(r"决议|決議|[Rr]esolution adopted")
_HARD_END = "。；;，,：:.!?！？」”’』)）]】"


def _strip_markers(text: str) -> tuple[str, tuple[str, ...]]:
    markers = tuple(m.translate(_SUP_TO_DIGIT) for m in _MARKER.findall(text))
    if not markers:
        return text, ()
    return _MARKER.sub("", text).strip(), markers


def _join(a: str, b: str, lang: str) -> str:
    if lang == "zh":
        return a + b
    if a.endswith("-") and b[:1].islower():
        return a[:-1] + b
    return a + " " + b


def _iso(y: str, m: int | str, d: str) -> str:
    return f"{int(y):04d}-{int(m):02d}-{int(d):02d}"


def find_date(text: str) -> str:
    m = _ZH_DATE.search(text)
    if m:
        return _iso(m.group(1), m.group(2), m.group(3))
    m = _EN_DATE.search(text)
    if m:
        return _iso(m.group(3), MONTHS[m.group(2)], m.group(1))
    return ""


def structure(doc: Document) -> Document:
    """Return ``doc`` with UN structure recognised (see the module docstring)."""
    lang = doc.lang
    # 1. footnotes out, markers off the text
    footnotes: list[Footnote] = []
    items: list[Paragraph] = []
    for p in doc.paragraphs:
        m = _FOOTNOTE_LINE.match(p.text)
        if m and p.kind in ("body", "preamble"):
            footnotes.append(Footnote(m.group(1).translate(_SUP_TO_DIGIT), m.group(2).strip()))
            continue
        text, markers = _strip_markers(p.text)
        if text:
            items.append(dataclasses.replace(p, text=text, footnotes=p.footnotes + markers))
    intro = next((i for i, p in enumerate(items) if _INTRO.match(p.text)), None)
    if intro is None:
        return dataclasses.replace(doc, paragraphs=tuple(items), footnotes=doc.footnotes + tuple(footnotes))

    # 2. page-break repair in the body
    body: list[Paragraph] = []
    repaired = 0
    operative_seen = vote_seen = False
    for p in items[intro + 1:]:
        prev = body[-1] if body else None
        labelled = bool(_OPERATIVE.match(p.text) or _SUBITEM.match(p.text))
        special = bool(_CLOSING.match(p.text) or _VOTE_START.match(p.text))
        vote_seen = vote_seen or bool(_VOTE_START.match(p.text))
        # a cut paragraph ends without closing punctuation; after the first operative paragraph
        # every paragraph is numbered or lettered, so an unlabelled one continues the previous
        cut = prev is not None and (not prev.text.endswith(tuple(_HARD_END)) or operative_seen)
        structural = prev is not None and ({prev.kind, p.kind} & {"heading", "title"} or prev.label != p.label)
        if (cut and not structural and not labelled and not special and not vote_seen
                and not _CLOSING.match(prev.text)):
            body[-1] = dataclasses.replace(prev, text=_join(prev.text, p.text, lang),
                                           footnotes=prev.footnotes + p.footnotes)
            repaired += 1
            continue
        operative_seen = operative_seen or bool(_OPERATIVE.match(p.text))
        body.append(p)

    # 3. kinds
    out: list[Paragraph] = []
    meta = {"symbol": "", "title": "", "session": "", "agenda_item": "", "date": "", "body": ""}
    for p in items[:intro]:
        text = p.text
        kind = p.kind if p.kind in ("title", "heading") else "meta"
        if m := _RES_NUMBER.match(text):
            meta["title"] = m.group(2).strip()
            meta["number"] = m.group(1)
            kind = "title"
        if not meta["symbol"] and (m := _SYMBOL.search(text)):
            meta["symbol"] = regex.sub(r"\s+", " ", m.group(1))
        if not meta["date"] and _ADOPTION_HINT.search(text):
            meta["date"] = find_date(text)
        if not meta["session"]:
            if (m := _ZH_SESSION.search(text)) and (v := chinese_number(m.group(1))):
                meta["session"] = str(v)
            elif (m := _EN_SESSION.search(text)) and (v := english_ordinal(m.group(1))):
                meta["session"] = str(v)
        if not meta["agenda_item"] and (m := _AGENDA.search(text)):
            meta["agenda_item"] = regex.sub(r"\s+", "", m.group(1))
        out.append(dataclasses.replace(p, kind=kind))
    im = _INTRO.match(items[intro].text)
    meta["body"] = _BODY_EN.get(im.group(1), "") if im.group(1) else im.group(2)
    out.append(dataclasses.replace(items[intro], kind="heading"))
    seen_operative = in_vote = False
    closing_dates = []
    for p in body:
        text = p.text
        if in_vote or _VOTE_START.match(text):
            in_vote = True
            out.append(dataclasses.replace(p, kind="vote"))
            continue
        if _CLOSING.match(text):
            closing_dates.append(find_date(text))
            m = _DATE_AND_MEETING.match(text)  # two lines of the PDF joined as one wrapped line
            parts = [g for g in m.groups() if g] if m else [text]
            out.extend(dataclasses.replace(p, text=t, kind="closing") for t in parts)
            continue
        if m := _OPERATIVE.match(text):
            seen_operative = True
            out.append(dataclasses.replace(p, kind="operative", label=m.group(1)))
            continue
        if m := _SUBITEM.match(text):
            label = m.group(1).replace("（", "(").replace("）", ")")
            out.append(dataclasses.replace(p, kind="subitem", label=label))
            continue
        out.append(dataclasses.replace(p, kind="body" if seen_operative else "preamble"))
    if not meta["date"]:
        meta["date"] = next((d for d in closing_dates if d), "")
    if not meta["symbol"] and meta.get("number") and meta["body"] in _SYMBOL_PREFIX:
        meta["symbol"] = _SYMBOL_PREFIX[meta["body"]] + meta["number"]
    warnings = doc.warnings
    if repaired:
        warnings += (f"rejoined {repaired} paragraphs cut by page breaks",)
    if footnotes:
        warnings += (f"moved {len(footnotes)} footnotes out of the body",)
    return dataclasses.replace(
        doc, paragraphs=tuple(out), footnotes=doc.footnotes + tuple(footnotes), warnings=warnings,
        meta=DocumentMeta(symbol=meta["symbol"], title=meta["title"], session=meta["session"],
                          agenda_item=meta["agenda_item"], date=meta["date"], body=meta["body"]))


def vote_counts(doc: Document) -> tuple[int, int, int] | None:
    """(in favour, against, abstaining) from a recorded-vote paragraph, if there is one."""
    for p in doc.paragraphs:
        if p.kind != "vote":
            continue
        m = regex.search(r"(\d+)\s*票赞成\D*(\d+)\s*票反对\D*(\d+)\s*票弃权", p.text)
        if m:
            return int(m.group(1)), int(m.group(2)), int(m.group(3))
        m = regex.search(r"(\d+)\s+to\s+(\d+),\s+with\s+(\d+)\s+abstentions?", p.text)
        if m:
            return int(m.group(1)), int(m.group(2)), int(m.group(3))
    return None
