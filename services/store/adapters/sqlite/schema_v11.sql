-- The HTTP API's Idempotency-Key: the first request with a key claims it (with the
-- fingerprint of its body and the event id its work uses); its answer is kept for retries.
CREATE TABLE idempotency_keys (
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    digest      TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    answer      TEXT,
    PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys(account_id, created_at);
