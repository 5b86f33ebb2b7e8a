"""What the benchmarks that compare two commands in alternating rounds share: their options, a core kept busy,
the machine line of their tables."""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import subprocess
import sys
from collections.abc import Iterator


def rounds_parser(description: str, docs: int) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--docs", type=int, default=docs)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--busy", action="store_true", help="keep one core busy with another process")
    return ap


@contextlib.contextmanager
def busy_core(on: bool) -> Iterator[None]:
    """Another program keeps one core busy while the block runs, as on a user's machine."""
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if on else None
    try:
        yield
    finally:
        if busy:
            busy.kill()


def machine(busy: bool) -> str:
    return (f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
            + (", one core kept busy" if busy else ""))
