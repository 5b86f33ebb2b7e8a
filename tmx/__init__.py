"""TMX 1.4b: write, read, validate. Knows the format only."""

from .model import SEGTYPES, TmxHeader, TmxUnit, tmx_date
from .reader import iter_units, read_header, read_tmx
from .validate import validate
from .writer import WriteReport, clean_xml_text, write_tmx

__all__ = ["SEGTYPES", "TmxHeader", "TmxUnit", "WriteReport", "clean_xml_text", "iter_units", "read_header",
           "read_tmx", "tmx_date", "validate", "write_tmx"]
