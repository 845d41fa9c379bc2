-- Mailbox organisation: UIDs per folder, tags, comments, Trash bookkeeping, preferences,
-- plans and quota, and the list of blobs that lost their last message.
ALTER TABLE folders ADD COLUMN uidvalidity INTEGER NOT NULL DEFAULT 1;
ALTER TABLE folders ADD COLUMN uidnext INTEGER NOT NULL DEFAULT 1;
ALTER TABLE folders ADD COLUMN trashed_at TEXT;
ALTER TABLE messages ADD COLUMN uid INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE messages ADD COLUMN comment TEXT;
ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN trashed_from TEXT;
ALTER TABLE messages ADD COLUMN trashed_at TEXT;
ALTER TABLE messages ADD COLUMN sender_sort TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN refs TEXT NOT NULL DEFAULT '{"in_reply_to": [], "references": []}';
ALTER TABLE accounts ADD COLUMN plan TEXT;
ALTER TABLE accounts ADD COLUMN preferences TEXT NOT NULL DEFAULT '{}';
ALTER TABLE accounts ADD COLUMN used_bytes INTEGER NOT NULL DEFAULT 0;

UPDATE folders SET uidvalidity = CAST(strftime('%s', 'now') AS INTEGER);
UPDATE messages SET
    uid = (SELECT n FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY folder_id ORDER BY received_at, id) AS n
                          FROM messages) AS r WHERE r.id = messages.id),
    sender_sort = lower(COALESCE(NULLIF(json_extract(sender, '$.name'), ''), json_extract(sender, '$.address'), '')),
    refs = json_object('in_reply_to', json_extract(parsed, '$.in_reply_to'),
                       'references', json_extract(parsed, '$.references'));
UPDATE folders SET uidnext = 1 + (SELECT COUNT(*) FROM messages WHERE folder_id = folders.id);
UPDATE accounts SET used_bytes = (SELECT COALESCE(SUM(size), 0) FROM messages WHERE account_id = accounts.id);

CREATE UNIQUE INDEX messages_uid ON messages(folder_id, uid);
CREATE INDEX messages_blob ON messages(blob_id);
CREATE INDEX messages_folder_size ON messages(account_id, folder_id, size);
CREATE INDEX messages_folder_subject ON messages(account_id, folder_id, subject COLLATE NOCASE);
CREATE INDEX messages_folder_sender ON messages(account_id, folder_id, sender_sort);
CREATE INDEX folders_parent ON folders(account_id, parent_id);

CREATE TABLE tags (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    color       TEXT NOT NULL,
    UNIQUE (account_id, name)
);
CREATE TABLE plans (
    name        TEXT PRIMARY KEY,
    limits      TEXT NOT NULL            -- JSON Plan
);
CREATE TABLE orphan_blobs (
    blob_id     TEXT PRIMARY KEY,
    since       TEXT NOT NULL
);
