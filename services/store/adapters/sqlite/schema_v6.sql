-- IMAP (issue 6): the \Answered and \Draft flags, and the names each account subscribed to.
ALTER TABLE messages ADD COLUMN answered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN draft INTEGER NOT NULL DEFAULT 0;

CREATE TABLE subscriptions (
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    PRIMARY KEY (account_id, name)
);
