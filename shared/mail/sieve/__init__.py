"""Sieve (RFC 5228) import and export of a user's filters and vacation setting (B2); pure
code, no I/O."""

from shared.mail.sieve.export import SieveExport, export_sieve, export_sieve_report
from shared.mail.sieve.import_ import ImportResult, import_sieve
from shared.mail.sieve.lexer import SieveSyntaxError
from shared.mail.sieve.parser import parse

__all__ = [
    "ImportResult",
    "SieveExport",
    "SieveSyntaxError",
    "export_sieve",
    "export_sieve_report",
    "import_sieve",
    "parse",
]
