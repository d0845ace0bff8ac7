//! What the [`super::Store`]'s methods take and give: records to store,
//! settlements to apply, claims, outcomes, pages and signals.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::domain::{
    Decision, DeliveryId, DeliveryKind, Event, KeyScope, NewDelivery, NewPause, NextId, Pause,
    PauseId, PauseState, TokenHash,
};

/// What a token opens, besides the pause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// The link handed back to whoever created the pause.
    Creator,
    /// A personal link emailed to one recipient.
    Recipient,
    /// A link shared in a channel: the page asks who is deciding.
    Channel,
}

impl TokenKind {
    /// The kind as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Creator => "creator",
            Self::Recipient => "recipient",
            Self::Channel => "channel",
        }
    }

    /// Reads a stored kind.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Creator, Self::Recipient, Self::Channel]
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }
}

/// A stored token, found by its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// The pause it opens.
    pub pause_id: PauseId,
    /// Who it was made for.
    pub kind: TokenKind,
    /// For a personal link, the recipient's address: the actor of a decision made with it.
    pub actor: Option<String>,
}

/// Everything needed to store a new pause in one go.
#[derive(Debug, Clone)]
pub struct NewPauseRecord {
    /// The id it will have.
    pub id: PauseId,
    /// The validated request.
    pub pause: NewPause,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it expires.
    pub expires_at: DateTime<Utc>,
    /// The hash of the creator's link token.
    pub creator_token: TokenHash,
    /// Whose idempotency keys the pause's key is compared with.
    pub key_scope: KeyScope,
    /// The request's fingerprint: a repeated key must come with the same.
    pub fingerprint: String,
    /// Notifications to enqueue with it (emails, channel posts, reminders).
    pub deliveries: Vec<NewDelivery>,
    /// A settlement to apply in the same transaction (a policy decided
    /// at creation), skipped when the idempotency key was seen before.
    pub settle_at_once: Option<Settlement>,
}

/// A token minted for one email or channel post, as it is sent.
#[derive(Debug, Clone)]
pub struct DeliveryToken {
    /// The delivery carrying the link.
    pub delivery_id: DeliveryId,
    /// The lease of the worker sending it: a worker that lost its lease
    /// must not replace the link another worker is sending.
    pub lease_id: String,
    /// The pause it opens.
    pub pause_id: PauseId,
    /// The new token's hash.
    pub hash: TokenHash,
    /// Recipient (personal) or channel (shared).
    pub kind: TokenKind,
    /// The recipient's address, for a personal link.
    pub actor: Option<String>,
}

impl NewPauseRecord {
    /// The pause as this record stores it: pending, nothing decided, its
    /// notifications waiting. A create answers with this instead of
    /// reading back what it wrote.
    pub fn to_pause(&self) -> Pause {
        let pause = &self.pause;
        Pause {
            id: self.id.clone(),
            state: PauseState::Pending,
            title: pause.title.clone(),
            description: pause.description.clone(),
            data: pause.data.clone(),
            target: pause.target.clone(),
            target_params: pause.target_params.clone(),
            on_reject: pause.on_reject.clone(),
            on_expire: pause.on_expire,
            notify: pause.notify.clone(),
            created_at: self.created_at,
            expires_at: self.expires_at,
            decided_at: None,
            decisions: Vec::new(),
            deliveries: self
                .deliveries
                .iter()
                .map(|d| d.pending(self.created_at))
                .collect(),
            callback: pause.callback.clone(),
            rules: pause.rules.clone(),
            requested_by: pause.requested_by.clone(),
            requester_identified_by: pause.requester_identified_by,
            tags: pause.tags.clone(),
            group: pause.group.clone(),
            superseded_by: None,
            held: None,
            window: pause.window.clone(),
            released: None,
            receipt: None,
            input_fields: pause.input_fields.clone(),
            subjects: pause.subjects.clone(),
            inputs: None,
        }
    }
}

/// What `create_pause` did.
#[derive(Debug, Clone)]
pub enum Created {
    /// A new pause was stored, with the older pending pauses of its group
    /// that it cancelled.
    New(Pause, Vec<Pause>),
    /// The idempotency key was seen before: this is the earlier pause, and
    /// the new creator token now opens it too.
    Replayed(Pause),
    /// The idempotency key was seen before with a different request: the
    /// earlier pause's id; nothing was stored.
    KeyReused(PauseId),
}

/// Which side of `expires_at` a settlement may happen on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadline {
    /// A person or API call: only while `now < expires_at`.
    BeforeExpiry,
    /// The expiry sweep: only once `now >= expires_at`.
    AfterExpiry,
}

/// A move of a pending pause to a final state, applied atomically.
#[derive(Debug, Clone)]
pub struct Settlement {
    /// The state it ends in.
    pub state: PauseState,
    /// The decision recorded with it, if any (none for expire and cancel).
    pub decision: Option<Decision>,
    /// Which side of the expiry this is allowed on.
    pub deadline: Deadline,
    /// Triggers to enqueue in the same transaction, so a decision and the
    /// start of the next pipeline are stored together or not at all.
    pub deliveries: Vec<NewDelivery>,
}

/// What the outbox worker asks for when it claims deliveries.
#[derive(Debug, Clone)]
pub struct ClaimRequest {
    /// The current time.
    pub now: DateTime<Utc>,
    /// Claimed deliveries are leased until then; after it, another worker
    /// may claim them again (the first one died mid-send).
    pub lease_until: DateTime<Utc>,
    /// Most deliveries to claim.
    pub limit: u32,
    /// Most attempts per hour, by trigger target name. Deliveries over the
    /// limit are postponed to when the oldest attempt in the hour ages out.
    pub hourly_limits: BTreeMap<String, u32>,
}

/// A delivery leased to one worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedDelivery {
    /// Same on every attempt.
    pub id: DeliveryId,
    /// The pause it is about.
    pub pause_id: PauseId,
    /// What it sends.
    pub kind: DeliveryKind,
    /// Target name, address or channel name.
    pub destination: String,
    /// What it announces.
    pub event: Event,
    /// Attempts including this one.
    pub attempts: u32,
    /// Proves the lease when recording the outcome.
    pub lease_id: String,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// The receiver accepted it.
    Delivered {
        /// The id the receiver gave what it started.
        external_id: Option<String>,
    },
    /// Try again at `at`.
    Retry {
        /// When the next attempt is due.
        at: DateTime<Utc>,
        /// Why this attempt failed.
        error: String,
    },
    /// Give up.
    Failed {
        /// Why.
        error: String,
    },
    /// No longer needed (a request for a pause already settled): forget
    /// the delivery. A link it carried keeps working (it shows the outcome).
    Dropped,
}

/// What `redeliver` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redelivery {
    /// It is pending again, due now.
    Queued,
    /// The pause has no delivery with that id.
    NotFound,
    /// It is not failed (its state as stored): nothing changed.
    NotFailed(String),
}

/// What `settle` found.
#[derive(Debug, Clone)]
pub enum Settled {
    /// The settlement was applied: the pause as it is now.
    Applied(Pause),
    /// The pause was no longer pending, or on the wrong side of its
    /// expiry: the pause as it is, unchanged.
    Refused(Pause),
    /// The decision was recorded toward the pause's quorum; it is still
    /// pending.
    Recorded(Pause),
    /// The pause's rules do not let this decision be made; nothing changed.
    Forbidden(String),
    /// This person's approval already counts; nothing changed.
    AlreadyCounted(String),
}

/// How expiry settles one pause, given the pause, the time and where the
/// ids of what it sends come from: the use case's rule, applied by the
/// store to each pause it finds due.
pub type ExpiryPlan = Arc<dyn Fn(&Pause, DateTime<Utc>, NextId<'_>) -> Settlement + Send + Sync>;

/// Who waits on which pauses in this process, as the store's watch for
/// pauses settled by other processes sees them: on each payload-free
/// wake-up (or poll) the store asks which pauses are waited on, finds with
/// one query which of them settled, and wakes just those.
pub trait Waited: Send + Sync {
    /// The pauses someone here waits on now.
    fn waited_on(&self) -> Vec<PauseId>;
    /// These pauses left `pending`: wake their waiters.
    fn settled(&self, ids: &[PauseId]);
}

/// Told about pauses settled by other processes.
pub type SettledWatcher = Arc<dyn Waited>;

/// How processes sharing a database hear that pauses settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Wakeups {
    /// A payload-free `NOTIFY` after commit, polling only while the
    /// listening connection is down (PostgreSQL's `LISTEN/NOTIFY`).
    #[default]
    Notify,
    /// Polling alone, for databases without `LISTEN/NOTIFY`.
    Poll,
}

/// Where a page of the list starts: just after this pause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// `created_at` of the last pause on the previous page.
    pub created_at: DateTime<Utc>,
    /// Its id, to break ties.
    pub id: PauseId,
}

/// A request for one page of pauses, newest first.
#[derive(Debug, Clone)]
pub struct ListQuery {
    /// Only pauses in this state.
    pub state: Option<PauseState>,
    /// Only pauses with this tag.
    pub tag: Option<String>,
    /// Page size.
    pub limit: u32,
    /// Start after this pause.
    pub after: Option<Cursor>,
}

/// One page of pauses.
#[derive(Debug, Clone)]
pub struct PausePage {
    /// The pauses, newest first.
    pub items: Vec<Pause>,
    /// Where the next page starts, if there is one.
    pub next: Option<Cursor>,
}

/// How many pauses and deliveries are stored, for the metrics endpoint.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    /// (state, count) for each state with at least one pause.
    pub pauses: Vec<(String, i64)>,
    /// (kind, state, count) for each pair with at least one delivery.
    pub deliveries: Vec<(String, String, i64)>,
}
