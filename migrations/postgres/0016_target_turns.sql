-- One row per target with an hourly limit: a claim checks the limit
-- holding the row's lock (FOR UPDATE SKIP LOCKED), a plain row lock where
-- the advisory lock used before is missing on some engines.
CREATE TABLE target_turns (
    kind TEXT NOT NULL,
    destination TEXT NOT NULL,
    PRIMARY KEY (kind, destination)
);
