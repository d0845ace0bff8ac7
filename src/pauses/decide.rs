//! Settling a pause: decisions by link or API key, cancellation, and expiry.
//! Each goes through `Store::settle`, which applies only to a pending pause
//! on the right side of its expiry, so the first of any racing callers wins.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::domain::{
    ActorName, Decision, IdentifiedBy, NextId, Pause, PauseId, PauseState, ValidationError,
    Verdict, Via, check_inputs, deliveries_on_settling, validate_comment,
};
use crate::store::{Deadline, Settled, Settlement, TokenKind};

use super::{DecisionInput, PauseError, Pauses};

/// Most expired pauses settled in one transaction.
const EXPIRY_BATCH: u32 = 500;

/// A person deciding, as something other than their own word vouched.
#[derive(Debug, Clone)]
pub struct Decider {
    /// Their address.
    pub email: String,
    /// What vouched for it.
    pub by: IdentifiedBy,
    /// Their groups, as their sign-in gave them (for `group:` approvers).
    pub groups: Vec<String>,
}

/// A decision as made, before it is ruled on.
struct Made {
    verdict: Verdict,
    actor: Option<ActorName>,
    via: Via,
    identified_by: IdentifiedBy,
    comment: Option<String>,
    /// Values for the pause's input fields, as given.
    inputs: Map<String, Value>,
    /// The decider's groups, when their sign-in vouched for some.
    groups: Vec<String>,
}

/// A decision made through a review link.
#[derive(Debug, Clone)]
pub struct TokenDecision {
    /// Approve or reject.
    pub verdict: Verdict,
    /// The name a shared link's holder gave; ignored for personal links,
    /// whose actor is the recipient.
    pub name: Option<String>,
    /// What the caller calls that name (`name` on the page, `actor` in
    /// the JSON API), so an error names the field the caller sent.
    pub name_field: &'static str,
    /// Why.
    pub comment: Option<String>,
    /// Values for the pause's input fields, as the form gave them.
    pub inputs: Map<String, Value>,
}

impl Pauses {
    /// Decides the pause a review token opens. The actor is the recipient of
    /// a personal link, or the name given on a shared one.
    pub async fn decide_by_token(
        &self,
        token: &str,
        decision: TokenDecision,
    ) -> Result<Pause, PauseError> {
        let comment = validate_comment(decision.comment)?;
        let name = ActorName::parse_optional(decision.name_field, decision.name)?;
        let review = self.review(token).await?;
        // A personal link proves its recipient; a shared one takes a name
        // on the holder's word.
        let (actor, identified_by) = match review.token.kind {
            TokenKind::Recipient => (
                review.token.actor.map(ActorName::from_stored),
                IdentifiedBy::Email,
            ),
            TokenKind::Creator | TokenKind::Channel => (name, IdentifiedBy::SelfDeclared),
        };
        let made = Made {
            verdict: decision.verdict,
            actor,
            via: Via::Link,
            identified_by,
            comment,
            inputs: decision.inputs,
            groups: Vec::new(),
        };
        self.decide(&review.pause, made).await
    }

    /// Decides a pause by id, for an API caller identified as
    /// `identified_by` (self-declared for the server's unnamed key).
    pub async fn decide_by_id(
        &self,
        id: &PauseId,
        verdict: Verdict,
        input: DecisionInput,
        identified_by: IdentifiedBy,
    ) -> Result<Pause, PauseError> {
        let comment = validate_comment(input.comment)?;
        let actor = ActorName::parse_optional("actor", input.actor)?;
        let pause = self.get(id).await?;
        let made = Made {
            verdict,
            actor,
            via: Via::Api,
            identified_by,
            comment,
            inputs: input.inputs.unwrap_or_default(),
            groups: Vec::new(),
        };
        self.decide(&pause, made).await
    }

    /// Decides a pause for `email`, identified as `identified_by` (signed
    /// in, or a chat user whose address the chat's API gave).
    pub async fn decide_as(
        &self,
        id: &PauseId,
        verdict: Verdict,
        decider: &Decider,
        comment: Option<String>,
        inputs: Map<String, Value>,
    ) -> Result<Pause, PauseError> {
        let comment = validate_comment(comment)?;
        // The address comes from a provider, yet it is shown like any name.
        let actor = ActorName::parse("actor", &decider.email)?;
        let pause = self.get(id).await?;
        let made = Made {
            verdict,
            actor: Some(actor),
            via: Via::Link,
            identified_by: decider.by,
            comment,
            inputs,
            groups: decider.groups.clone(),
        };
        self.decide(&pause, made).await
    }

    /// Cancels the pause made for the orchestrator callback `url` (an
    /// orchestrator's unsubscribe, called when its run is cancelled or
    /// times out, and also after the action finished): a pause already
    /// settled is answered as it is.
    pub async fn unsubscribe(&self, url: &str) -> Result<Pause, PauseError> {
        let key = crate::domain::Callback::key(url);
        let pause = self
            .store
            .pause_by_key(&key)
            .await?
            .ok_or(PauseError::NotFound)?;
        let pause = self.settle_if_due(pause).await?;
        if pause.state != PauseState::Pending {
            return Ok(pause);
        }
        match self.cancel(&pause.id).await {
            Err(PauseError::AlreadySettled(pause) | PauseError::Expired(pause)) => Ok(*pause),
            other => other,
        }
    }

    /// Withdraws a pending pause; nobody can decide it afterwards.
    pub async fn cancel(&self, id: &PauseId) -> Result<Pause, PauseError> {
        let pause = self.get(id).await?;
        let settlement = Settlement {
            state: PauseState::Cancelled,
            decision: None,
            deadline: Deadline::BeforeExpiry,
            deliveries: deliveries_on_settling(&pause, PauseState::Cancelled, &|| {
                self.mint.delivery_id()
            }),
        };
        self.apply(&pause, settlement).await
    }

    /// Settles every pending pause whose expiry has passed, as its
    /// `on_expire` says, a batch per transaction. Returns how many.
    pub async fn expire_due(&self) -> Result<usize, PauseError> {
        let mut settled = 0;
        loop {
            let now = self.clock.now();
            let batch = self
                .store
                .expire_due(now, EXPIRY_BATCH, self.expiry_plan())
                .await?;
            for pause in &batch {
                // Waking an idle outbox costs nothing; it looks for work.
                self.settled(pause, true);
            }
            settled += batch.len();
            if batch.len() < EXPIRY_BATCH as usize {
                return Ok(settled);
            }
        }
    }

    /// Returns the pause as it stands, first settling it if its expiry passed.
    pub(super) async fn settle_if_due(&self, pause: Pause) -> Result<Pause, PauseError> {
        let now = self.clock.now();
        if !pause.is_due_for_expiry(now) {
            return Ok(self.shown(pause));
        }
        let settlement = expiry_settlement(&pause, now, &|| self.mint.delivery_id());
        let settlement = self.held(&pause, settlement);
        let enqueued = !settlement.deliveries.is_empty();
        match self.store.settle(&pause.id, settlement, now).await? {
            Some(Settled::Applied(settled)) => {
                self.settled(&settled, enqueued);
                Ok(self.shown(settled))
            }
            // Someone else settled it first: show what they did.
            Some(Settled::Refused(current) | Settled::Recorded(current)) => Ok(self.shown(current)),
            Some(Settled::Forbidden(reason) | Settled::AlreadyCounted(reason)) => {
                Err(PauseError::Conflict(reason))
            }
            None => Err(PauseError::NotFound),
        }
    }

    async fn decide(&self, pause: &Pause, made: Made) -> Result<Pause, PauseError> {
        if pause.state == PauseState::Pending {
            self.check_freeze(pause)?;
        }
        let inputs = if pause.input_fields.is_empty() {
            if !made.inputs.is_empty() {
                let message = "inputs: this pause declares no input_fields";
                return Err(ValidationError::new("inputs", message).into());
            }
            None
        } else {
            Some(check_inputs(
                &pause.input_fields,
                &made.inputs,
                made.verdict,
            )?)
        };
        let on_behalf_of = match (&made.actor, made.identified_by) {
            (Some(actor), by) if pause.state == PauseState::Pending => {
                self.stands_in_for(pause, actor, by, &made.groups).await?
            }
            _ => None,
        };
        let decision = Decision {
            on_behalf_of,
            inputs,
            groups: made.groups,
            decision: made.verdict,
            actor: made.actor,
            via: made.via,
            identified_by: Some(made.identified_by),
            comment: made.comment,
            at: self.clock.now(),
        };
        let state = made.verdict.resulting_state();
        let settlement = Settlement {
            state,
            decision: Some(decision),
            deadline: Deadline::BeforeExpiry,
            deliveries: deliveries_on_settling(pause, state, &|| self.mint.delivery_id()),
        };
        let settlement = self.held(pause, settlement);
        self.apply(pause, settlement).await
    }

    /// Applies a person's settlement, or explains why it cannot be applied.
    async fn apply(&self, pause: &Pause, settlement: Settlement) -> Result<Pause, PauseError> {
        let current = if pause.state == PauseState::Pending {
            let enqueued = !settlement.deliveries.is_empty();
            let _turn = self.gates.enter(&pause.id).await;
            match self
                .store
                .settle(&pause.id, settlement, self.clock.now())
                .await?
            {
                Some(Settled::Applied(settled)) => {
                    self.settled(&settled, enqueued);
                    return Ok(self.shown(settled));
                }
                Some(Settled::Refused(current)) => current,
                Some(Settled::Recorded(counted)) => {
                    self.announce(&counted.id, false);
                    return Ok(counted);
                }
                Some(Settled::Forbidden(reason)) => return Err(PauseError::Forbidden(reason)),
                Some(Settled::AlreadyCounted(reason)) => return Err(PauseError::Conflict(reason)),
                None => return Err(PauseError::NotFound),
            }
        } else {
            pause.clone()
        };
        // Someone (or `on_expire`) settled it first, or it expired: say which.
        let current = self.settle_if_due(current).await?;
        Err(if current.state == PauseState::Expired {
            PauseError::Expired(Box::new(current))
        } else {
            PauseError::AlreadySettled(Box::new(current))
        })
    }

    /// Counts a pause just settled, wakes its waiters, and the outbox if
    /// the settlement enqueued deliveries.
    pub(super) fn settled(&self, pause: &Pause, enqueued: bool) {
        let via = pause.decision().map_or("none", |d| d.via.as_str());
        let labels = [("state", pause.state.as_str()), ("via", via)];
        metrics::counter!("pausegate_pauses_settled_total", &labels).increment(1);
        self.announce(&pause.id, enqueued);
    }
}

/// How expiry settles `pause` at `now`: as its `on_expire` says, recorded
/// `via: "timeout"` when that is a decision, with the deliveries that
/// outcome sends (ids from `next_id`).
pub fn expiry_settlement(pause: &Pause, now: DateTime<Utc>, next_id: NextId<'_>) -> Settlement {
    let verdict = pause.on_expire.verdict();
    let state = verdict.map_or(PauseState::Expired, Verdict::resulting_state);
    Settlement {
        state,
        decision: verdict.map(|decision| Decision {
            on_behalf_of: None,
            decision,
            actor: None,
            via: Via::Timeout,
            identified_by: None,
            groups: Vec::new(),
            inputs: None,
            comment: None,
            at: now,
        }),
        deadline: Deadline::AfterExpiry,
        deliveries: deliveries_on_settling(pause, state, next_id),
    }
}
