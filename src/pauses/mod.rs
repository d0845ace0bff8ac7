//! The use cases of pausegate: create a pause, read it (by id, by token, as a
//! list), decide, cancel, expire, and wait for a decision. Knows `domain` and
//! the `Store` trait; never HTTP or SQL. Every read first settles a pause
//! whose expiry has passed (that pause alone: never a sweep inside a
//! request), so no caller ever sees a stale `pending`.

pub mod audit;
pub mod commands;
pub mod cursor;
mod decide;
mod gates;
mod policy;
mod receipt;
mod redeliver;
mod wait;
mod waiters;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};
use tokio::sync::Notify;

use crate::clock::{Clock, Mint};
use crate::domain::{
    Callback, CreatePolicy, IdentifiedBy, KeyScope, NewPause, Pause, PauseId, PauseState, Tag,
    Token, ValidationError, notifications_for_new,
};
use crate::identity::Caller;
use crate::policies::PolicySet;
use crate::store::{Created, ListQuery, NewPauseRecord, Store, StoreError, TokenRecord};

pub use commands::{DecisionInput, NotifyRequest, PauseRequest, request_fingerprint};
pub use decide::{Decider, TokenDecision, expiry_settlement};
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
            StoreError::Unavailable(why) => Self::Unavailable(why),
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
        let heard = waiters.clone();
        store.watch_settled(Arc::new(move |signal| heard.signal(signal)));
        Self {
            store,
            clock,
            mint,
            policy,
            waiters,
            deliveries_waiting: Arc::new(Notify::new()),
            expiry: ExpiryAlarm::default(),
            policies: Arc::new(PolicySet::default()),
            gates: gates::Gates::default(),
        }
    }

    /// These use cases, asking `policies` about each new pause first.
    pub fn with_policies(mut self, policies: Arc<PolicySet>) -> Self {
        self.policies = policies;
        self
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

    /// Validates and stores a pause with a fresh creator token, asked for by
    /// `requester`. With an idempotency key `requester` used before for the
    /// same request, returns the earlier pause with another fresh token.
    pub async fn create(
        &self,
        request: PauseRequest,
        requester: Requester,
    ) -> Result<CreatedPause, PauseError> {
        let fingerprint = request_fingerprint(&request);
        let explicit_key = request.idempotency_key.is_some();
        let mut pause = request.parse(&self.policy)?;
        pause.requested_by = requester.name;
        pause.requester_identified_by = requester.identified_by;
        let scope = KeyScope::of(pause.requested_by.as_deref(), !explicit_key);
        self.store_new(pause, scope, fingerprint).await
    }

    /// Like [`Pauses::create`], answering `callback` when it settles: for
    /// callbacks only an integration may make (from a signed event), never taken
    /// from a request body. The same callback twice gives the same pause.
    pub async fn create_with_callback(
        &self,
        request: PauseRequest,
        callback: Callback,
        requester: Requester,
    ) -> Result<CreatedPause, PauseError> {
        let fingerprint = request_fingerprint(&request);
        let mut pause = request.parse(&self.policy)?;
        pause.requested_by = requester.name;
        pause.requester_identified_by = requester.identified_by;
        pause.idempotency_key = commands::callback_key(Some(&callback), &self.policy)?;
        pause.callback = Some(callback);
        self.store_new(pause, KeyScope::Callback, fingerprint).await
    }

    async fn store_new(
        &self,
        mut pause: NewPause,
        key_scope: KeyScope,
        fingerprint: String,
    ) -> Result<CreatedPause, PauseError> {
        let now = self.clock.now();
        let by_policy = self.consult(&mut pause, now)?;
        let token = self.mint.token();
        let expires_at = now + pause.expires_in;
        // A reminder only makes sense if it falls after creation.
        let remind_at = pause
            .remind_before
            .map(|lead| expires_at - lead)
            .filter(|at| *at > now);
        // Escalating only makes sense before the pause expires.
        let escalation = match &pause.escalation {
            Some(e) if now + e.after < expires_at => Some((now + e.after, &e.to)),
            Some(_) => {
                let message = "escalate_after must be shorter than expires_in";
                return Err(ValidationError::new("escalate_after", message).into());
            }
            None => None,
        };
        let record = NewPauseRecord {
            id: self.mint.pause_id(),
            created_at: now,
            expires_at,
            creator_token: token.hash(),
            deliveries: notifications_for_new(&pause.notify, remind_at, escalation, &|| {
                self.mint.delivery_id()
            }),
            pause,
            key_scope,
            fingerprint,
            settle_at_once: None,
        };
        let record = policy::settled_by_policy(record, by_policy, &|| self.mint.delivery_id());
        let enqueued = !record.deliveries.is_empty()
            || record
                .settle_at_once
                .as_ref()
                .is_some_and(|s| !s.deliveries.is_empty());
        let (pause, replayed) = match self.store.create_pause(record).await? {
            Created::New(pause, superseded) => {
                // Their waiters hear it now; their callbacks are enqueued.
                for older in &superseded {
                    self.settled(older, true);
                }
                if pause.state != PauseState::Pending {
                    self.settled(&pause, enqueued);
                }
                (pause, false)
            }
            Created::Replayed(pause) => (self.settle_if_due(pause).await?, true),
            Created::KeyReused(earlier) => {
                return Err(PauseError::KeyReused(format!(
                    "idempotency_key was already used for pause {earlier} with a different \
                     request: send the same request to get that pause again, or use a new key"
                )));
            }
        };
        if !replayed {
            metrics::counter!("pausegate_pauses_created_total").increment(1);
        }
        if enqueued && !replayed {
            self.deliveries_waiting.notify_one();
        }
        if !replayed && expires_at.timestamp_millis() < self.expiry.next.load(Ordering::Relaxed) {
            self.expiry.ring.notify_one();
        }
        Ok(CreatedPause {
            pause,
            token,
            replayed,
        })
    }

    /// The pause with this id.
    pub async fn get(&self, id: &PauseId) -> Result<Pause, PauseError> {
        let pause = self.store.pause(id).await?.ok_or(PauseError::NotFound)?;
        self.settle_if_due(pause).await
    }

    /// What a token opens. A pause that expired undecided answers
    /// `Expired`; one decided (by a person or by `on_expire`) shows its outcome.
    pub async fn review(&self, token: &str) -> Result<Review, PauseError> {
        let token = Token::parse(token).ok_or(PauseError::NotFound)?;
        let (record, pause) = self
            .store
            .token(&token.hash())
            .await?
            .ok_or(PauseError::NotFound)?;
        let pause = self.settle_if_due(pause).await?;
        if pause.state == PauseState::Expired {
            return Err(PauseError::Expired(Box::new(pause)));
        }
        Ok(Review {
            pause,
            token: record,
        })
    }

    /// A page of pauses, newest first, optionally in one state.
    pub async fn list(
        &self,
        state: Option<&str>,
        limit: Option<u32>,
        cursor: Option<&str>,
        tag: Option<&str>,
    ) -> Result<Listing, PauseError> {
        let tag = tag
            .map(|tag| Tag::parse("tag", tag).map(Tag::into_string))
            .transpose()?;
        let state = state
            .map(|text| {
                PauseState::parse(text).ok_or_else(|| {
                    ValidationError::new(
                        "state",
                        format!(
                            "state must be pending, approved, rejected, expired or cancelled, got {text:?}"
                        ),
                    )
                })
            })
            .transpose()?;
        let limit = limit.unwrap_or(DEFAULT_PAGE);
        if limit == 0 || limit > MAX_PAGE {
            let message = format!("limit must be between 1 and {MAX_PAGE}, got {limit}");
            return Err(ValidationError::new("limit", message).into());
        }
        // `?cursor=` with nothing after it is the first page, as with no cursor.
        let after = cursor
            .filter(|text| !text.is_empty())
            .map(cursor::decode)
            .transpose()?;
        let page = self
            .store
            .list_pauses(&ListQuery {
                state,
                tag,
                limit,
                after,
            })
            .await?;
        // Settle only what this page shows past its expiry; the sweep
        // handles the rest in the background.
        let mut items = Vec::with_capacity(page.items.len());
        for pause in page.items {
            items.push(self.settle_if_due(pause).await?);
        }
        Ok(Listing {
            items,
            next_cursor: page.next.as_ref().map(cursor::encode),
        })
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
