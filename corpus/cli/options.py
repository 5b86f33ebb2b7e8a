"""What several commands share: the one-line-error parser, checked number types, and the options every
command, every store verb or every aligning verb has."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import NoReturn

from align.aligner import DEFAULT_CONFIG, AlignConfig, with_overrides
from align.embed import DEFAULT_EMBEDDER, available_embedders
from align.errors import InputError

from ..store.database import WAIT_SECONDS


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error: what is wrong and where the help is."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def number(kind: type, lo: float | None = None, hi: float | None = None, what: str = ""):
    """An argparse type: ``kind`` (int or float) within [lo, hi], with a message saying the range."""
    span = (f"from {lo} to {hi}" if hi is not None else f"at least {lo}") if lo is not None else ""
    name = what or ("a whole number" if kind is int else "a number")

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {name}" + (f" {span}" if span else "")) from None
        if value != value or (lo is not None and value < lo) or (hi is not None and value > hi):
            raise argparse.ArgumentTypeError(f"{text} is out of range: give {name} {span}")
        return value

    parse.__name__ = name
    return parse


PROBABILITY = number(float, 0.0, 1.0, "a confidence")
WORKERS = number(int, 1, 256)


def add_common(p: argparse.ArgumentParser) -> None:
    """The options of every command."""
    p.add_argument("--no-progress", action="store_true", help="no progress bars on stderr")
    p.add_argument("--debug", action="store_true", help="show a traceback on errors")


def store_arg(p: argparse.ArgumentParser, help: str = "store folder") -> None:
    p.add_argument("--store", type=Path, required=True, metavar="DIR", help=help)


def writer_args(p: argparse.ArgumentParser) -> None:
    """The options of every verb that changes a store."""
    p.add_argument("--user", metavar="NAME", help="who the changes are by (TMX creationid/changeid; default: "
                                                  "the login name)")
    p.add_argument("--wait", type=number(float, 0.0), metavar="SECONDS",
                   help=f"how long to wait for another process changing the store (default {WAIT_SECONDS:.0f})")


def embedder_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--embedder", default=DEFAULT_EMBEDDER, metavar="NAME",
                   help=f"sentence embedder: {', '.join(available_embedders())} (default {DEFAULT_EMBEDDER})")


def aligner_args(p: argparse.ArgumentParser, build: bool = False) -> None:
    """The aligner's options (``build``: said of the pairs a build aligns)."""
    scope = "; applies to the document pairs this build aligns, stored ones are kept" if build else ""
    p.add_argument("--max-size", type=number(int, 1, 8), metavar="N",
                   help=f"most sentences on one side of a bead, 1 to 8 (default {DEFAULT_CONFIG.max_size})"
                        + scope)
    p.add_argument("--no-dictionary", action="store_true",
                   help=("" if build else "native engine: ") + "align without the bilingual dictionary "
                        "(CC-CEDICT for Chinese-English, FreeDict where installed) that tells which words "
                        "translate which" + scope)


def aligner_config(args: argparse.Namespace) -> AlignConfig:
    """The aligner's settings the options of :func:`aligner_args` ask for."""
    return with_overrides(DEFAULT_CONFIG, max_size=args.max_size,
                          lexicon_weight=0.0 if args.no_dictionary else None)


def existing(paths: list[Path]) -> list[Path]:
    """``paths``, when each one is there: a misspelt input is an error, not an empty result."""
    for p in paths:
        if not Path(p).exists():
            raise InputError(f"{p}: no such file or folder; give the folders or files that hold the documents")
    return paths


def clip(text: str, n: int = 40) -> str:
    """``text`` cut to ``n`` characters with an ellipsis."""
    return text if len(text) <= n else text[:n - 1] + "…"
