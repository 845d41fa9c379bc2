-- The mailbox core (issue 13). Each folder keeps its bytes beside its counts, so a quota
-- (its Trash share) is read from the folders alone; counted here from the messages there.
ALTER TABLE folders ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
UPDATE folders SET bytes = (SELECT COALESCE(SUM(size), 0) FROM messages WHERE folder_id = folders.id);

-- Headers, bodies and attachments move out of the message row: SQLite rewrites a whole
-- row (and its overflow pages) on any update, so a flag change wrote the message's text
-- again. The row keeps what listing, IMAP and the rules read.
CREATE TABLE message_bodies (
    id          TEXT PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    parsed      TEXT NOT NULL          -- JSON: headers, bodies, attachments
);
INSERT INTO message_bodies(id, parsed) SELECT id, parsed FROM messages;
ALTER TABLE messages DROP COLUMN parsed;
