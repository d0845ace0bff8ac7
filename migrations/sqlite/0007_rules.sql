-- Who may decide: a pause may carry approver rules (JSON) and who asked
-- for it, and may collect several decisions (a quorum), each saying how
-- its actor was identified. SQLite cannot drop a primary key, so
-- decisions is rebuilt with a key of its own.
ALTER TABLE pauses ADD COLUMN rules TEXT;
ALTER TABLE pauses ADD COLUMN requested_by TEXT;

CREATE TABLE decisions_rebuilt (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    pause_id      TEXT NOT NULL REFERENCES pauses (id),
    decision      TEXT NOT NULL CHECK (decision IN ('approve', 'reject')),
    actor         TEXT,
    via           TEXT NOT NULL CHECK (via IN ('link', 'api', 'timeout')),
    identified_by TEXT,
    comment       TEXT,
    at            INTEGER NOT NULL
);
INSERT INTO decisions_rebuilt (pause_id, decision, actor, via, comment, at)
    SELECT pause_id, decision, actor, via, comment, at FROM decisions;
DROP TABLE decisions;
ALTER TABLE decisions_rebuilt RENAME TO decisions;
CREATE INDEX decisions_by_pause ON decisions (pause_id, id);
