//! Sign-in sessions ended by signing out. A session lives in a signed
//! cookie, so without a record a copy of the cookie would outlive the
//! sign-out; each ended session's id is kept until the session would have
//! expired anyway, in the database every replica shares, and every page
//! that reads a session asks here first.

use chrono::{DateTime, Utc};

use super::rows::to_millis;
use super::{Conn, args};
use crate::store::StoreError;

/// Records session `id` (valid until `expires_at`) as ended, and forgets
/// the ended sessions that have expired by `now`: their cookies are
/// refused by their own expiry.
pub async fn end<C: Conn>(
    c: &mut C,
    id: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO signed_out_sessions (id, expires_at) VALUES ($1, $2) \
         ON CONFLICT (id) DO NOTHING"
            .into(),
        args![id, to_millis(expires_at)],
    )
    .await?;
    c.execute(
        "DELETE FROM signed_out_sessions WHERE expires_at <= $1".into(),
        args![to_millis(now)],
    )
    .await?;
    Ok(())
}

/// Whether session `id` was ended.
pub async fn ended<C: Conn>(c: &mut C, id: &str) -> Result<bool, StoreError> {
    let found: Option<i64> = c
        .fetch_optional(
            "SELECT expires_at FROM signed_out_sessions WHERE id = $1".into(),
            args![id],
        )
        .await?;
    Ok(found.is_some())
}
