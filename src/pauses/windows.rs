//! Change windows in the use cases: a decision during a refusing freeze is
//! refused, and what a settlement starts is held until its window opens
//! (see `domain::Window`). Holding is a delivery's `not_before`, stored
//! with the settlement, so it survives a restart.

use std::sync::Arc;

use crate::domain::{Pause, PauseId, Released};
use crate::store::{ExpiryPlan, Settlement};

use super::{PauseError, Pauses, expiry_settlement};

impl Pauses {
    /// Refuses a decision on `pause` while its target's window is frozen
    /// with `during_freeze = "refuse"`.
    pub(super) fn check_freeze(&self, pause: &Pause) -> Result<(), PauseError> {
        let Some((window, freeze)) = self.windows.refusing_freeze(pause, self.clock.now()) else {
            return Ok(());
        };
        let why = freeze
            .reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        Err(PauseError::Conflict(format!(
            "window {} is frozen{why} until {}: decisions are refused until then",
            window.name,
            window.describe(freeze.until)
        )))
    }

    /// `settlement` with what it starts held until its window opens.
    pub(super) fn held(&self, pause: &Pause, mut settlement: Settlement) -> Settlement {
        let now = self.clock.now();
        self.windows.hold(&mut settlement.deliveries, pause, now);
        settlement
    }

    /// Starts now what a change window holds of pause `id`, on `by`'s
    /// word (an API caller; `None`: the server's key), and records that;
    /// 409 when nothing is held.
    pub async fn release(&self, id: &PauseId, by: Option<String>) -> Result<Pause, PauseError> {
        let pause = self.get(id).await?;
        if pause.held.is_none() {
            return Err(PauseError::Conflict(format!(
                "nothing of pause {id} waits for a change window"
            )));
        }
        let now = self.clock.now();
        let released = serde_json::to_string(&Released { by, at: now })
            .map_err(|e| PauseError::Internal(e.into()))?;
        if self.store.release_held(id, &released, now).await? > 0 {
            self.deliveries_waiting.notify_one();
        }
        self.get(id).await
    }

    /// `pause` as readers see it: with the start a window holds, if any.
    pub(super) fn shown(&self, mut pause: Pause) -> Pause {
        pause.held = self.windows.held_start(&pause, self.clock.now());
        pause
    }

    /// How expiry settles a pause: [`expiry_settlement`], held like any
    /// other settlement.
    pub(super) fn expiry_plan(&self) -> ExpiryPlan {
        let windows = self.windows.clone();
        Arc::new(move |pause, now, next_id| {
            let mut settlement = expiry_settlement(pause, now, next_id);
            windows.hold(&mut settlement.deliveries, pause, now);
            settlement
        })
    }
}
