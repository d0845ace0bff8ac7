-- Callbacks: a pause may hold how to answer the orchestrator waiting for
-- it (kind and URL, as JSON; the URL is a secret), and the outbox gains a
-- delivery kind for that answer. SQLite cannot change a CHECK constraint,
-- so deliveries is rebuilt; foreign keys pointing at it are checked at
-- commit, when the rebuilt table holds every row again.
PRAGMA defer_foreign_keys = ON;

ALTER TABLE pauses ADD COLUMN callback TEXT;

CREATE TABLE deliveries_rebuilt (
    id              TEXT PRIMARY KEY,
    pause_id        TEXT NOT NULL REFERENCES pauses (id),
    kind            TEXT NOT NULL CHECK (kind IN ('trigger', 'email', 'channel', 'callback')),
    destination     TEXT NOT NULL,
    event           TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    external_id     TEXT,
    next_attempt_at INTEGER NOT NULL,
    lease_until     INTEGER,
    lease_id        TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
INSERT INTO deliveries_rebuilt SELECT * FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_rebuilt RENAME TO deliveries;
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX deliveries_by_pause ON deliveries (pause_id, created_at);
