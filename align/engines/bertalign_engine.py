"""The bertalign engine (PyPI ``bertalign`` 2.x), for comparison with the native one.

bertalign needs Python >= 3.12 and torch. Where it is not installed, asking
for it is an error that says so and what to install.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ..embed.base import Embedder
from ..errors import MissingDependency
from ..model import Alignment, Segment


def align_with_bertalign(src: Sequence[Segment], tgt: Sequence[Segment], embedder: Embedder, *,
                         src_lang: str = "zh", tgt_lang: str = "en") -> Alignment:
    if sys.version_info < (3, 12):
        raise MissingDependency(
            f"the bertalign engine needs Python >= 3.12 (this is {sys.version.split()[0]}); "
            "use --engine native, or install tmbuild with Python 3.12 and pip install 'tmbuild[bertalign]'")
    try:
        import bertalign  # noqa: F401
    except ImportError as e:
        raise MissingDependency("the bertalign engine is not installed; run: pip install 'tmbuild[bertalign]'"
                                ) from e
    raise MissingDependency("the bertalign engine adapter is not wired in this tmbuild version yet; "
                            "use --engine native")
