-- Creates of one group take turns on its row here, so that of pauses
-- created at the same instant exactly one stays pending.
CREATE TABLE pause_groups (
    group_key TEXT PRIMARY KEY
);
-- Idempotency keys belong to whoever sent them: the stored key is
-- "<length of scope>:<scope>:<key>", the scope being the caller
-- ("caller:NAME"), the server's own key ("server") or an orchestrator's
-- callback ("callback"). A repeated key must come with the same request,
-- whose SHA-256 is kept beside it (NULL for pauses made before).
ALTER TABLE pauses ADD COLUMN request_sha256 TEXT;
UPDATE pauses SET idempotency_key = CASE
    WHEN idempotency_key LIKE 'callback-%' THEN '8:callback:' || idempotency_key
    WHEN requested_by IS NULL THEN '6:server:' || idempotency_key
    ELSE (length(requested_by) + 7) || ':caller:' || requested_by || ':' || idempotency_key
END
WHERE idempotency_key IS NOT NULL;
