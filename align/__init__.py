"""Text and vectors: segmentation, embedders, aligners, scoring, evaluation.

Nothing here reads or writes files; :mod:`corpus` does that.
"""

from .errors import TmbuildError
from .model import Alignment, Bead, Document, DocumentMeta, Footnote, Paragraph, Segment, TranslationUnit

__version__ = "0.1.0"

__all__ = [
    "Alignment",
    "Bead",
    "Document",
    "DocumentMeta",
    "Footnote",
    "Paragraph",
    "Segment",
    "TmbuildError",
    "TranslationUnit",
    "__version__",
]
