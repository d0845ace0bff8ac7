-- How the caller that asked for a pause was identified (a named API key,
-- an OpenID Connect token, the server's own key), so a page can say who
-- asked without guessing from the name.
ALTER TABLE pauses ADD COLUMN requester_identified_by TEXT;
