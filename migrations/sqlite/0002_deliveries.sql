-- The outbox: every trigger and notification to send, with its attempts.
-- A delivery is claimed with a lease (lease_until, lease_id); one whose
-- lease ran out is claimed again, keeping its id so receivers can
-- de-duplicate.

CREATE TABLE deliveries (
    id              TEXT PRIMARY KEY,
    pause_id        TEXT NOT NULL REFERENCES pauses (id),
    kind            TEXT NOT NULL CHECK (kind IN ('trigger', 'email', 'channel')),
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

CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX deliveries_by_pause ON deliveries (pause_id, created_at);

-- One row per send attempt, kept an hour or more: the per-target rate limit
-- counts these.
CREATE TABLE delivery_attempts (
    delivery_id TEXT NOT NULL REFERENCES deliveries (id),
    kind        TEXT NOT NULL,
    destination TEXT NOT NULL,
    at          INTEGER NOT NULL
);

CREATE INDEX delivery_attempts_by_destination ON delivery_attempts (kind, destination, at);
CREATE INDEX delivery_attempts_by_time ON delivery_attempts (at);
