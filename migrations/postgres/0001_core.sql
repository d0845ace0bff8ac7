-- pausegate on PostgreSQL: the same tables as the SQLite schema after all
-- its migrations. Times are milliseconds since the Unix epoch, UTC,
-- written by the application's clock (never now()).

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
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    decided_at      BIGINT
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
    at       BIGINT NOT NULL
);

-- The outbox: every trigger and notification to send, with its attempts.
CREATE TABLE deliveries (
    id              TEXT PRIMARY KEY,
    pause_id        TEXT NOT NULL REFERENCES pauses (id),
    kind            TEXT NOT NULL CHECK (kind IN ('trigger', 'email', 'channel')),
    destination     TEXT NOT NULL,
    event           TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT,
    external_id     TEXT,
    next_attempt_at BIGINT NOT NULL,
    lease_until     BIGINT,
    lease_id        TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX deliveries_by_pause ON deliveries (pause_id, created_at);

-- One row per send attempt: the per-target hourly limit counts these.
CREATE TABLE delivery_attempts (
    delivery_id TEXT NOT NULL REFERENCES deliveries (id),
    kind        TEXT NOT NULL,
    destination TEXT NOT NULL,
    at          BIGINT NOT NULL
);

CREATE INDEX delivery_attempts_by_destination ON delivery_attempts (kind, destination, at);
CREATE INDEX delivery_attempts_by_time ON delivery_attempts (at);

-- Only the SHA-256 of each token is kept; a token minted for an email or a
-- channel post belongs to that delivery.
CREATE TABLE tokens (
    hash        BYTEA PRIMARY KEY,
    pause_id    TEXT NOT NULL REFERENCES pauses (id),
    kind        TEXT NOT NULL CHECK (kind IN ('creator', 'recipient', 'channel')),
    actor       TEXT,
    delivery_id TEXT REFERENCES deliveries (id),
    created_at  BIGINT NOT NULL
);

CREATE INDEX tokens_by_pause ON tokens (pause_id);
CREATE INDEX tokens_by_delivery ON tokens (delivery_id);
