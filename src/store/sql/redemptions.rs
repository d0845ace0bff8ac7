//! Redemptions: a settled pause's outcome used once. The row's primary
//! key lets one redemption in however many race for it, on either backend;
//! a later one reads who came first.

use chrono::{DateTime, Utc};

use super::rows::{from_millis, to_millis};
use super::{Columns, Conn, FromColumns, args};
use crate::domain::PauseId;
use crate::store::{Redemption, StoreError};

struct Earlier(i64, Option<String>);

impl FromColumns for Earlier {
    fn from_columns(row: &dyn Columns) -> Result<Self, StoreError> {
        Ok(Self(row.int(0)?, row.opt_text(1)?))
    }
}

/// Redeems pause `id` for `by` at `at`, unless it was redeemed before.
pub async fn redeem<C: Conn>(
    c: &mut C,
    id: &PauseId,
    by: Option<&str>,
    at: DateTime<Utc>,
) -> Result<Redemption, StoreError> {
    let inserted = c
        .execute(
            "INSERT INTO redemptions (pause_id, redeemed_at, redeemed_by) VALUES ($1, $2, $3) \
             ON CONFLICT (pause_id) DO NOTHING"
                .into(),
            args![id.as_str(), to_millis(at), by],
        )
        .await?;
    if inserted == 1 {
        return Ok(Redemption::Now);
    }
    let earlier: Option<Earlier> = c
        .fetch_optional(
            "SELECT redeemed_at, redeemed_by FROM redemptions WHERE pause_id = $1".into(),
            args![id.as_str()],
        )
        .await?;
    // Rows are never deleted, so the one that stopped the insert is there.
    let Some(Earlier(at, by)) = earlier else {
        return Err(StoreError::Internal(format!("redemption of {id} vanished")));
    };
    Ok(Redemption::Earlier {
        at: from_millis(at)?,
        by,
    })
}
