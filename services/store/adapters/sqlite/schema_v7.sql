-- Filters (issue 7): each account's ordered filters, and the filters that matched a message
-- on arrival. `position` runs 0..n-1 within an account; `fields` is FilterFields as JSON.
CREATE TABLE filters (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    fields      TEXT NOT NULL
);
CREATE INDEX filters_account_position ON filters(account_id, position);

ALTER TABLE messages ADD COLUMN matched_filters TEXT NOT NULL DEFAULT '[]';
