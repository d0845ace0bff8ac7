-- The transparency log of receipts. A receipt is no longer chained to the
-- one before it (which needed a lock every settlement queued on): it gets
-- its number from a sequence and, once integrated, its index in the log.
-- The log keeps, per tile level, the hashes of its complete subtrees
-- (level 0: the leaf hashes), a signed checkpoint per integrated batch,
-- the integrator's lease, and the key its checkpoints are signed with.
CREATE SEQUENCE receipt_numbers;
SELECT setval('receipt_numbers', COALESCE((SELECT MAX(seq) FROM receipts), 0) + 1, false);
ALTER TABLE receipts ALTER COLUMN seq SET DEFAULT nextval('receipt_numbers');
ALTER TABLE receipts ADD COLUMN log_index BIGINT;
CREATE UNIQUE INDEX receipts_by_log_index ON receipts (log_index) WHERE log_index IS NOT NULL;
CREATE INDEX receipts_unlogged ON receipts (seq) WHERE log_index IS NULL;
CREATE TABLE log_hashes (
    tile_level BIGINT NOT NULL,
    idx        BIGINT NOT NULL,
    hash       TEXT NOT NULL,
    PRIMARY KEY (tile_level, idx)
);
CREATE TABLE log_checkpoints (
    size       BIGINT PRIMARY KEY,
    root       TEXT NOT NULL,
    note       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE log_lease (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE TABLE log_key (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    origin     TEXT NOT NULL,
    seed       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
