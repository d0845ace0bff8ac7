-- A settled pause's outcome used once: the MCP gateway redeems an
-- approval before it forwards the call it was for, and any caller that
-- must act on a decision once can do the same. The primary key lets one
-- redemption in; `redeemed_at` is milliseconds since the epoch.
CREATE TABLE redemptions (
    pause_id    TEXT PRIMARY KEY REFERENCES pauses (id),
    redeemed_at INTEGER NOT NULL,
    redeemed_by TEXT
);
