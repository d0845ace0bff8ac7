//! Cross-process wake-ups: one connection `LISTEN`s for settled pause ids
//! and hands each to the watcher. While it is down, notifications may be
//! lost, so the watcher is told to resynchronise (every waiter reads its
//! pause again) at once and then every [`POLL`] until listening resumes:
//! polling is the fallback, never the normal path.

use std::time::Duration;

use sqlx::postgres::{PgListener, PgPool};
use tokio_util::sync::CancellationToken;

use crate::domain::PauseId;
use crate::store::{SettledSignal, SettledWatcher};

/// How often waiters re-read while notifications cannot be received.
const POLL: Duration = Duration::from_secs(1);

/// Listens on `channel` until `stopping` is cancelled.
pub(crate) async fn listen(
    pool: PgPool,
    channel: &'static str,
    watcher: SettledWatcher,
    stopping: CancellationToken,
) {
    while !stopping.is_cancelled() {
        match subscribe(&pool, channel).await {
            Ok(listener) => relay(listener, &watcher, &stopping).await,
            Err(error) => tracing::warn!(%error, "cannot listen for settled pauses; polling"),
        }
        watcher(SettledSignal::Resync);
        tokio::select! {
            () = stopping.cancelled() => return,
            () = tokio::time::sleep(POLL) => {}
        }
    }
}

async fn subscribe(pool: &PgPool, channel: &str) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(channel).await?;
    Ok(listener)
}

/// Passes notifications on until the connection fails.
async fn relay(mut listener: PgListener, watcher: &SettledWatcher, stopping: &CancellationToken) {
    // Anything settled before LISTEN took effect was not heard.
    watcher(SettledSignal::Resync);
    loop {
        let received = tokio::select! {
            () = stopping.cancelled() => return,
            received = listener.try_recv() => received,
        };
        match received {
            Ok(Some(notification)) => watcher(SettledSignal::Pause(PauseId::from_stored(
                notification.payload(),
            ))),
            Ok(None) => {
                tracing::warn!("the listening connection dropped; reconnecting");
                return;
            }
            Err(error) => {
                tracing::warn!(%error, "listening for settled pauses failed; reconnecting");
                return;
            }
        }
    }
}
