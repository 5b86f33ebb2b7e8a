"""The data model passed between stages: frozen, slotted dataclasses.

Embeddings never live inside these objects; they travel beside them as
``(n, d)`` float32 arrays whose rows follow the order of the segments.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Paragraph kinds a reader or the UN parser may assign.
PARAGRAPH_KINDS = (
    "body",  # plain text with no recognised role
    "title",
    "heading",
    "meta",  # symbol, session, agenda item, distribution lines
    "preamble",
    "operative",  # "1. ..." / "1. ..."
    "subitem",  # "(a)" / "(一)" / "(i)"
    "closing",  # date and meeting line at the end of a resolution
    "vote",  # recorded vote
)


@dataclass(frozen=True, slots=True)
class Footnote:
    """A footnote taken out of the body; ``marker`` is the number in the text."""

    marker: str
    text: str


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph of a document: its text, kind, label (the number or letter a reader cites) and footnote markers."""
    text: str
    kind: str = "body"
    label: str = ""  # operative number "3", sub-item "(a)" / "(一)", article "1"
    footnotes: tuple[str, ...] = ()  # markers referenced from this paragraph


@dataclass(frozen=True, slots=True)
class DocumentMeta:
    """What a UN document says of itself: symbol, title, session, agenda item, date, body."""
    symbol: str = ""  # A/RES/76/177
    title: str = ""
    session: str = ""
    agenda_item: str = ""
    date: str = ""  # ISO 8601, yyyy-mm-dd
    body: str = ""  # General Assembly / Human Rights Council


@dataclass(frozen=True, slots=True)
class Document:
    """A document as read: its paragraphs in reading order and what was learnt of it."""

    source: str  # path or name the document came from
    lang: str  # "zh" or "en" (BCP-47 base)
    paragraphs: tuple[Paragraph, ...]
    meta: DocumentMeta = field(default_factory=DocumentMeta)
    footnotes: tuple[Footnote, ...] = ()
    script: str = ""  # "Hans" / "Hant" for Chinese
    warnings: tuple[str, ...] = ()  # what the reader removed or could not read

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.paragraphs)

    @property
    def tag(self) -> str:
        """The language as a short BCP 47 tag: ``zh-Hant`` for Traditional Chinese, else ``lang``."""
        return "zh-Hant" if self.lang == "zh" and self.script == "Hant" else self.lang


@dataclass(frozen=True, slots=True)
class Segment:
    """A sentence (or a line, with pre-split input) and the paragraph it came from.

    ``anchor`` is set on the first sentence of a numbered or lettered paragraph
    ("op:3", "sub:a", "art:1"): the same anchor on both sides must align.
    """

    text: str
    paragraph: int = 0
    anchor: str = ""


@dataclass(frozen=True, slots=True)
class Bead:
    """Source and target segment indices aligned together, and a confidence in [0, 1]."""

    src: tuple[int, ...]
    tgt: tuple[int, ...]
    score: float = 1.0

    @property
    def kind(self) -> str:
        return f"{len(self.src)}-{len(self.tgt)}"

    def __str__(self) -> str:
        """The vecalign/bertalign gold-file form: ``[0, 1]:[2]``."""
        return f"[{', '.join(map(str, self.src))}]:[{', '.join(map(str, self.tgt))}]"


@dataclass(frozen=True, slots=True)
class Alignment:
    """Segments of both sides and the beads that pair them, in order."""

    src: tuple[Segment, ...]
    tgt: tuple[Segment, ...]
    beads: tuple[Bead, ...]
    src_lang: str = "zh"
    tgt_lang: str = "en"
    method: str = ""  # what made it: engine, embedder, parameters

    def texts(self, bead: Bead) -> tuple[str, str]:
        """A bead's source and target sentences, each side joined ("" for an empty side)."""
        return (join_segments([self.src[i].text for i in bead.src], self.src_lang),
                join_segments([self.tgt[j].text for j in bead.tgt], self.tgt_lang))

    def pairs(self) -> list[tuple[str, str, Bead]]:
        """Source text, target text and bead of every bead with both sides."""
        return [(*self.texts(b), b) for b in self.beads if b.src and b.tgt]


@dataclass(frozen=True, slots=True)
class TranslationUnit:
    """One stored or exported pair, with where it came from."""

    src_text: str
    tgt_text: str
    src_lang: str = "zh"
    tgt_lang: str = "en"
    score: float = 1.0
    bead_kind: str = "1-1"
    doc: str = ""  # document symbol or file name
    paragraph: int = 0
    bead: int = 0  # index of the bead in its alignment
    embedder: str = ""
    src_ids: tuple[int, ...] = ()  # indices of the aligned source sentences (alignment exports)
    tgt_ids: tuple[int, ...] = ()
    extra: str = ""  # JSON object: what an imported TMX unit carried beyond these fields (props, notes, ids)
    review: str = ""  # a reviewer's verdict in a store: "automatic", "confirmed" or "corrected" ("" unknown)


def join_segments(texts: list[str], lang: str) -> str:
    """Join sentences of one side of a bead the way the language writes them."""
    if lang.lower().startswith(("zh", "ja")):
        return "".join(texts)
    return " ".join(texts)
