"""Output files written whole or not at all, and ``-`` for standard input and output."""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, TextIO

from align.errors import InputError

STDIO = "-"


def is_stdio(path: str | Path | None) -> bool:
    """``-`` on the command line: standard input or output."""
    return path is not None and str(path) == STDIO


NEW_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
CHECK_BLOCK = 1 << 20  # bytes per checksum of a file written with block checksums


def new_file(path: str | Path, mode: int = 0o644) -> BinaryIO:
    """``path`` created anew and opened for writing: never an existing file, never through a symbolic link
    (a link planted under that name, in a store someone sent, is refused, not written through)."""
    try:
        fd = os.open(path, NEW_FILE_FLAGS, mode)
    except FileExistsError:
        what = "a symbolic link" if os.path.islink(path) else "already there"
        raise InputError(f"{path}: {what}; tmbuild writes only files it creates: remove it and run again") from None
    return os.fdopen(fd, "wb")


def temp_name(path: Path) -> Path:
    """A name beside ``path`` that no other process or earlier run uses (pid and random digits)."""
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


@contextlib.contextmanager
def _renamed(path: str | Path) -> Iterator[tuple[Path, BinaryIO]]:
    """The one write-then-rename of the application: a new temporary file beside ``path`` (created
    exclusively, never through a link: :func:`new_file`), open for writing; renamed over ``path`` when the
    block succeeds (a rename replaces a link at ``path``, never its target), removed when it fails."""
    path = Path(path)
    tmp = temp_name(path)
    f = new_file(tmp)
    try:
        yield tmp, f
        f.close()
        os.replace(tmp, path)
    finally:
        f.close()
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


@contextlib.contextmanager
def renamed_into(path: str | Path) -> Iterator[Path]:
    """A new, empty file's name for the block to write (by name: faiss, pyarrow), that becomes ``path`` whole
    or not at all (:func:`_renamed`)."""
    with _renamed(path) as (tmp, f):
        f.close()
        yield tmp


@contextlib.contextmanager
def replacing(path: str | Path) -> Iterator[BinaryIO]:
    """A binary stream whose bytes become ``path`` whole or not at all (:func:`_renamed`)."""
    with _renamed(path) as (_, f):
        yield f


class BlockSums:
    """A writable stream's CRC-32 per ``CHECK_BLOCK`` bytes, worked out as the bytes pass (:meth:`write` hands
    them on to ``out``), so that a reader can tell damaged bytes from the file's own."""

    def __init__(self, out: BinaryIO | None = None, block: int = CHECK_BLOCK) -> None:
        self.out, self.block = out, block
        self.sums: list[int] = []
        self.size = 0
        self._crc = 0
        self._fill = 0

    def write(self, data) -> int:
        if self.out is not None:
            self.out.write(data)
        view = memoryview(data).cast("B")
        while len(view):
            take = min(self.block - self._fill, len(view))
            self._crc = zlib.crc32(view[:take], self._crc)
            self._fill += take
            self.size += take
            view = view[take:]
            if self._fill == self.block:
                self.sums.append(self._crc)
                self._crc = self._fill = 0
        return len(data)

    def record(self) -> dict:
        """What a reader checks: size, block size and each block's CRC-32."""
        return {"size": self.size, "block": self.block, "crc": [*self.sums, self._crc] if self._fill else self.sums}


def file_sums(path: str | Path, block: int = CHECK_BLOCK) -> dict:
    """:meth:`BlockSums.record` of a file as it is on disk."""
    sums = BlockSums(block=block)
    with open(path, "rb") as f:
        while chunk := f.read(8 * block):
            sums.write(chunk)
    return sums.record()


def sums_problem(data, record: dict | None) -> str | None:
    """How ``data`` (a file's bytes, or the path of a file, read in blocks) differs from its
    :meth:`BlockSums.record`, or None when it agrees."""
    if not isinstance(record, dict) or not isinstance(record.get("crc"), list):
        return "no checksums recorded"
    block = int(record.get("block") or CHECK_BLOCK)
    if isinstance(data, (str, Path)):
        got = file_sums(data, block)
    else:
        sums = BlockSums(block=block)
        sums.write(data)
        got = sums.record()
    if got["size"] != record.get("size"):
        return f"{got['size']} bytes, {record.get('size')} were written"
    bad = sum(a != b for a, b in zip(got["crc"], record["crc"]))
    return f"{bad} of {len(record['crc'])} blocks of bytes damaged" if bad else None


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary name beside ``path``; renamed to ``path`` when the block succeeds, removed when it fails,
    so a reader never sees half a file and a failed export leaves an earlier file as it was. A path that
    exists and is not a regular file (a device, a pipe) is written in place. The temporary file is created
    here, exclusively and never through a link; a path that is one of a store's own files is refused."""
    path = Path(path)
    if path.exists() and not path.is_file():
        if path.is_dir():
            raise InputError(f"{path}: is a folder; give a file name to write")
        yield path  # a device or a pipe (/dev/stdout, a FIFO): written in place, never replaced
        return
    refuse_store_file(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with renamed_into(path) as tmp:
        yield tmp


STORE_MARK = "store.sqlite"  # a folder holding this file is a store (corpus.store.database.DB_NAME)


def refuse_store_file(path: str | Path) -> None:
    """An output that would land on a file of a store (its database, its side files, an index, the lock): an
    error, before anything is written. The path is followed through links and ``..`` first."""
    path = Path(path)
    real = Path(os.path.realpath(path))
    for p in {path.absolute(), real}:
        if (p.parent / STORE_MARK).exists() and is_store_file_name(p.name):
            raise InputError(f"{path}: is a file of the store in {p.parent}; write the output elsewhere")


def is_store_file_name(name: str) -> bool:
    """Whether ``name`` is one a store folder keeps for itself (database, side files, indexes, lock, state)."""
    return (name.startswith((STORE_MARK, "index-", "tokens-", "index.json", ".tmbuild", ".index-", ".tokens-",
                             ".index.json", ".shards-")))


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


_CONTROL = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]}
_CONTROL.update({0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r", 0x2028: "\\u2028", 0x2029: "\\u2029"})


def shown(text: object) -> str:
    """A name as one printable line: a file name holding a newline (Linux allows it) or a terminal escape
    cannot forge or colour lines of a report. Bytes that are not UTF-8 are escaped as :func:`path_text` does."""
    return path_text(str(text)).translate(_CONTROL)


def os_error_text(e: OSError) -> str:
    """An operating-system error as one line: the file it concerns (when known) and what went wrong."""
    return (f"{e.filename}: " if e.filename else "") + str(e.strerror or e)
