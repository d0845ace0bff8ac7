-- Expiry looks for pending pauses with expires_at <= now. A composite
-- index bounds both columns, so the planner takes one index range for it
-- (it preferred pauses_by_state and a sort over the partial index).
DROP INDEX pauses_pending_by_expiry;
CREATE INDEX pauses_by_expiry ON pauses (state, expires_at);
