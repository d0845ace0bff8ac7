-- Tokens minted when an email or channel post is sent belong to that
-- delivery: a retried send replaces the unsent one's hash.
ALTER TABLE tokens ADD COLUMN delivery_id TEXT REFERENCES deliveries (id);
CREATE INDEX tokens_by_delivery ON tokens (delivery_id);
