"""Mail filters and their Sieve import and export (F25-F27, B2)."""

from __future__ import annotations

from services.gateway.endpoints import API, Endpoint, private
from services.gateway.handlers import filters, sieve
from services.gateway.schemas.filters import (
    FilterCreate,
    FilterIn,
    FilterList,
    FilterOrder,
    FilterOut,
    FilterTestIn,
    FilterTestOut,
    SieveExportOut,
    SieveImportIn,
    SieveImportOut,
    SieveQuery,
)

_FILTERS = f"{API}/filters"
_FILTER = f"{_FILTERS}/{{id}}"
_TAG = "filters"

# The fixed paths (order, test, sieve) come before `{id}`.
FILTERS: tuple[Endpoint, ...] = (
    private(
        "GET",
        _FILTERS,
        filters.list_filters,
        "The filters, in the order they run",
        FilterList,
        tag=_TAG,
    ),
    private(
        "POST",
        _FILTERS,
        filters.create_filter,
        "Create a filter (at `position`, else last); a folder not the account's: 404",
        FilterOut,
        request=FilterCreate,
        errors=(404,),
        tag=_TAG,
        status=201,
    ),
    private(
        "PUT",
        f"{_FILTERS}/order",
        filters.reorder_filters,
        "Put the filters in this order (422 unless every id exactly once)",
        FilterList,
        request=FilterOrder,
        errors=(422,),
        tag=_TAG,
    ),
    private(
        "POST",
        f"{_FILTERS}/test",
        filters.test_filters,
        "What each filter would do with one of the account's messages (nothing changes)",
        FilterTestOut,
        request=FilterTestIn,
        errors=(404,),
        tag=_TAG,
    ),
    private(
        "GET",
        f"{_FILTERS}/sieve",
        sieve.export_filters,
        "The filters as a Sieve script (RFC 5228); ?format=json: a SieveExportOut, the "
        "script with notes on what other servers will not run",
        None,
        content_type=sieve.SIEVE,
        json_alternative=SieveExportOut,
        query=SieveQuery,
        tag=_TAG,
    ),
    private(
        "POST",
        f"{_FILTERS}/sieve",
        sieve.import_filters,
        "Import a Sieve script's filters (appended, or replacing all); unsupported parts are "
        "listed in `skipped`; a syntax error: 400 sieve_syntax",
        SieveImportOut,
        request=SieveImportIn,
        tag=_TAG,
    ),
    private("GET", _FILTER, filters.get_filter, "A filter", FilterOut, errors=(404,), tag=_TAG),
    private(
        "PUT",
        _FILTER,
        filters.update_filter,
        "Replace every field of a filter (its place in the order stays)",
        FilterOut,
        request=FilterIn,
        errors=(404,),
        tag=_TAG,
    ),
    private(
        "DELETE",
        _FILTER,
        filters.delete_filter,
        "Delete a filter",
        None,
        errors=(404,),
        tag=_TAG,
        status=204,
    ),
)
