//! Long-polling: answer as soon as a pause leaves `pending`. A decision made
//! in this process wakes waiters at once through a broadcast channel; an
//! occasional re-read covers decisions made by another process sharing the
//! database, and the pause's own expiry.

use std::time::Duration;

use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;

use crate::domain::{Pause, PauseId, PauseState};

use super::{PauseError, Pauses};

/// Longest a waiter goes without re-reading the pause.
const RECHECK: Duration = Duration::from_secs(5);

impl Pauses {
    /// Returns the pause once it is no longer pending, or as it stands when
    /// `timeout` passes.
    pub async fn wait(&self, id: &PauseId, timeout: Duration) -> Result<Pause, PauseError> {
        let deadline = Instant::now() + timeout;
        // Subscribe before reading, so a decision between the two is not missed.
        let mut settled = self.settled.subscribe();
        loop {
            let pause = self.get(id).await?;
            let now = Instant::now();
            if pause.state != PauseState::Pending || now >= deadline {
                return Ok(pause);
            }
            let until_expiry = (pause.expires_at - self.clock.now())
                .to_std()
                .unwrap_or_default();
            let nap = (deadline - now).min(until_expiry).min(RECHECK);
            let wake_at = now + nap;
            loop {
                match tokio::time::timeout_at(wake_at, settled.recv()).await {
                    Ok(Ok(settled_id)) if &settled_id != id => continue,
                    // Ours, missed messages, or time to look again: re-read.
                    Ok(Ok(_)) | Ok(Err(RecvError::Lagged(_))) | Err(_) => break,
                    Ok(Err(RecvError::Closed)) => return Ok(pause),
                }
            }
        }
    }
}
