//! Hearing that pauses settled in other processes. One connection
//! `LISTEN`s for the payload-free wake-ups the notifiers send; on each (all
//! those already arrived answered together), one query finds which of the
//! pauses waited on here left `pending`, and just their waiters are woken.
//! While listening is down, or switched off ([`Wakeups::Poll`], for
//! databases without `LISTEN/NOTIFY`), the same query runs every [`POLL`].

use std::time::Duration;

use sqlx::postgres::{PgListener, PgPool};
use tokio_util::sync::CancellationToken;

use super::own::OwnConnection;
use crate::store::sql::wakeups;
use crate::store::{SettledWatcher, StoreError, Wakeups};

/// How often to look while wake-ups cannot be heard.
pub(crate) const POLL: Duration = Duration::from_secs(1);

/// Watches for settled pauses as `wakeups` says until `stopping`.
pub(crate) async fn listen(
    pool: PgPool,
    wakeups: Wakeups,
    watcher: SettledWatcher,
    stopping: CancellationToken,
) {
    let mut conn = OwnConnection::new(pool.clone());
    while !stopping.is_cancelled() {
        if wakeups == Wakeups::Notify {
            match subscribe(&pool).await {
                Ok(listener) => relay(listener, &mut conn, &watcher, &stopping).await,
                Err(error) => tracing::warn!(%error, "cannot listen for settled pauses; polling"),
            }
        }
        if stopping.is_cancelled() {
            return;
        }
        // Wake-ups sent while nobody listened were lost: look instead.
        let _ = look(&mut conn, &watcher).await;
        tokio::select! {
            () = stopping.cancelled() => return,
            () = tokio::time::sleep(POLL) => {}
        }
    }
}

async fn subscribe(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(wakeups::SETTLED_CHANNEL).await?;
    Ok(listener)
}

/// Looks once per wake-up heard until the connection (or a look) fails.
async fn relay(
    mut listener: PgListener,
    conn: &mut OwnConnection,
    watcher: &SettledWatcher,
    stopping: &CancellationToken,
) {
    // Anything settled before LISTEN took effect was not heard.
    if look(conn, watcher).await.is_err() {
        return;
    }
    loop {
        let received = tokio::select! {
            () = stopping.cancelled() => return,
            received = listener.try_recv() => received,
        };
        match received {
            Ok(Some(_)) => {
                // Wake-ups that arrived meanwhile are answered by this look.
                while listener.next_buffered().is_some() {}
                if look(conn, watcher).await.is_err() {
                    return;
                }
            }
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

/// Wakes the waiters here whose pauses left `pending`, found in one query.
async fn look(conn: &mut OwnConnection, watcher: &SettledWatcher) -> Result<(), StoreError> {
    let waited = watcher.waited_on();
    if waited.is_empty() {
        return Ok(());
    }
    let found = conn.with(async |c| wakeups::settled_among(c, &waited).await);
    match found.await {
        Ok(settled) => {
            watcher.settled(&settled);
            Ok(())
        }
        Err(error) => {
            tracing::warn!(%error, "cannot read which waited-on pauses settled");
            Err(error)
        }
    }
}
