"""Output files written whole or not at all, and ``-`` for standard input and output."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from align.errors import InputError

STDIO = "-"


def is_stdio(path: str | Path | None) -> bool:
    """``-`` on the command line: standard input or output."""
    return path is not None and str(path) == STDIO


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary name beside ``path``; renamed to ``path`` when the block succeeds, removed when it fails,
    so a reader never sees half a file and a failed export leaves an earlier file as it was. A path that
    exists and is not a regular file (a device, a pipe) is written in place."""
    path = Path(path)
    if path.exists() and not path.is_file():
        if path.is_dir():
            raise InputError(f"{path}: is a folder; give a file name to write")
        yield path  # a device or a pipe (/dev/stdout, a FIFO): written in place, never replaced
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


@contextlib.contextmanager
def text_output(path: str | Path) -> Iterator[TextIO]:
    """A UTF-8 text stream to ``path`` (written atomically), or standard output for ``-``."""
    if is_stdio(path):
        yield sys.stdout
        sys.stdout.flush()
        return
    with atomic_path(path) as tmp:
        try:
            with open(tmp, "w", encoding="utf-8", newline="\n") as f:
                yield f
        except OSError as e:
            if e.filename is None:  # a failed write or flush names no file: name the one the user gave
                raise OSError(e.errno, e.strerror, str(path)) from e
            raise


@contextlib.contextmanager
def binary_output(path: str | Path) -> Iterator[object]:
    """A binary destination: a temporary path beside ``path``, or standard output's buffer for ``-``."""
    if is_stdio(path):
        yield sys.stdout.buffer
        sys.stdout.flush()
        return
    with atomic_path(path) as tmp:
        yield tmp


def path_text(path: str | Path) -> str:
    """A path as text that can be stored and printed: bytes of a file name that are not UTF-8 (Linux allows
    any) are written as ``\\xff`` instead of breaking SQLite, JSON or the terminal."""
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def os_error_text(e: OSError) -> str:
    """An operating-system error as one line: the file it concerns (when known) and what went wrong."""
    return (f"{e.filename}: " if e.filename else "") + str(e.strerror or e)
