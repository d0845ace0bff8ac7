-- The transparency log of receipts. A receipt is no longer chained to the
-- one before it: it gets its number from the table (SQLite's rowid) and,
-- once integrated, its index in the log. The log keeps, per tile level,
-- the hashes of its complete subtrees (level 0: the leaf hashes), a signed
-- checkpoint per integrated batch, the integrator's lease, and the key its
-- checkpoints are signed with.
ALTER TABLE receipts ADD COLUMN log_index INTEGER;
CREATE UNIQUE INDEX receipts_by_log_index ON receipts (log_index) WHERE log_index IS NOT NULL;
CREATE INDEX receipts_unlogged ON receipts (seq) WHERE log_index IS NULL;
CREATE TABLE log_hashes (
    tile_level INTEGER NOT NULL,
    idx        INTEGER NOT NULL,
    hash       TEXT NOT NULL,
    PRIMARY KEY (tile_level, idx)
) WITHOUT ROWID;
CREATE TABLE log_checkpoints (
    size       INTEGER PRIMARY KEY,
    root       TEXT NOT NULL,
    note       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE log_lease (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE log_key (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    origin     TEXT NOT NULL,
    seed       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
