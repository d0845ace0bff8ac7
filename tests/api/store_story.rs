//! One conformance story for every store backend: each chapter runs against
//! SQLite and PostgreSQL, so the two cannot drift apart.

mod availability;

use availability::{
    a_delegates_decision_stands_only_while_its_delegation_holds,
    an_on_call_reading_joins_a_pending_pause_once,
};

/// How long the store waits for the database in these tests.
pub(crate) const STORE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use pausegate::clock::Mint;
use pausegate::domain::{
    ActorName, CreatePolicy, Decision, DeliveryKind, DeliveryState, Event, IdentifiedBy, KeyScope,
    NewDelivery, PauseId, PauseState, Token, Verdict, Via,
};
use pausegate::pauses::{PauseRequest, expiry_settlement, request_fingerprint};
use pausegate::store::{
    ClaimRequest, Created, Deadline, DeliveryOutcome, DeliveryToken, ListQuery, NewPauseRecord,
    Settled, Settlement, Store, TokenKind,
};
use serde_json::json;

fn policy() -> CreatePolicy {
    CreatePolicy {
        default_expires_in: Duration::hours(24),
        max_expires_in: Duration::days(30),
        targets: BTreeMap::from([("hook".to_owned(), Vec::new())]),
        channels: ["ops".to_owned()].into(),
        default_remind_before: None,
        callbacks: Default::default(),
        callback_kinds: Arc::new(pausegate::domain::NoCallbackKinds),
    }
}

pub(crate) fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap()
}

/// A record for a new pause; returns it with its creator token.
pub(crate) fn record(
    body: serde_json::Value,
    at: DateTime<Utc>,
    deliveries: Vec<NewDelivery>,
) -> (NewPauseRecord, Token) {
    let request: PauseRequest = serde_json::from_value(body).unwrap();
    let fingerprint = request_fingerprint(&request);
    let pause = request.parse(&policy()).unwrap();
    let token = Mint::system().token();
    let record = NewPauseRecord {
        id: Mint::system().pause_id(),
        created_at: at,
        expires_at: at + pause.expires_in,
        creator_token: token.hash(),
        key_scope: KeyScope::Server,
        fingerprint,
        deliveries,
        pause,
        settle_at_once: None,
    };
    (record, token)
}

async fn create(store: &Arc<dyn Store>, body: serde_json::Value, at: DateTime<Utc>) -> PauseId {
    match store
        .create_pause(record(body, at, Vec::new()).0)
        .await
        .unwrap()
    {
        Created::New(pause, _) => pause.id,
        other => panic!("not a replay: {other:?}"),
    }
}

/// True if a settle was applied (not refused, not missing).
fn applied(outcome: Option<Settled>) -> bool {
    matches!(outcome, Some(Settled::Applied(_)))
}

fn approval(at: DateTime<Utc>, deliveries: Vec<NewDelivery>) -> Settlement {
    Settlement {
        state: PauseState::Approved,
        decision: Some(Decision {
            on_behalf_of: None,
            decision: Verdict::Approve,
            actor: Some(ActorName::parse("actor", "ana").unwrap()),
            via: Via::Api,
            identified_by: None,
            groups: Vec::new(),
            inputs: None,
            comment: None,
            at,
        }),
        deadline: Deadline::BeforeExpiry,
        deliveries,
    }
}

fn trigger(target: &str) -> NewDelivery {
    NewDelivery {
        id: Mint::system().delivery_id(),
        kind: DeliveryKind::Trigger,
        destination: target.to_owned(),
        event: Event::Approved,
        not_before: None,
    }
}

fn claim_at(at: DateTime<Utc>, limits: &[(&str, u32)]) -> ClaimRequest {
    ClaimRequest {
        now: at,
        lease_until: at + Duration::seconds(30),
        limit: 16,
        hourly_limits: limits.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
    }
}

async fn creation_replay_and_tokens(store: Arc<dyn Store>) {
    let at = now();
    let (first, first_token) = record(
        json!({"title": "t", "idempotency_key": "k-1"}),
        at,
        Vec::new(),
    );
    let Created::New(created, _) = store.create_pause(first).await.unwrap() else {
        panic!("new")
    };
    let (again, again_token) = record(
        json!({"title": "t", "idempotency_key": "k-1"}),
        at,
        Vec::new(),
    );
    let Created::Replayed(replayed) = store.create_pause(again).await.unwrap() else {
        panic!("replay")
    };
    assert_eq!(replayed.id, created.id);
    assert_eq!(replayed.title, "t");
    let (changed, _) = record(
        json!({"title": "other", "idempotency_key": "k-1"}),
        at,
        Vec::new(),
    );
    match store.create_pause(changed).await.unwrap() {
        Created::KeyReused(earlier) => assert_eq!(earlier, created.id),
        other => panic!("a different request under a used key: {other:?}"),
    }
    let (mut elsewhere, _) = record(
        json!({"title": "other", "idempotency_key": "k-1"}),
        at,
        Vec::new(),
    );
    elsewhere.key_scope = KeyScope::Caller("ci-bot".to_owned());
    let Created::New(own, _) = store.create_pause(elsewhere).await.unwrap() else {
        panic!("another caller's key is its own")
    };
    assert_ne!(own.id, created.id);
    for token in [first_token, again_token] {
        let found = store.token(&token.hash()).await.unwrap().unwrap();
        assert_eq!(
            (found.0.pause_id, found.0.kind),
            (created.id.clone(), TokenKind::Creator)
        );
    }
    assert!(
        store
            .token(&Mint::system().token().hash())
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(store.pause(&created.id).await.unwrap().unwrap(), created);
}

async fn the_first_settlement_wins(store: Arc<dyn Store>) {
    let at = now();
    let id = create(&store, json!({"title": "race", "target": "hook"}), at).await;
    let attempts = (0..20).map(|_| {
        let (store, id) = (store.clone(), id.clone());
        tokio::spawn(async move {
            store
                .settle(&id, approval(at, vec![trigger("hook")]), at)
                .await
                .unwrap()
        })
    });
    let mut wins = 0;
    for attempt in attempts.collect::<Vec<_>>() {
        wins += usize::from(applied(attempt.await.unwrap()));
    }
    assert_eq!(wins, 1);
    let pause = store.pause(&id).await.unwrap().unwrap();
    assert_eq!(pause.state, PauseState::Approved);
    assert_eq!(
        (pause.decisions.len(), pause.deliveries.len()),
        (1, 1),
        "one decision, one trigger"
    );
    assert_eq!(pause.decided_at, Some(at));
}

async fn expiry_guards_each_side(store: Arc<dyn Store>) {
    let at = now();
    let id = create(&store, json!({"title": "soon", "expires_in": "1m"}), at).await;
    let later = at + Duration::minutes(2);
    assert!(
        !applied(
            store
                .settle(&id, approval(later, Vec::new()), later)
                .await
                .unwrap()
        ),
        "too late for a person"
    );
    let expire = Settlement {
        state: PauseState::Expired,
        decision: None,
        deadline: Deadline::AfterExpiry,
        deliveries: Vec::new(),
    };
    assert!(
        !applied(store.settle(&id, expire.clone(), at).await.unwrap()),
        "too early for the sweep"
    );
    assert!(
        store
            .expire_due(at, 10, std::sync::Arc::new(expiry_settlement))
            .await
            .unwrap()
            .is_empty(),
        "nothing is due yet"
    );
    let swept = store
        .expire_due(later, 10, std::sync::Arc::new(expiry_settlement))
        .await
        .unwrap();
    assert_eq!(swept.len(), 1);
    assert_eq!(
        (swept[0].id.clone(), swept[0].state),
        (id.clone(), PauseState::Expired)
    );
    assert!(
        !applied(store.settle(&id, expire, later).await.unwrap()),
        "settled once"
    );
    assert_eq!(
        store.pause(&id).await.unwrap().unwrap().state,
        PauseState::Expired
    );
}

async fn pages_and_filters(store: Arc<dyn Store>) {
    let at = now();
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            create(
                &store,
                json!({"title": format!("p{i}"), "tags": [format!("n{}", i % 2)]}),
                at + Duration::seconds(i),
            )
            .await,
        );
    }
    store
        .settle(&ids[1], approval(at, Vec::new()), at)
        .await
        .unwrap();
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_pauses(&ListQuery {
                state: None,
                tag: None,
                limit: 2,
                after,
            })
            .await
            .unwrap();
        seen.extend(page.items.iter().map(|p| p.id.clone()));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, ids.iter().rev().cloned().collect::<Vec<_>>());
    let approved = store
        .list_pauses(&ListQuery {
            state: Some(PauseState::Approved),
            tag: None,
            limit: 10,
            after: None,
        })
        .await
        .unwrap();
    let odd = store
        .list_pauses(&ListQuery {
            state: None,
            tag: Some("n1".to_owned()),
            limit: 10,
            after: None,
        })
        .await
        .unwrap();
    let odd: Vec<PauseId> = odd.items.into_iter().map(|p| p.id).collect();
    assert_eq!(
        odd,
        [ids[3].clone(), ids[1].clone()],
        "by tag, newest first"
    );
    assert_eq!(
        approved
            .items
            .iter()
            .map(|p| p.id.clone())
            .collect::<Vec<_>>(),
        vec![ids[1].clone()]
    );
    let counts = store.counts().await.unwrap();
    assert!(counts.pauses.contains(&("approved".to_owned(), 1)));
    assert!(counts.pauses.contains(&("pending".to_owned(), 4)));
}

async fn leases_retries_and_outcomes(store: Arc<dyn Store>) {
    let at = now();
    let id = create(&store, json!({"title": "send", "target": "hook"}), at).await;
    store
        .settle(&id, approval(at, vec![trigger("hook")]), at)
        .await
        .unwrap();

    let first = store.claim_deliveries(&claim_at(at, &[])).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].attempts, 1);
    assert!(
        store
            .claim_deliveries(&claim_at(at + Duration::seconds(10), &[]))
            .await
            .unwrap()
            .is_empty(),
        "leased"
    );

    // The worker died: after the lease, the same delivery is claimed again.
    let second = store
        .claim_deliveries(&claim_at(at + Duration::seconds(31), &[]))
        .await
        .unwrap();
    assert_eq!(
        (second[0].id.clone(), second[0].attempts),
        (first[0].id.clone(), 2)
    );
    let retry = DeliveryOutcome::Retry {
        at: at + Duration::minutes(5),
        error: "503\0 busy".to_owned(),
    };
    assert!(
        !store.finish_delivery(&first[0], &retry, at).await.unwrap(),
        "a lost lease records nothing"
    );
    assert!(store.finish_delivery(&second[0], &retry, at).await.unwrap());
    let recorded = store.pause(&id).await.unwrap().unwrap().deliveries[0].clone();
    assert_eq!(
        recorded.last_error.as_deref(),
        Some("503 busy"),
        "NUL from a receiver is dropped, not fatal"
    );
    assert!(
        store
            .claim_deliveries(&claim_at(at + Duration::minutes(4), &[]))
            .await
            .unwrap()
            .is_empty()
    );

    let third = store
        .claim_deliveries(&claim_at(at + Duration::minutes(5), &[]))
        .await
        .unwrap();
    let delivered = DeliveryOutcome::Delivered {
        external_id: Some("run-9".to_owned()),
    };
    assert!(
        store
            .finish_delivery(&third[0], &delivered, at)
            .await
            .unwrap()
    );
    let delivery = &store.pause(&id).await.unwrap().unwrap().deliveries[0];
    assert_eq!(
        (delivery.state, delivery.attempts),
        (DeliveryState::Delivered, 3)
    );
    assert_eq!(delivery.external_id.as_deref(), Some("run-9"));
    assert_eq!(
        delivery.last_error, None,
        "a delivery clears the last error"
    );
}

async fn a_renewed_lease_holds_and_a_lost_one_cannot_be_renewed(store: Arc<dyn Store>) {
    let at = now();
    let id = create(&store, json!({"title": "renew", "target": "hook"}), at).await;
    store
        .settle(&id, approval(at, vec![trigger("hook")]), at)
        .await
        .unwrap();
    let held = store.claim_deliveries(&claim_at(at, &[])).await.unwrap();
    let later = at + Duration::seconds(20);
    assert!(
        store
            .renew_lease(&held[0], later + Duration::seconds(30), later)
            .await
            .unwrap()
    );
    let after_first_lease = at + Duration::seconds(31);
    assert!(
        store
            .claim_deliveries(&claim_at(after_first_lease, &[]))
            .await
            .unwrap()
            .is_empty(),
        "the renewal holds it past the first lease"
    );
    let taken = store
        .claim_deliveries(&claim_at(at + Duration::seconds(51), &[]))
        .await
        .unwrap();
    assert_eq!(taken.len(), 1, "a lease not renewed runs out");
    assert!(
        !store
            .renew_lease(&held[0], at + Duration::seconds(90), at)
            .await
            .unwrap(),
        "the old holder cannot take it back"
    );
}

async fn hourly_limits_postpone(store: Arc<dyn Store>) {
    let at = now();
    for i in 0..3 {
        let id = create(
            &store,
            json!({"title": format!("l{i}"), "target": "hook"}),
            at,
        )
        .await;
        store
            .settle(&id, approval(at, vec![trigger("hook")]), at)
            .await
            .unwrap();
    }
    let claimed = store
        .claim_deliveries(&claim_at(at, &[("hook", 2)]))
        .await
        .unwrap();
    assert_eq!(claimed.len(), 2);
    let sent = DeliveryOutcome::Delivered { external_id: None };
    for delivery in &claimed {
        store.finish_delivery(delivery, &sent, at).await.unwrap();
    }
    let later = at + Duration::minutes(59);
    assert!(
        store
            .claim_deliveries(&claim_at(later, &[("hook", 2)]))
            .await
            .unwrap()
            .is_empty(),
        "the third waits"
    );
    let hour_later = at + Duration::minutes(61);
    let third = store
        .claim_deliveries(&claim_at(hour_later, &[("hook", 2)]))
        .await
        .unwrap();
    assert_eq!(third.len(), 1);
    assert_eq!(third[0].attempts, 1, "waiting was not an attempt");
}

async fn notification_tokens_and_dropped_requests(store: Arc<dyn Store>) {
    let at = now();
    let email = NewDelivery {
        id: Mint::system().delivery_id(),
        kind: DeliveryKind::Email,
        destination: "ana@example.com".to_owned(),
        event: Event::Requested,
        not_before: None,
    };
    let post = NewDelivery {
        id: Mint::system().delivery_id(),
        kind: DeliveryKind::Channel,
        destination: "ops".to_owned(),
        ..email.clone()
    };
    let (record, _) = record(json!({"title": "tell"}), at, vec![email.clone(), post]);
    let Created::New(pause, _) = store.create_pause(record).await.unwrap() else {
        panic!("new")
    };
    assert_eq!(pause.deliveries.len(), 2);

    let claimed = store.claim_deliveries(&claim_at(at, &[])).await.unwrap();
    let email_claim = claimed
        .iter()
        .find(|d| d.kind == DeliveryKind::Email)
        .unwrap()
        .clone();
    let old = Mint::system().token();
    let new = Mint::system().token();
    for token in [&old, &new] {
        let minted = DeliveryToken {
            delivery_id: email.id.clone(),
            lease_id: email_claim.lease_id.clone(),
            pause_id: pause.id.clone(),
            hash: token.hash(),
            kind: TokenKind::Recipient,
            actor: Some("ana@example.com".to_owned()),
        };
        assert!(store.replace_delivery_token(&minted, at).await.unwrap());
    }
    let stale = DeliveryToken {
        delivery_id: email.id.clone(),
        lease_id: "lse_not_mine".to_owned(),
        pause_id: pause.id.clone(),
        hash: Mint::system().token().hash(),
        kind: TokenKind::Recipient,
        actor: None,
    };
    assert!(
        !store.replace_delivery_token(&stale, at).await.unwrap(),
        "only the lease holder mints"
    );
    assert!(store.token(&stale.hash).await.unwrap().is_none());
    assert!(
        store.token(&old.hash()).await.unwrap().is_none(),
        "the unsent link's hash is gone"
    );
    let found = store.token(&new.hash()).await.unwrap().unwrap();
    assert_eq!(found.0.actor.as_deref(), Some("ana@example.com"));

    assert!(
        store
            .finish_delivery(&email_claim, &DeliveryOutcome::Dropped, at)
            .await
            .unwrap()
    );
    let kept = store.token(&new.hash()).await.unwrap().unwrap();
    assert_eq!(
        kept.0.pause_id, pause.id,
        "a link that may have been sent keeps working"
    );
    let follow_up = NewDelivery {
        id: Mint::system().delivery_id(),
        kind: DeliveryKind::Channel,
        destination: "ops".to_owned(),
        event: Event::Approved,
        not_before: None,
    };
    let channel_claim = claimed
        .iter()
        .find(|d| d.kind == DeliveryKind::Channel)
        .unwrap();
    let sent = DeliveryOutcome::Delivered { external_id: None };
    store
        .finish_delivery(channel_claim, &sent, at)
        .await
        .unwrap();
    store
        .settle(&pause.id, approval(at, vec![follow_up]), at)
        .await
        .unwrap();
    let settled = store.pause(&pause.id).await.unwrap().unwrap();
    let mut states: Vec<(DeliveryKind, DeliveryState)> = settled
        .deliveries
        .iter()
        .map(|d| (d.kind, d.state))
        .collect();
    states.sort_by_key(|(_, state)| *state as u8);
    assert_eq!(
        states,
        vec![
            (DeliveryKind::Channel, DeliveryState::Pending),
            (DeliveryKind::Channel, DeliveryState::Delivered)
        ],
        "the email is gone; the asked channel has its request and a pending follow-up"
    );
}

async fn answers_are_what_a_read_returns(store: Arc<dyn Store>) {
    let at = now();
    assert_eq!(store.next_expiry().await.unwrap(), None);
    let email = NewDelivery {
        id: Mint::system().delivery_id(),
        kind: DeliveryKind::Email,
        destination: "ana@example.com".to_owned(),
        event: Event::Requested,
        not_before: None,
    };
    let (record, _) = record(
        json!({"title": "same", "target": "hook", "notify": {"channels": ["ops"]}}),
        at,
        vec![email],
    );
    let Created::New(created, _) = store.create_pause(record).await.unwrap() else {
        panic!("new")
    };
    let stored = store.pause(&created.id).await.unwrap().unwrap();
    assert_eq!(created, stored, "a create answers what it stored");
    assert_eq!(store.next_expiry().await.unwrap(), Some(created.expires_at));
    assert_eq!(store.next_delivery_due().await.unwrap(), Some(at));

    let later = at + Duration::seconds(5);
    let Some(Settled::Applied(settled)) = store
        .settle(&created.id, approval(later, vec![trigger("hook")]), later)
        .await
        .unwrap()
    else {
        panic!("applied")
    };
    let stored = store.pause(&created.id).await.unwrap().unwrap();
    assert_eq!(settled, stored, "a settle answers the pause as stored");
    assert_eq!(
        settled.deliveries.len(),
        1,
        "the unsent email went; the trigger came"
    );
    assert_eq!(store.next_expiry().await.unwrap(), None);
    let Some(Settled::Refused(current)) = store
        .settle(&created.id, approval(later, Vec::new()), later)
        .await
        .unwrap()
    else {
        panic!("refused")
    };
    assert_eq!(current, stored, "a refusal shows the pause as it is");
}

fn approval_by(actor: &str, by: IdentifiedBy, at: DateTime<Utc>) -> Settlement {
    let mut settlement = approval(at, vec![trigger("hook")]);
    let decision = settlement.decision.as_mut().unwrap();
    decision.actor = Some(ActorName::parse("actor", actor).unwrap());
    decision.identified_by = Some(by);
    settlement
}

async fn rules_collect_a_quorum_and_settle_once(store: Arc<dyn Store>) {
    let at = now();
    let body = json!({"title": "two of us", "target": "hook", "tags": ["team:data"],
        "approvers": ["*@example.com"], "approvals_required": 2,
        "input_fields": [{"name": "rows", "type": "number", "min": 0}]});
    let (mut record, _) = record(body, at, Vec::new());
    record.pause.requested_by = Some("ci-bot".to_owned());
    let id = match store.create_pause(record).await.unwrap() {
        Created::New(pause, _) => pause.id,
        other => panic!("not a replay: {other:?}"),
    };
    let stored = store.pause(&id).await.unwrap().unwrap();
    let rules = stored.rules.as_ref().expect("rules are stored");
    assert_eq!(
        (rules.approvals_required, stored.requested_by.as_deref()),
        (2, Some("ci-bot"))
    );

    let outcome = store.settle(
        &id,
        approval_by("ana@example.com", IdentifiedBy::Email, at),
        at,
    );
    assert!(matches!(outcome.await.unwrap(), Some(Settled::Recorded(_))));
    let again = store.settle(
        &id,
        approval_by("ANA@example.com", IdentifiedBy::Email, at),
        at,
    );
    assert!(matches!(
        again.await.unwrap(),
        Some(Settled::AlreadyCounted(_))
    ));
    let stranger = store.settle(
        &id,
        approval_by("eve@elsewhere.org", IdentifiedBy::Oidc, at),
        at,
    );
    assert!(matches!(
        stranger.await.unwrap(),
        Some(Settled::Forbidden(_))
    ));
    let declared = store.settle(
        &id,
        approval_by("bo@example.com", IdentifiedBy::SelfDeclared, at),
        at,
    );
    assert!(matches!(
        declared.await.unwrap(),
        Some(Settled::Forbidden(_))
    ));

    // An address rule admits an address someone vouched for (here a
    // sign-in), never an API caller's name.
    let mut last = approval_by("bo@example.com", IdentifiedBy::SignIn, at);
    let rows = json!({"rows": 12.5}).as_object().unwrap().clone();
    last.decision.as_mut().unwrap().inputs = Some(rows.clone());
    let second = store.settle(&id, last, at);
    let Some(Settled::Applied(settled)) = second.await.unwrap() else {
        panic!("the second approver settles it");
    };
    assert_eq!(settled.state, PauseState::Approved);
    let stored = store.pause(&id).await.unwrap().unwrap();
    assert_eq!(
        stored, settled,
        "what settle answers is what a read returns"
    );
    let by: Vec<_> = stored.decisions.iter().map(|d| d.identified_by).collect();
    assert_eq!(by, [Some(IdentifiedBy::Email), Some(IdentifiedBy::SignIn)]);
    assert_eq!(stored.deliveries.len(), 1, "one trigger");
    assert_eq!(
        stored.inputs,
        Some(rows),
        "the inputs the settling decision gave"
    );
    assert_eq!(stored.input_fields[0].name, "rows");
    assert_eq!(stored.tags, ["team:data"]);
}

pub(crate) async fn sqlite_store() -> (Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("story.db").display());
    (
        pausegate::store::open(&url, STORE_TIMEOUT).await.unwrap(),
        dir,
    )
}

macro_rules! on_every_backend {
    ($($chapter:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $chapter() {
                    let (store, _dir) = super::sqlite_store().await;
                    super::$chapter(store).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $chapter() {
                    let database = crate::pg::PgDatabase::create().await;
                    let store = pausegate::store::open(&database.url, super::STORE_TIMEOUT).await.unwrap();
                    super::$chapter(store.clone()).await;
                    store.close().await;
                    drop(database);
                }
            )*
        }
    };
}

on_every_backend!(
    creation_replay_and_tokens,
    the_first_settlement_wins,
    expiry_guards_each_side,
    pages_and_filters,
    leases_retries_and_outcomes,
    a_renewed_lease_holds_and_a_lost_one_cannot_be_renewed,
    hourly_limits_postpone,
    notification_tokens_and_dropped_requests,
    answers_are_what_a_read_returns,
    rules_collect_a_quorum_and_settle_once,
    a_delegates_decision_stands_only_while_its_delegation_holds,
    an_on_call_reading_joins_a_pending_pause_once,
);
