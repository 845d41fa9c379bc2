-- IMAP UIDVALIDITY (RFC 9051 §2.3.1.1) is never given twice in an account: the last one
-- given is kept, and the next is the clock second or one more, whichever is later. Values
-- given before this version were clock seconds, so the count starts past them and now.
ALTER TABLE accounts ADD COLUMN uidvalidity INTEGER NOT NULL DEFAULT 0;
UPDATE accounts SET uidvalidity = MAX(
    CAST(strftime('%s', 'now') AS INTEGER),
    (SELECT COALESCE(MAX(uidvalidity), 0) FROM folders WHERE account_id = accounts.id)
);
