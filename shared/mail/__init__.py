"""Mail libraries: MIME, composing, reports, threads, queries, filters and Sieve."""
