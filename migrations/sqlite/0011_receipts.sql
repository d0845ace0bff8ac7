-- Receipts: a signed receipt per settled pause, chained by the hash of the
-- receipt before it, and the public keys that signed them (a generated
-- key's private half too). Decisions may now be made by a policy, so the
-- table is rebuilt with `policy` among the channels (SQLite cannot alter
-- a CHECK).
CREATE TABLE receipts (
    seq        INTEGER PRIMARY KEY,
    pause_id   TEXT NOT NULL UNIQUE,
    kid        TEXT NOT NULL,
    hash       TEXT NOT NULL,
    jws        TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE receipt_keys (
    kid         TEXT PRIMARY KEY,
    public_key  TEXT NOT NULL,
    private_key TEXT,
    created_at  INTEGER NOT NULL,
    retired_at  INTEGER
);

CREATE TABLE decisions_rebuilt (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    pause_id      TEXT NOT NULL REFERENCES pauses (id),
    decision      TEXT NOT NULL CHECK (decision IN ('approve', 'reject')),
    actor         TEXT,
    via           TEXT NOT NULL CHECK (via IN ('link', 'api', 'timeout', 'policy')),
    identified_by TEXT,
    comment       TEXT,
    at            INTEGER NOT NULL,
    inputs        TEXT
);
INSERT INTO decisions_rebuilt (id, pause_id, decision, actor, via, identified_by, comment, at, inputs)
    SELECT id, pause_id, decision, actor, via, identified_by, comment, at, inputs FROM decisions;
DROP TABLE decisions;
ALTER TABLE decisions_rebuilt RENAME TO decisions;
CREATE INDEX decisions_by_pause ON decisions (pause_id, id);
