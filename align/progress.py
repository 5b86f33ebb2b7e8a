"""The one progress bar: tqdm on stderr, shown only when asked for."""

from __future__ import annotations

import sys
from collections.abc import Iterable


def progress_bar(iterable: Iterable | None = None, *, total: int | None = None, desc: str = "", unit: str = "it",
                 show: bool = True, leave: bool = False):
    """A tqdm bar over ``iterable`` (or ``total`` steps) on stderr; a silent one when not ``show``, so callers
    never test for a missing bar (``update``, ``set_postfix_str``, ``write`` and ``close`` work either way)."""
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, unit=unit, file=sys.stderr, leave=leave, disable=not show)
