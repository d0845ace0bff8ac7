//! The use cases of pausegate: create a pause, read it (by id, by token, as a
//! list), decide, cancel, expire, and wait for a decision. Knows `domain` and
//! the `Store` trait; never HTTP or SQL. Every read first settles a pause
//! whose expiry has passed (that pause alone: never a sweep inside a
//! request), so no caller ever sees a stale `pending`.

mod attestation;
pub mod audit;
pub mod commands;
mod create;
pub mod cursor;
mod decide;
mod delegations;
mod gates;
mod inbox;
mod on_call;
mod on_call_again;
mod policy;
mod read;
mod receipt;
mod redeem;
mod redeliver;
mod wait;
mod waiters;
mod windows;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};
use tokio::sync::Notify;

use crate::clock::{Clock, Mint};
use crate::domain::{CreatePolicy, IdentifiedBy, Pause, PauseId, Token, ValidationError, Windows};
use crate::identity::Caller;
use crate::policies::PolicySet;
use crate::store::{Store, StoreError, TokenRecord};

pub use commands::{
    DecisionInput, DigestRequest, NotifyRequest, PauseRequest, SubjectRequest, request_fingerprint,
};
pub use decide::{Decider, TokenDecision, expiry_settlement};
pub use delegations::DelegationRequest;
pub use on_call::{OnCall, OnCallError, OnCallSchedules};
pub use waiters::Waiters;

/// Largest page a list may ask for.
pub const MAX_PAGE: u32 = 200;
/// Page size when none is asked for.
pub const DEFAULT_PAGE: u32 = 50;

/// Why a use case could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum PauseError {
    /// No pause or token by that name.
    #[error("not found")]
    NotFound,
    /// The input broke a rule.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// Someone decided (or cancelled) first.
    #[error("the pause is already {}", .0.state.as_str())]
    AlreadySettled(Box<Pause>),
    /// Its time ran out before a decision.
    #[error("the pause expired")]
    Expired(Box<Pause>),
    /// The idempotency key was used before with a different request.
    #[error("{0}")]
    KeyReused(String),
    /// The request does not fit the state of what it names.
    #[error("{0}")]
    Conflict(String),
    /// The pause's rules do not let this caller decide it.
    #[error("{0}")]
    Forbidden(String),
    /// The database is out of reach for now; nothing was written.
    #[error("{0}")]
    Unavailable(String),
    /// The write may or may not have been stored: retry with the same
    /// idempotency key.
    #[error("{0}")]
    OutcomeUnknown(String),
    /// A bug or unreadable data, never the caller's fault.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<StoreError> for PauseError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(why) | StoreError::Contended(why) => Self::Unavailable(why),
            StoreError::OutcomeUnknown(why) => Self::OutcomeUnknown(why),
            StoreError::Internal(why) => Self::Internal(anyhow::anyhow!(why)),
        }
    }
}

/// Who asks for a pause, as the entry point identified them. Every way of
/// creating a pause takes one, so none can forget to say who asked: the
/// approver rules (no approving one's own request), the policies and the
/// review page all read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requester {
    name: Option<String>,
    identified_by: Option<IdentifiedBy>,
}

impl Requester {
    /// An API caller: named unless it used the server's own key, whose
    /// holder is nobody in particular.
    pub fn caller(caller: &Caller) -> Self {
        Self {
            name: caller.name.clone(),
            identified_by: Some(caller.identified_by()),
        }
    }

    /// An integration that verified who asked by its own means (a signed
    /// request), named in its own namespace (`chat:user`).
    pub fn integration(name: impl Into<String>) -> Self {
        Self {
            name: Some(name.into()),
            identified_by: None,
        }
    }
}

/// A pause just created, with the link token that opens it.
#[derive(Debug)]
pub struct CreatedPause {
    /// The pause as stored.
    pub pause: Pause,
    /// The creator's token: shown once, never stored.
    pub token: Token,
    /// True when an idempotency key matched an earlier pause.
    pub replayed: bool,
}

/// What a token opens: the pause and who the token was made for.
#[derive(Debug)]
pub struct Review {
    /// The pause, not pending only if someone already decided it.
    pub pause: Pause,
    /// The token's record.
    pub token: TokenRecord,
}

/// One page of the list, with the cursor of the next.
#[derive(Debug)]
pub struct Listing {
    /// Newest first.
    pub items: Vec<Pause>,
    /// Opaque cursor for the next page.
    pub next_cursor: Option<String>,
}

/// The use cases, sharing one store, clock, mint and set of waiters.
pub struct Pauses {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    mint: Mint,
    policy: CreatePolicy,
    waiters: Arc<Waiters>,
    deliveries_waiting: Arc<Notify>,
    expiry: ExpiryAlarm,
    policies: Arc<PolicySet>,
    windows: Arc<Windows>,
    on_call: Option<OnCall>,
    gates: gates::Gates,
}

/// When the expiry sweep means to look next, and how to wake it sooner:
/// a new pause that expires before then rings it.
#[derive(Default)]
struct ExpiryAlarm {
    /// Milliseconds since the epoch of the sweep's next look.
    next: AtomicI64,
    ring: Notify,
}

impl Pauses {
    /// Use cases over `store`, timed by `clock`, making ids and tokens
    /// with `mint`, checking new pauses against `policy`. Waiters also
    /// hear of pauses other processes settle.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        mint: Mint,
        policy: CreatePolicy,
    ) -> Self {
        let waiters = Arc::new(Waiters::default());
        store.watch_settled(waiters.clone());
        Self {
            store,
            clock,
            mint,
            policy,
            waiters,
            deliveries_waiting: Arc::new(Notify::new()),
            expiry: ExpiryAlarm::default(),
            policies: Arc::new(PolicySet::default()),
            windows: Arc::new(Windows::default()),
            on_call: None,
            gates: gates::Gates::default(),
        }
    }

    /// These use cases, asking `policies` about each new pause first.
    pub fn with_policies(mut self, policies: Arc<PolicySet>) -> Self {
        self.policies = policies;
        self
    }

    /// These use cases, holding what settlements start until the change
    /// windows in `windows` open.
    pub fn with_windows(mut self, windows: Arc<Windows>) -> Self {
        self.windows = windows;
        self
    }

    /// The change windows, for the views that say when a start is held.
    pub fn windows(&self) -> &Windows {
        &self.windows
    }

    /// Who is waiting, for tests and metrics.
    pub fn waiters(&self) -> &Waiters {
        &self.waiters
    }

    /// The current time by the injected clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The store, for health checks.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// How long the expiry sweep may sleep: until the next pending pause
    /// expires, at most `longest`. Resolves early (see
    /// [`Pauses::expiry_rung`]) when a pause is created that expires sooner.
    pub async fn until_next_expiry(
        &self,
        longest: std::time::Duration,
    ) -> Result<std::time::Duration, PauseError> {
        let now = self.clock.now();
        let next = self.store.next_expiry().await?;
        let wait = next
            .map(|at| (at - now).to_std().unwrap_or_default())
            .unwrap_or(longest)
            .min(longest);
        let next_look = now + chrono::Duration::from_std(wait).unwrap_or_default();
        self.expiry
            .next
            .store(next_look.timestamp_millis(), Ordering::Relaxed);
        Ok(wait)
    }

    /// Resolves when a new pause expires before the sweep's next look.
    pub async fn expiry_rung(&self) {
        self.expiry.ring.notified().await;
    }

    /// Signalled whenever deliveries are enqueued, so the outbox worker
    /// sends them at once instead of at its next tick.
    pub fn deliveries_waiting(&self) -> Arc<Notify> {
        self.deliveries_waiting.clone()
    }

    /// Tells waiters that `id` left `pending`, and the outbox if it has work.
    fn announce(&self, id: &PauseId, enqueued: bool) {
        self.waiters.wake(id);
        if enqueued {
            self.deliveries_waiting.notify_one();
        }
    }
}
