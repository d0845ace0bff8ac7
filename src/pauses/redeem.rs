//! Redeeming a settled pause: its outcome used once, by the caller that
//! asked for it. The MCP gateway redeems an approval before it forwards
//! the call it was for, so a replayed call, another replica or a
//! restarted gateway can never forward it a second time.

use chrono::{DateTime, Utc};

use super::{PauseError, Pauses, Requester};
use crate::domain::{Pause, PauseId, PauseState};
use crate::store::Redemption;

impl Pauses {
    /// Redeems pause `id` for `by`: the pause and when it was redeemed.
    /// Refused while it is pending, for anyone but its requester, and
    /// after the first redemption.
    pub async fn redeem(
        &self,
        id: &PauseId,
        by: &Requester,
    ) -> Result<(Pause, DateTime<Utc>), PauseError> {
        let pause = self.get(id).await?;
        if pause.state == PauseState::Pending {
            let why = format!("pause {id} is still pending: only a settled pause is redeemed");
            return Err(PauseError::Conflict(why));
        }
        // Names from different sources never match by accident: a named
        // key, an `oidc:` caller and the server's key (no name) differ.
        if pause.requested_by != by.name || pause.requester_identified_by != by.identified_by {
            let why = format!("pause {id} is redeemed only by the caller that asked for it");
            return Err(PauseError::Forbidden(why));
        }
        let now = self.clock.now();
        match self.store.redeem(id, by.name.as_deref(), now).await? {
            Redemption::Now => Ok((pause, now)),
            Redemption::Earlier { at, .. } => Err(PauseError::Conflict(format!(
                "pause {id} was already redeemed at {}",
                at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            ))),
        }
    }
}
