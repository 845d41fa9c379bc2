-- Composing and sending (issue 5): aliases, sender identities, the personal profile, the
-- right to send as outside addresses, the count of messages sent, and uploads.
ALTER TABLE accounts ADD COLUMN external_senders INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN profile TEXT NOT NULL DEFAULT '{}';   -- JSON Profile

-- Other addresses that reach an account. An address belongs to one account or alias:
-- the triggers refuse it both ways, as the UNIQUE constraints do inside each table.
CREATE TABLE aliases (
    address     TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE
);
CREATE INDEX aliases_account ON aliases(account_id);
CREATE TRIGGER aliases_not_accounts BEFORE INSERT ON aliases
WHEN EXISTS (SELECT 1 FROM accounts WHERE address = NEW.address)
BEGIN
    SELECT RAISE(ABORT, 'an account has this address');
END;
CREATE TRIGGER accounts_not_aliases BEFORE INSERT ON accounts
WHEN EXISTS (SELECT 1 FROM aliases WHERE address = NEW.address)
BEGIN
    SELECT RAISE(ABORT, 'an alias has this address');
END;

-- Sender identities (F5, F21), oldest first by `seq`.
CREATE TABLE identities (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    address     TEXT NOT NULL,
    fields      TEXT NOT NULL,          -- JSON IdentityFields
    UNIQUE (account_id, address)
);
-- Every account has its own address as its first identity.
INSERT INTO identities(id, account_id, address, fields)
SELECT bureau_derived_id(id, 'identity'), id, address, json_object('address', address, 'name', '')
FROM accounts ORDER BY created_at, id;

-- Messages counted against the plan's messages per day, by when they were sent.
CREATE TABLE submissions (
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    event_id    TEXT NOT NULL,
    at          TEXT NOT NULL,
    PRIMARY KEY (account_id, event_id)
);
CREATE INDEX submissions_at ON submissions(account_id, at);

-- Files uploaded for messages being composed; they expire.
CREATE TABLE uploads (
    id            TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    blob_id       TEXT NOT NULL,
    filename      TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          INTEGER NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX uploads_created ON uploads(created_at);
CREATE INDEX uploads_blob ON uploads(blob_id);
