//! Long-polling: answer as soon as a pause leaves `pending`. The waiter
//! registers under its pause's id and sleeps until that pause is settled
//! (here, or in another process sharing the database), its expiry comes,
//! or the timeout passes; nothing re-reads it in between.

use std::time::Duration;

use tokio::time::Instant;

use crate::domain::{Pause, PauseId, PauseState};

use super::{PauseError, Pauses};

impl Pauses {
    /// Returns the pause once it is no longer pending, or as it stands when
    /// `timeout` passes.
    pub async fn wait(&self, id: &PauseId, timeout: Duration) -> Result<Pause, PauseError> {
        let deadline = Instant::now() + timeout;
        let waiting = self.waiters.register(id);
        loop {
            // Made before the read, so a settle during the read still wakes us.
            let changed = waiting.changed();
            let pause = self.get(id).await?;
            let now = Instant::now();
            if pause.state != PauseState::Pending || now >= deadline {
                return Ok(pause);
            }
            let until_expiry = (pause.expires_at - self.clock.now())
                .to_std()
                .unwrap_or_default();
            // Its own expiry settles it: look again then.
            let wake_at = deadline.min(now + until_expiry);
            tokio::select! {
                () = changed => {}
                () = tokio::time::sleep_until(wake_at) => {}
            }
        }
    }
}
