-- Who may decide: a pause may carry approver rules (JSON) and who asked
-- for it, and may collect several decisions (a quorum), each saying how
-- its actor was identified.
ALTER TABLE pauses ADD COLUMN rules TEXT;
ALTER TABLE pauses ADD COLUMN requested_by TEXT;
ALTER TABLE decisions DROP CONSTRAINT decisions_pkey;
ALTER TABLE decisions ADD COLUMN id BIGSERIAL PRIMARY KEY;
ALTER TABLE decisions ADD COLUMN identified_by TEXT;
CREATE INDEX decisions_by_pause ON decisions (pause_id, id);
