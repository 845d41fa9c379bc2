-- Recent searches (F32): the last few queries of each account.
CREATE TABLE recent_searches (
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    query       TEXT NOT NULL,
    seq         INTEGER NOT NULL,        -- grows with each search: newest is highest
    PRIMARY KEY (account_id, query)
);
