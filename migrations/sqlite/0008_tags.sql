-- Tags: the pause keeps its list (JSON) for reading; pause_tags holds one
-- row per tag, keyed so that a tag's pauses, newest first, are one index
-- range (`?tag=` on the list).
ALTER TABLE pauses ADD COLUMN tags TEXT;
CREATE TABLE pause_tags (
    tag        TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    pause_id   TEXT NOT NULL REFERENCES pauses (id),
    PRIMARY KEY (tag, created_at, pause_id)
);
