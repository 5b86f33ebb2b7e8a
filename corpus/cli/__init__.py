"""The ``tmbuild`` command line: one module per command, its options beside its body, each a thin wrapper
over a library function (:data:`COMMANDS`); :func:`main` parses, sets the process up once, runs the command
and turns an error into one line and an exit status (:data:`ERRORS`)."""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from collections.abc import Callable

from align import __version__
from align.errors import TmbuildError

from ..files import os_error_text
from . import (
    align,
    build,
    check,
    convert_e5,
    documents,
    evaluate,
    export,
    import_files,
    index,
    pair,
    remove,
    search,
    terms,
)
from . import serve as serve_command
from .options import Parser

# in the order ``tmbuild --help`` lists them
COMMANDS = (align, pair, build, documents, remove, search, terms, check, serve_command, index, export, import_files,
            evaluate, convert_e5)


def _store_error(e: BaseException, args: argparse.Namespace) -> str:
    from ..store import database_error

    return str(database_error(getattr(args, "store", None) or "store", e))  # type: ignore[arg-type]


# what an error becomes, the first class that matches: the line said after "tmbuild: error: ", and the exit
# status (--debug shows the traceback instead)
ERRORS: tuple[tuple[type[BaseException], Callable[[BaseException, argparse.Namespace], str], int], ...] = (
    (TmbuildError, lambda e, args: str(e), 1),
    (sqlite3.DatabaseError, _store_error, 1),  # a damaged or read-only store database, whatever the verb
    (OSError, lambda e, args: os_error_text(e), 1),  # type: ignore[arg-type]
)


def build_parser() -> argparse.ArgumentParser:
    ap = Parser(
        prog="tmbuild",
        description="Align Chinese and English documents into sentence pairs, a searchable "
                    "translation memory and TMX.")
    ap.add_argument("--version", action="version", version=f"tmbuild {__version__}")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.add(sub)
    return ap


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    from align.embed.base import limit_threads

    from ..store.database import configure

    limit_threads()
    configure(holder=f"tmbuild {args.command}", user=getattr(args, "user", None), wait=getattr(args, "wait", None))
    for stream in (sys.stdout, sys.stderr):  # file names need not be UTF-8: print their bytes escaped
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        return args.func(args)
    except BrokenPipeError:  # output piped into `head`: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("tmbuild: interrupted", file=sys.stderr)
        return 130
    except Exception as e:
        for kind, line, status in ERRORS:
            if isinstance(e, kind):
                if getattr(args, "debug", False):
                    raise
                print(f"tmbuild: error: {line(e, args)}", file=sys.stderr)
                return status
        raise


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
