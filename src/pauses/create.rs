//! Creating a pause: read the command, ask the policies, store the pause
//! with its creator token and notifications (or find the earlier one its
//! idempotency key names), and announce what it settled.

use std::sync::atomic::Ordering;

use super::{CreatedPause, PauseError, Pauses, Requester, commands, on_call_again, policy};
use super::{PauseRequest, request_fingerprint};
use crate::domain::{
    Callback, KeyScope, NewPause, Pause, PauseState, Token, ValidationError, notifications_for_new,
};
use crate::store::{Created, NewPauseRecord};

impl Pauses {
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
        pause: NewPause,
        key_scope: KeyScope,
        fingerprint: String,
    ) -> Result<CreatedPause, PauseError> {
        self.windows.check(pause.window.as_deref())?;
        let mut pause = self.resolve_on_call(pause).await?;
        self.ask_delegates(&mut pause).await?;
        let token = self.mint.token();
        let record = self.record(pause, key_scope, fingerprint, &token)?;
        let expires_at = record.expires_at;
        let enqueued = !record.deliveries.is_empty()
            || record
                .settle_at_once
                .as_ref()
                .is_some_and(|s| !s.deliveries.is_empty());
        let (pause, replayed) = self.stored(record, enqueued).await?;
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

    /// What to store for `pause`: its times, its notifications, and the
    /// settlement a policy may have decided at once.
    fn record(
        &self,
        mut pause: NewPause,
        key_scope: KeyScope,
        fingerprint: String,
        token: &Token,
    ) -> Result<NewPauseRecord, PauseError> {
        let now = self.clock.now();
        let by_policy = self.consult(&mut pause, now)?;
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
            })
            .into_iter()
            .chain(escalation.into_iter().flat_map(|(at, _)| {
                on_call_again::rereads_at(pause.rules.as_ref(), at, &|| self.mint.delivery_id())
            }))
            .collect(),
            pause,
            key_scope,
            fingerprint,
            settle_at_once: None,
        };
        let mut record = policy::settled_by_policy(record, by_policy, &|| self.mint.delivery_id());
        if let Some(settlement) = record.settle_at_once.take() {
            record.settle_at_once = Some(self.held(&record.to_pause(), settlement));
        }
        Ok(record)
    }

    /// Stores `record`; the pause and whether it was a replay. Pauses it
    /// settled (superseded, or decided by a policy) are announced.
    async fn stored(
        &self,
        record: NewPauseRecord,
        enqueued: bool,
    ) -> Result<(Pause, bool), PauseError> {
        Ok(match self.store.create_pause(record).await? {
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
        })
    }
}
