"""`make bench-ingest`: SMTP ingest throughput and 250-to-searchable latency."""
