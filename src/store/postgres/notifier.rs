//! Telling other processes that pauses settled, after commit: one task per
//! store sends a payload-free `NOTIFY` on its own connection, outside any
//! transaction, so no settling transaction queues on the lock PostgreSQL
//! takes to add a notification at commit. However many settlements commit
//! while one wake-up is being sent, the next round sends one more: the
//! doorbell holds a single ring (a channel of capacity one), so a burst of
//! settlements costs a round trip or two, not one each.

use std::time::Duration;

use sqlx::postgres::PgPool;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::own::OwnConnection;
use crate::store::StoreError;
use crate::store::sql::{Conn, wakeups};

/// How long to wait before trying again when a wake-up could not be sent.
const RETRY: Duration = Duration::from_secs(1);

/// Rings the notifier: pauses settled and their transactions committed.
#[derive(Clone)]
pub(crate) struct Doorbell(mpsc::Sender<()>);

impl Doorbell {
    /// Asks for a wake-up; a ring already waiting covers this one too.
    pub(crate) fn ring(&self) {
        // Full means a round is pending and will see this commit: coalesced.
        let _ = self.0.try_send(());
    }
}

/// Starts the notifier on `pool`; it sends what was rung before `stopping`
/// and then ends.
pub(crate) fn start(pool: PgPool, stopping: CancellationToken) -> (Doorbell, JoinHandle<()>) {
    let (ring, rung) = mpsc::channel(1);
    (Doorbell(ring), tokio::spawn(run(pool, rung, stopping)))
}

async fn run(pool: PgPool, mut rung: mpsc::Receiver<()>, stopping: CancellationToken) {
    let mut conn = OwnConnection::new(pool);
    loop {
        tokio::select! {
            () = stopping.cancelled() => break,
            ring = rung.recv() => if ring.is_none() { return },
        }
        // Taken off the doorbell before sending: a commit from now on rings
        // again and gets a round of its own.
        while let Err(error) = send(&mut conn).await {
            tracing::warn!(%error, "cannot announce settled pauses; trying again");
            tokio::select! {
                () = stopping.cancelled() => return,
                () = tokio::time::sleep(RETRY) => {}
            }
        }
    }
    // Stopping: the last settlements still reach the other processes.
    if rung.try_recv().is_ok()
        && let Err(error) = send(&mut conn).await
    {
        tracing::warn!(%error, "cannot announce the last settled pauses");
    }
}

/// One wake-up, in a transaction of its own (autocommit).
async fn send(conn: &mut OwnConnection) -> Result<(), StoreError> {
    conn.with(async |c| c.execute(wakeups::NOTIFY_SETTLED.into(), Vec::new()).await)
        .await?;
    Ok(())
}
