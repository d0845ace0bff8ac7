//! One settlement at a time per pause in this process. The database is what
//! makes decisions on one pause take turns (its row lock, see
//! `store::sql::settle`); this gate only keeps a burst of approvers on one
//! pause from each holding a database connection while they wait for that
//! lock, which would starve every other request of connections. Waiting
//! here costs a task, not a connection.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::OwnedMutexGuard;

use crate::domain::PauseId;

/// The gates of the pauses being settled now.
#[derive(Default)]
pub(crate) struct Gates {
    open: Mutex<HashMap<PauseId, Arc<tokio::sync::Mutex<()>>>>,
}

/// The right to settle one pause; the next in line enters when it drops.
pub(crate) struct Pass<'a> {
    gates: &'a Gates,
    id: PauseId,
    guard: Option<OwnedMutexGuard<()>>,
}

impl Gates {
    /// Waits for the turn to settle `id`.
    pub(crate) async fn enter(&self, id: &PauseId) -> Pass<'_> {
        let gate = {
            let mut open = self.open.lock().expect("gates lock");
            open.entry(id.clone()).or_default().clone()
        };
        let guard = gate.lock_owned().await;
        Pass {
            gates: self,
            id: id.clone(),
            guard: Some(guard),
        }
    }

    /// How many pauses have a gate now.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.open.lock().expect("gates lock").len()
    }

    /// Whether no pause has a gate now.
    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Drop for Pass<'_> {
    fn drop(&mut self) {
        let mut open = self.gates.open.lock().expect("gates lock");
        drop(self.guard.take());
        // The map's reference is the last one: nobody waits, forget the gate.
        if open
            .get(&self.id)
            .is_some_and(|gate| Arc::strong_count(gate) == 1)
        {
            open.remove(&self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Mint;

    #[tokio::test]
    async fn a_second_settlement_of_one_pause_waits_and_the_gate_is_forgotten_after() {
        let gates = Arc::new(Gates::default());
        let id = Mint::system().pause_id();
        let first = gates.enter(&id).await;
        let (gates2, id2) = (gates.clone(), id.clone());
        let second = tokio::spawn(async move {
            let _pass = gates2.enter(&id2).await;
        });
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert!(!second.is_finished(), "the second waits for the first");
        let other = gates.enter(&Mint::system().pause_id()).await;
        drop(other);
        drop(first);
        second.await.unwrap();
        assert!(gates.is_empty(), "no gate outlives its settlements");
    }
}
