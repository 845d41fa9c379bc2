-- The mailbox core (issue 13) keeps each folder's bytes beside its counts, so a quota (its
-- Trash share) is read from the folders alone; counted here from the messages there.
ALTER TABLE folders ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
UPDATE folders SET bytes = (SELECT COALESCE(SUM(size), 0) FROM messages WHERE folder_id = folders.id);
