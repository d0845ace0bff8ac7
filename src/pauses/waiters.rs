//! Who is waiting on which pause. A long poll registers under its pause's
//! id and sleeps; a settle wakes only the waiters of that id, so a waiter
//! costs nothing until its own pause changes and a decision costs the same
//! with ten thousand waiters as with none. Settlements in other processes
//! reach it through the store ([`Waited`]): it says which pauses are waited
//! on, and is told which of those settled. An entry goes when its last
//! waiter leaves, and the table gives its memory back as it empties.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use crate::domain::PauseId;
use crate::store::Waited;

/// The waiters of every pause, by id.
#[derive(Default)]
pub struct Waiters {
    by_pause: Mutex<HashMap<PauseId, Arc<Notify>>>,
    /// Requests waiting now.
    waiting: AtomicUsize,
}

/// One waiter's registration; leaving (dropping it) unregisters.
pub struct Waiting<'a> {
    waiters: &'a Waiters,
    id: PauseId,
    notify: Arc<Notify>,
}

impl Waiters {
    /// Registers a waiter on `id`.
    pub fn register(&self, id: &PauseId) -> Waiting<'_> {
        let mut by_pause = self.lock();
        let notify = by_pause.entry(id.clone()).or_default().clone();
        self.waiting.fetch_add(1, Ordering::Relaxed);
        Waiting {
            waiters: self,
            id: id.clone(),
            notify,
        }
    }

    /// Wakes the waiters of `id`, if any.
    pub fn wake(&self, id: &PauseId) {
        // Under the lock: a clone held outside it would make a leaving
        // waiter think it was not the last.
        if let Some(notify) = self.lock().get(id) {
            notify.notify_waiters();
        }
    }

    /// Pauses with at least one waiter.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True when nobody waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Requests waiting now, for the metrics.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PauseId, Arc<Notify>>> {
        self.by_pause.lock().expect("waiters lock poisoned")
    }
}

impl Waiting<'_> {
    /// Resolves when the pause may have changed. Call it *before* reading
    /// the pause and await it after: a wake-up between the two is kept
    /// (a `Notified` hears `notify_waiters` from the moment it is made).
    pub fn changed(&self) -> impl Future<Output = ()> + '_ {
        self.notify.notified()
    }
}

impl Waited for Waiters {
    fn waited_on(&self) -> Vec<PauseId> {
        self.lock().keys().cloned().collect()
    }

    fn settled(&self, ids: &[PauseId]) {
        for id in ids {
            self.wake(id);
        }
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.waiters.waiting.fetch_sub(1, Ordering::Relaxed);
        let mut by_pause = self.waiters.lock();
        // The table's own reference and ours: we are the last waiter.
        if Arc::strong_count(&self.notify) == 2 {
            by_pause.remove(&self.id);
            if by_pause.capacity() > 64 && by_pause.len() < by_pause.capacity() / 4 {
                by_pause.shrink_to_fit();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Mint;
    use std::time::Duration;

    #[tokio::test]
    async fn a_wake_reaches_only_the_waiters_of_that_pause() {
        let waiters = Waiters::default();
        let (a, b) = (Mint::system().pause_id(), Mint::system().pause_id());
        let on_a = waiters.register(&a);
        let on_b = waiters.register(&b);
        let (a_changed, b_changed) = (on_a.changed(), on_b.changed());
        waiters.wake(&a);
        let timeout = Duration::from_millis(50);
        assert!(tokio::time::timeout(timeout, a_changed).await.is_ok());
        assert!(tokio::time::timeout(timeout, b_changed).await.is_err());
    }

    #[tokio::test]
    async fn the_entry_goes_with_its_last_waiter() {
        let waiters = Waiters::default();
        let id = Mint::system().pause_id();
        let first = waiters.register(&id);
        let second = waiters.register(&id);
        assert_eq!(waiters.len(), 1);
        drop(first);
        assert_eq!(waiters.len(), 1);
        drop(second);
        assert!(waiters.is_empty());
    }

    #[tokio::test]
    async fn the_store_hears_which_pauses_are_waited_on_and_wakes_those_it_names() {
        let waiters = Waiters::default();
        let (a, b) = (Mint::system().pause_id(), Mint::system().pause_id());
        let (on_a, on_b) = (waiters.register(&a), waiters.register(&b));
        let mut waited = waiters.waited_on();
        waited.sort_by(|x, y| x.as_str().cmp(y.as_str()));
        let mut expected = vec![a.clone(), b.clone()];
        expected.sort_by(|x, y| x.as_str().cmp(y.as_str()));
        assert_eq!(waited, expected);
        let (a_changed, b_changed) = (on_a.changed(), on_b.changed());
        Waited::settled(&waiters, &[b]);
        let timeout = Duration::from_millis(50);
        assert!(tokio::time::timeout(timeout, b_changed).await.is_ok());
        assert!(tokio::time::timeout(timeout, a_changed).await.is_err());
    }
}
