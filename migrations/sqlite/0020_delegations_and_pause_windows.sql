-- Delegations: while `person` is away (from `starts_at` until `ends_at`,
-- milliseconds since the epoch), `delegate` may decide for them, on
-- every pause or only on those tagged `tag`. Addresses are stored in
-- lower case, as they are compared. A delegation is never changed; it is
-- deleted when withdrawn.
CREATE TABLE delegations (
    id          TEXT PRIMARY KEY,
    person      TEXT NOT NULL,
    delegate    TEXT NOT NULL,
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL,
    tag         TEXT,
    created_by  TEXT,
    created_at  INTEGER NOT NULL
);
CREATE INDEX delegations_by_delegate ON delegations (delegate, ends_at);
CREATE INDEX delegations_by_person ON delegations (person, ends_at);

-- One row per person who ever delegated: recording a delegation holds
-- that person's row, so two overlapping ones cannot both pass the check.
CREATE TABLE delegation_turns (
    person TEXT PRIMARY KEY
);

-- The person a delegate decided for, when they decided for someone.
ALTER TABLE decisions ADD COLUMN on_behalf_of TEXT;

-- The change window a pause keeps to besides its target's (NULL: none).
ALTER TABLE pauses ADD COLUMN window_name TEXT;
-- Who released its held start early, and when (JSON; NULL: nobody).
ALTER TABLE pauses ADD COLUMN released TEXT;
