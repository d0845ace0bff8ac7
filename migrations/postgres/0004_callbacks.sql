-- Callbacks: a pause may hold how to answer the orchestrator waiting for
-- it (kind and URL, as JSON; the URL is a secret), and the outbox gains a
-- delivery kind for that answer.
ALTER TABLE pauses ADD COLUMN callback TEXT;
ALTER TABLE deliveries DROP CONSTRAINT deliveries_kind_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_kind_check
    CHECK (kind IN ('trigger', 'email', 'channel', 'callback'));
