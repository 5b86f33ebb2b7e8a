"""Sentence segmentation for Chinese and English paragraphs.

Chinese sentences end at 。！？ (full- or half-width), at …… and at ？！ runs,
with closing quotes and brackets kept on the sentence they close; an
ellipsis before a comma or colon does not end one, and punctuation alone
("。……后来") opens the next sentence. A quotation that ends in 。！？ runs on
into the speech tag after it (“你来了？”他问道。 / “好！”她说，“走吧。”),
as the English sentence does ("Are you here?" he asked.); a tag that
introduces the next quotation (黛玉冷笑道：“……”) starts a sentence. A ；
ends a sentence where a new sub-item label follows ("；(b)" / "；（二）"),
since UN sub-paragraphs run on with semicolons.

English sentences end at . ! ? followed by white space and something that
can start a sentence, except after an abbreviation (Mr., No., para., e.g.),
a single initial, or a paragraph number at the very start ("1."). Document
symbols (A/RES/76/177) and decimals carry no white space after the dot and
so never split.

Segmentation is rule-based on purpose: the rules are the ones UN texts need,
they are fast, and every one of them is tested.
"""

from __future__ import annotations

import regex

from .model import Segment

# ---------------------------------------------------------------- Chinese

_ZH_CLOSERS = "”’」』）)】》〉\"'"
_ZH_END = regex.compile(
    # an ellipsis followed by a comma, colon or semicolon is a pause inside the sentence ("为了……，制定本法。")
    rf"(?:[。！？!?]+|(?:…{{2,}}+|\.{{6,}}+)(?![{regex.escape(_ZH_CLOSERS)}]*+\s*[，,、；;：:]))"
    rf"[{regex.escape(_ZH_CLOSERS)}]*"
    rf"|[；;][{regex.escape(_ZH_CLOSERS)}]*(?=\s*[（(](?:[一二三四五六七八九十]+|[a-z]{{1,3}}|\d+)[）)])"
)


# after a closing quote: a short clause with a verb of saying that ends or continues the sentence (not a colon:
# that one introduces the next quotation)
_ZH_QUOTES = "”’」』\"'"
_SPEECH_TAG = regex.compile(
    r"\s*[^\p{P}\s]{0,10}?(?:说|說|道|问|問|答|喊|叫|嚷|骂|罵|叹|嘆|笑|哭|吼|嘀咕|嘟囔|回答|补充|補充)"
    r"(?:[了着著]|道)?\s*[。，,.]")


def split_zh(text: str) -> list[str]:
    out, start = [], 0
    for m in _ZH_END.finditer(text):
        end = m.end()
        if text[end - 1] in _ZH_QUOTES and _SPEECH_TAG.match(text, end):
            continue  # “你来了？”他问道。: the tag finishes the sentence
        piece = text[start:end].strip()
        if piece and _has_words(piece):
            out.append(piece)
            start = end
        elif not piece:
            start = end
        # a piece of punctuation alone ("。……后来") opens the next sentence
    tail = text[start:].strip()
    if tail:
        if out and not _has_words(tail):
            out[-1] += tail  # stray closing punctuation
        else:
            out.append(tail)
    return out


def _has_words(piece: str) -> bool:
    return regex.search(r"[\p{Han}\p{L}\p{N}]", piece) is not None


# ---------------------------------------------------------------- English

ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof sr jr st messrs mme mlle h.e
    no nos para paras art arts vol vols p pp ch chap sect sec fig figs ann
    rev corr add amend suppl ed eds cf e.g i.e etc viz vs al approx est
    inc ltd co corp dept govt univ assn
    jan feb mar apr jun jul aug sep sept oct nov dec
    u.s u.k u.n u.s.a e.u
    """.split()
)
# Abbreviations after which a capitalised word usually continues the sentence.
_NON_FINAL = frozenset("mr mrs ms dr prof messrs mme mlle h.e st cf e.g i.e viz vs al approx".split())
# The others (no, para, art, vol, p, fig...) stand before a number ("No. 5", "para. 3", "vol. II"); before a
# capitalised word they end a sentence ("She said no. It was ...").

_EN_CAND = regex.compile(r"[.!?]+[\"'”’)\]]*(?=\s+)|;(?=\s*\((?:[a-z]{1,4}|\d{1,3})\)\s)")
_STARTER = regex.compile(r"\s+[\"'“‘(\[]*[\p{Lu}\p{N}\p{Han}]")
_LEAD_NUMBER = regex.compile(r"^\s*(?:\(?[0-9]{1,3}[.)]|\(?[a-z]{1,4}\)|[IVXLC]{1,6}\.)\s*$")


def _word_before(text: str, end: int) -> str:
    m = regex.search(r"([\p{L}.]+)\.?$", text[:end])
    return m.group(1).lower().rstrip(".") if m else ""


def split_en(text: str) -> list[str]:
    out, start = [], 0
    for m in _EN_CAND.finditer(text):
        end = m.end()
        if m.group(0) != ";" and not _STARTER.match(text, end):
            continue
        head = text[start:end]
        if _LEAD_NUMBER.match(head):
            continue  # "1. Decides" / "(a) ..." : the label stays with its text
        if m.group(0).startswith("."):
            word = _word_before(text, m.start() + 1)
            if word in _NON_FINAL:
                continue
            if word in ABBREVIATIONS and not regex.match(r"\s+[\"'“‘(\[]*\p{Lu}\p{Ll}", text[end:]):
                continue
            before = text[:m.start()]
            if regex.search(r"(?:^|\s)\p{Lu}$", before) and not before.endswith("I"):
                continue  # an initial ("J. Smith"); "annex I." still ends a sentence
        piece = head.strip()
        if piece:
            out.append(piece)
        start = end
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def split_sentences(text: str, lang: str) -> list[str]:
    """Split one paragraph into sentences; white space inside is kept as it is."""
    if lang.lower().startswith(("zh", "ja")):
        return split_zh(text)
    return split_en(text)


def segment_paragraphs(paragraphs: list[str], lang: str) -> list[Segment]:
    """Sentences of every paragraph, each remembering its paragraph index."""
    out: list[Segment] = []
    for i, para in enumerate(paragraphs):
        for s in split_sentences(para, lang):
            out.append(Segment(s, i))
    return out
