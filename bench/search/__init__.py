"""`make bench-search`: the embedded index on a 100,000-message mailbox, against tantivy."""
