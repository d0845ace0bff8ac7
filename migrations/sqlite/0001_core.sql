-- Pauses, their decisions, and the hashes of the tokens that open them.
-- Times are milliseconds since the Unix epoch, UTC, written by the
-- application's clock (never the database's).

CREATE TABLE pauses (
    id              TEXT PRIMARY KEY,
    state           TEXT NOT NULL
                    CHECK (state IN ('pending', 'approved', 'rejected', 'expired', 'cancelled')),
    title           TEXT NOT NULL,
    description     TEXT NOT NULL,
    data            TEXT NOT NULL,
    target          TEXT,
    target_params   TEXT,
    on_reject       TEXT,
    on_expire       TEXT NOT NULL,
    notify          TEXT NOT NULL,
    idempotency_key TEXT UNIQUE,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    decided_at      INTEGER
);

CREATE INDEX pauses_newest_first ON pauses (created_at DESC, id DESC);
CREATE INDEX pauses_by_state ON pauses (state, created_at DESC, id DESC);
CREATE INDEX pauses_pending_by_expiry ON pauses (expires_at) WHERE state = 'pending';

-- The first decision wins, so a pause has at most one.
CREATE TABLE decisions (
    pause_id TEXT PRIMARY KEY REFERENCES pauses (id),
    decision TEXT NOT NULL CHECK (decision IN ('approve', 'reject')),
    actor    TEXT,
    via      TEXT NOT NULL CHECK (via IN ('link', 'api', 'timeout')),
    comment  TEXT,
    at       INTEGER NOT NULL
);

-- Only the SHA-256 of each token is kept.
CREATE TABLE tokens (
    hash       BLOB PRIMARY KEY,
    pause_id   TEXT NOT NULL REFERENCES pauses (id),
    kind       TEXT NOT NULL CHECK (kind IN ('creator', 'recipient', 'channel')),
    actor      TEXT,
    created_at INTEGER NOT NULL
);

CREATE INDEX tokens_by_pause ON tokens (pause_id);
