-- IMAP opens a folder by reading every message's UID, flags, keywords, size, date and
-- modseq (`folder_uids`). This index holds all of them in UID order, so SELECT reads
-- the index alone, never the rows with their parsed headers and bodies.
CREATE INDEX messages_imap ON messages(
    folder_id, uid, id, blob_id, unread, flagged, deleted, answered, draft, tags, size,
    received_at, modseq
);
