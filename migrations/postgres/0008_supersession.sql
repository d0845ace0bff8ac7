-- Supersession: a pause may belong to a group; a newer pause of the group
-- cancels the older pending ones and is recorded as what superseded them.
ALTER TABLE pauses ADD COLUMN group_key TEXT;
ALTER TABLE pauses ADD COLUMN superseded_by TEXT;
CREATE INDEX pauses_pending_by_group ON pauses (group_key) WHERE state = 'pending';
