"""One exception hierarchy for the whole project.

Messages are written for a person: they name the input, what was expected,
what was found and what to do. The CLI prints ``str(error)`` on one line.
"""


class TmbuildError(Exception):
    """Root of every error tmbuild raises on purpose."""


class InputError(TmbuildError):
    """A file or argument the user gave cannot be used as it is."""


class MissingDependency(TmbuildError):
    """An optional package is needed; the message names the pip command."""


class EmbedderError(TmbuildError):
    """An embedder cannot be loaded or used."""


class AlignmentError(TmbuildError):
    """The aligner was given something it cannot align."""


class FormatError(TmbuildError):
    """A file is not in the format it claims (TMX, bead file, ...)."""


class DictionaryError(TmbuildError):
    """An installed bilingual dictionary cannot be read; the message names its files and the fix."""


class StoreError(TmbuildError):
    """A translation-memory store cannot be opened or changed."""
