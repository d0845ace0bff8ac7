//! Settling a pause: decisions by link or API key, cancellation, and expiry.
//! Each goes through `Store::settle`, which applies only to a pending pause
//! on the right side of its expiry, so the first of any racing callers wins.

use crate::domain::{
    Decision, DecisionInput, Pause, PauseId, PauseState, Verdict, Via, deliveries_on_settling,
    validate_comment, validate_name,
};
use crate::store::{Deadline, Settlement, TokenKind};

use super::{PauseError, Pauses};

/// Most expired pauses settled in one sweep step.
const EXPIRY_BATCH: u32 = 100;

/// A decision made through a review link.
#[derive(Debug, Clone)]
pub struct TokenDecision {
    /// Approve or reject.
    pub verdict: Verdict,
    /// The name a shared link's holder gave; ignored for personal links,
    /// whose actor is the recipient.
    pub name: Option<String>,
    /// Why.
    pub comment: Option<String>,
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
        let name = validate_name("name", decision.name)?;
        let review = self.review(token).await?;
        let actor = match review.token.kind {
            TokenKind::Recipient => review.token.actor,
            TokenKind::Creator | TokenKind::Channel => name,
        };
        self.decide(&review.pause, decision.verdict, actor, Via::Link, comment)
            .await
    }

    /// Decides a pause by id, for a caller holding the API key.
    pub async fn decide_by_id(
        &self,
        id: &PauseId,
        verdict: Verdict,
        input: DecisionInput,
    ) -> Result<Pause, PauseError> {
        let comment = validate_comment(input.comment)?;
        let actor = validate_name("actor", input.actor)?;
        let pause = self.get(id).await?;
        self.decide(&pause, verdict, actor, Via::Api, comment).await
    }

    /// Withdraws a pending pause; nobody can decide it afterwards.
    pub async fn cancel(&self, id: &PauseId) -> Result<Pause, PauseError> {
        let pause = self.get(id).await?;
        let settlement = Settlement {
            state: PauseState::Cancelled,
            decision: None,
            deadline: Deadline::BeforeExpiry,
            deliveries: deliveries_on_settling(&pause, PauseState::Cancelled),
        };
        self.apply(&pause, settlement).await
    }

    /// Settles every pending pause whose expiry has passed, as its
    /// `on_expire` says. Returns how many it settled.
    pub async fn expire_due(&self) -> Result<usize, PauseError> {
        let mut settled = 0;
        loop {
            let due = self
                .store
                .due_for_expiry(self.clock.now(), EXPIRY_BATCH)
                .await?;
            let batch = due.len();
            let mut settled_now = 0;
            for id in due {
                // One pause that cannot be settled must not stop the rest.
                match self.expire_one(&id).await {
                    Ok(done) => settled_now += usize::from(done),
                    Err(error) => {
                        tracing::error!(pause = %id, error = %error, "cannot expire pause")
                    }
                }
            }
            settled += settled_now;
            // A short batch was the last; a full one that settled nothing
            // would only come back the same.
            if batch < EXPIRY_BATCH as usize || settled_now == 0 {
                return Ok(settled);
            }
        }
    }

    async fn expire_one(&self, id: &PauseId) -> Result<bool, PauseError> {
        match self.store.pause(id).await? {
            Some(pause) => self.expire(&pause).await,
            None => Ok(false),
        }
    }

    /// Returns the pause as it stands, first settling it if its expiry passed.
    pub(super) async fn settle_if_due(&self, pause: Pause) -> Result<Pause, PauseError> {
        if !pause.is_due_for_expiry(self.clock.now()) {
            return Ok(pause);
        }
        self.expire(&pause).await?;
        self.reload(&pause.id).await
    }

    async fn decide(
        &self,
        pause: &Pause,
        verdict: Verdict,
        actor: Option<String>,
        via: Via,
        comment: Option<String>,
    ) -> Result<Pause, PauseError> {
        let decision = Decision {
            decision: verdict,
            actor,
            via,
            comment,
            at: self.clock.now(),
        };
        let state = verdict.resulting_state();
        let settlement = Settlement {
            state,
            decision: Some(decision),
            deadline: Deadline::BeforeExpiry,
            deliveries: deliveries_on_settling(pause, state),
        };
        self.apply(pause, settlement).await
    }

    /// Applies a person's settlement, or explains why it cannot be applied.
    async fn apply(&self, pause: &Pause, settlement: Settlement) -> Result<Pause, PauseError> {
        if pause.state == PauseState::Pending
            && self
                .store
                .settle(&pause.id, &settlement, self.clock.now())
                .await?
        {
            count_settled(&settlement);
            self.announce(&pause.id, !settlement.deliveries.is_empty());
            return self.reload(&pause.id).await;
        }
        // Someone (or `on_expire`) settled it first, or it expired: say which.
        let current = self.get(&pause.id).await?;
        Err(if current.state == PauseState::Expired {
            PauseError::Expired(Box::new(current))
        } else {
            PauseError::AlreadySettled(Box::new(current))
        })
    }

    /// Settles one pause as its `on_expire` says; true if this call did it.
    async fn expire(&self, pause: &Pause) -> Result<bool, PauseError> {
        let now = self.clock.now();
        let verdict = pause.on_expire.verdict();
        let state = verdict.map_or(PauseState::Expired, Verdict::resulting_state);
        let settlement = Settlement {
            state,
            decision: verdict.map(|decision| Decision {
                decision,
                actor: None,
                via: Via::Timeout,
                comment: None,
                at: now,
            }),
            deadline: Deadline::AfterExpiry,
            deliveries: deliveries_on_settling(pause, state),
        };
        let applied = self.store.settle(&pause.id, &settlement, now).await?;
        if applied {
            count_settled(&settlement);
            self.announce(&pause.id, !settlement.deliveries.is_empty());
        }
        Ok(applied)
    }

    async fn reload(&self, id: &PauseId) -> Result<Pause, PauseError> {
        self.store.pause(id).await?.ok_or(PauseError::NotFound)
    }
}

/// Counts a settlement by final state and how it came (link, api, timeout;
/// `none` for cancel and plain expiry).
fn count_settled(settlement: &Settlement) {
    let via = settlement
        .decision
        .as_ref()
        .map_or("none", |d| d.via.as_str());
    let labels = [("state", settlement.state.as_str()), ("via", via)];
    metrics::counter!("pausegate_pauses_settled_total", &labels).increment(1);
}
