-- One row per target with an hourly limit: on PostgreSQL a claim checks
-- the limit holding the row's lock; SQLite's single writer needs none, and
-- keeps the table so both schemas stay alike.
CREATE TABLE target_turns (
    kind TEXT NOT NULL,
    destination TEXT NOT NULL,
    PRIMARY KEY (kind, destination)
);
