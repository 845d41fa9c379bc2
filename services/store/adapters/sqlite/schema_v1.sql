-- Bureau mailbox store, SQLite adapter. Times are UTC ISO-8601 strings (sortable).
CREATE TABLE IF NOT EXISTS domains (
    name        TEXT PRIMARY KEY,
    created_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS accounts (
    id            TEXT PRIMARY KEY,
    address       TEXT NOT NULL UNIQUE,
    domain        TEXT NOT NULL REFERENCES domains(name),
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    modseq        INTEGER NOT NULL DEFAULT 0   -- last modification sequence of the account
);
CREATE TABLE IF NOT EXISTS folders (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    role        TEXT,
    parent_id   TEXT REFERENCES folders(id),
    total       INTEGER NOT NULL DEFAULT 0,
    unread      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS folders_account ON folders(account_id);
CREATE TABLE IF NOT EXISTS messages (
    id              TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    folder_id       TEXT NOT NULL REFERENCES folders(id),
    event_id        TEXT NOT NULL,
    blob_id         TEXT NOT NULL,
    size            INTEGER NOT NULL,
    received_at     TEXT NOT NULL,
    date            TEXT NOT NULL,
    subject         TEXT NOT NULL,
    sender          TEXT,               -- JSON Address or NULL
    recipients      TEXT NOT NULL,      -- JSON {"to": [...], "cc": [...]}
    unread          INTEGER NOT NULL,
    flagged         INTEGER NOT NULL,
    has_attachments INTEGER NOT NULL,
    thread_id       TEXT NOT NULL,
    modseq          INTEGER NOT NULL,
    message_id_hdr  TEXT,
    parsed          TEXT NOT NULL,      -- JSON: references, headers, bodies, attachments
    UNIQUE (account_id, event_id)
);
CREATE INDEX IF NOT EXISTS messages_folder_date ON messages(account_id, folder_id, date DESC);
CREATE INDEX IF NOT EXISTS messages_msgid ON messages(account_id, message_id_hdr);
CREATE TABLE IF NOT EXISTS journal (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    account_id  TEXT NOT NULL,
    modseq      INTEGER NOT NULL,
    event       TEXT NOT NULL,          -- JSON MailboxChanged
    published   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS journal_unpublished ON journal(seq) WHERE published = 0;
CREATE INDEX IF NOT EXISTS journal_account ON journal(account_id, modseq);
