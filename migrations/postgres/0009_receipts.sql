-- Receipts: a signed receipt per settled pause, chained by the hash of the
-- receipt before it, and the public keys that signed them (a generated
-- key's private half too). Decisions may now be made by a policy.
CREATE TABLE receipts (
    seq        BIGINT PRIMARY KEY,
    pause_id   TEXT NOT NULL UNIQUE,
    kid        TEXT NOT NULL,
    hash       TEXT NOT NULL,
    jws        TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE receipt_keys (
    kid         TEXT PRIMARY KEY,
    public_key  TEXT NOT NULL,
    private_key TEXT,
    created_at  BIGINT NOT NULL,
    retired_at  BIGINT
);
ALTER TABLE decisions DROP CONSTRAINT decisions_via_check;
ALTER TABLE decisions ADD CONSTRAINT decisions_via_check
    CHECK (via IN ('link', 'api', 'timeout', 'policy'));
