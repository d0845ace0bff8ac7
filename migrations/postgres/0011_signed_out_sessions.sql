-- Sign-in sessions ended by signing out before their cookie expired: a
-- copied cookie is refused until then, by every replica sharing the
-- database. A row goes once the session would have expired anyway
-- (`expires_at`, milliseconds since the epoch).
CREATE TABLE signed_out_sessions (
    id         TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX signed_out_sessions_by_expiry ON signed_out_sessions (expires_at);
