-- Automation (issue 7): things done once per account (a vacation reply per sender and
-- period, a warning, a notification), SMS parts used per calendar month, and the read
-- receipt a received message asks for (RFC 8098).
CREATE TABLE once_marks (
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    at          TEXT NOT NULL,
    PRIMARY KEY (account_id, key)
);

CREATE TABLE sms_usage (
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    month       TEXT NOT NULL,
    parts       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, month)
);

ALTER TABLE messages ADD COLUMN receipt_to TEXT;
ALTER TABLE messages ADD COLUMN receipt_state TEXT;
CREATE INDEX messages_receipt_pending ON messages(account_id, received_at)
    WHERE receipt_state = 'pending';
