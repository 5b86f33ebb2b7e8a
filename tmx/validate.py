"""Validate a TMX file against the TMX 1.4b DTD shipped with tmbuild."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from lxml import etree


def dtd() -> etree.DTD:
    with resources.files("tmx").joinpath("tmx14b.dtd").open("rb") as f:
        return etree.DTD(f)


def validate(path: str | Path) -> list[str]:
    """Return DTD violations as readable lines; an empty list means valid."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    tree = etree.parse(str(path), parser)
    d = dtd()
    if d.validate(tree):
        return []
    return [f"line {e.line}: {e.message}" for e in d.error_log.filter_from_errors()]
