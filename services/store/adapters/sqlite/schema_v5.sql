-- Abuse handling (issue 6): an administrator can stop an account sending mail.
ALTER TABLE accounts ADD COLUMN submission_blocked INTEGER NOT NULL DEFAULT 0;
