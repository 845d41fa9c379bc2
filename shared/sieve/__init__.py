"""Sieve (RFC 5228) import and export of a user's filters and vacation setting (B2); pure
code, no I/O."""

from services.filters.sieve.export import SieveExport, export_sieve, export_sieve_report
from services.filters.sieve.import_ import ImportResult, import_sieve
from services.filters.sieve.lexer import SieveSyntaxError
from services.filters.sieve.parser import parse

__all__ = [
    "ImportResult",
    "SieveExport",
    "SieveSyntaxError",
    "export_sieve",
    "export_sieve_report",
    "import_sieve",
    "parse",
]
