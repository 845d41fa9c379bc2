"""Search index adapters: SQLite FTS5 embedded, OpenSearch distributed."""
