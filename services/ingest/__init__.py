"""ingest: the edges that bring mail in (SMTP now; submission, imports later)."""
