//! Chapters of the store story about who is asked: a delegate's decision
//! stands only while its delegation holds when the pause is settled, and
//! an on-call reading joins a pending pause once and a settled one never.

use std::sync::Arc;

use chrono::{Duration, SubsecRound};
use pausegate::clock::Mint;
use pausegate::domain::{
    ActorName, Decision, Delegation, DeliveryKind, Event, IdentifiedBy, NewDelivery,
    OnCallResolution, PauseState, Verdict, Via,
};
use pausegate::store::{Deadline, Settled, Settlement, Store};
use serde_json::json;

use super::{create, now};

/// bo approving for ana.
fn for_ana(at: chrono::DateTime<chrono::Utc>) -> Settlement {
    Settlement {
        state: PauseState::Approved,
        decision: Some(Decision {
            on_behalf_of: Some("ana@example.com".to_owned()),
            decision: Verdict::Approve,
            actor: Some(ActorName::parse("actor", "bo@example.com").unwrap()),
            via: Via::Link,
            identified_by: Some(IdentifiedBy::SignIn),
            groups: Vec::new(),
            inputs: None,
            comment: None,
            at,
        }),
        deadline: Deadline::BeforeExpiry,
        deliveries: Vec::new(),
    }
}

pub(super) async fn a_delegates_decision_stands_only_while_its_delegation_holds(
    store: Arc<dyn Store>,
) {
    let at = now();
    let body = json!({"title": "Deploy?", "approvers": ["ana@example.com"]});
    let first = create(&store, body.clone(), at).await;
    let refused = store.settle(&first, for_ana(at), at).await.unwrap();
    assert!(
        matches!(&refused, Some(Settled::Forbidden(why)) if why.contains("no longer decides for")),
        "no delegation: {refused:?}"
    );

    let id = Mint::system().delegation_id();
    let (person, delegate) = ("ana@example.com", "bo@example.com");
    let ends = at + Duration::hours(1);
    let delegation = Delegation::parse(id.clone(), person, delegate, at, ends, None, None, at);
    store
        .add_delegation(delegation.unwrap())
        .await
        .unwrap()
        .unwrap();
    let applied = store.settle(&first, for_ana(at), at).await.unwrap();
    let Some(Settled::Applied(pause)) = applied else {
        panic!("the delegation holds: {applied:?}")
    };
    assert_eq!(pause.decisions[0].on_behalf_of.as_deref(), Some(person));

    let second = create(&store, body, at).await;
    assert!(
        !store.remove_delegation(&id, Some(delegate)).await.unwrap(),
        "not bo's"
    );
    assert!(store.remove_delegation(&id, Some(person)).await.unwrap());
    let refused = store.settle(&second, for_ana(at), at).await.unwrap();
    assert!(
        matches!(refused, Some(Settled::Forbidden(_))),
        "withdrawn: {refused:?}"
    );
    assert!(
        store
            .pause(&second)
            .await
            .unwrap()
            .unwrap()
            .decisions
            .is_empty()
    );
}

fn email(to: &str) -> NewDelivery {
    NewDelivery {
        id: Mint::system().delivery_id(),
        kind: DeliveryKind::Email,
        destination: to.to_owned(),
        event: Event::Escalated,
        not_before: None,
    }
}

pub(super) async fn an_on_call_reading_joins_a_pending_pause_once(store: Arc<dyn Store>) {
    let at = now();
    let schedule = "oncall:pagerduty:P1";
    let body = json!({"title": "Fail over?", "approvers": [schedule, "ana@example.com"]});
    let id = create(&store, body, at).await;
    let reading = OnCallResolution {
        schedule: schedule.to_owned(),
        people: vec!["ana@example.com".to_owned(), "dee@example.com".to_owned()],
        // Stored to the second, as the time of a reading is written.
        resolved_at: at.trunc_subsecs(0),
        fallback: None,
    };
    let emails = vec![email("ana@example.com"), email("dee@example.com")];
    let added = store
        .ask_on_call(&id, reading.clone(), emails, at)
        .await
        .unwrap();
    assert_eq!(added, ["dee@example.com"]);
    let pause = store.pause(&id).await.unwrap().unwrap();
    let rules = pause.rules.as_ref().unwrap();
    assert_eq!(
        rules.approvers,
        [schedule, "ana@example.com", "dee@example.com"]
    );
    assert_eq!(rules.on_call, std::slice::from_ref(&reading));
    let asked: Vec<&str> = (pause.deliveries.iter())
        .map(|d| d.destination.as_str())
        .collect();
    assert_eq!(
        asked,
        ["dee@example.com"],
        "only the person added is emailed"
    );

    let settle = super::approval_by("ana@example.com", IdentifiedBy::SignIn, at);
    assert!(super::applied(store.settle(&id, settle, at).await.unwrap()));
    let again = store
        .ask_on_call(&id, reading, vec![email("eve@example.com")], at)
        .await;
    assert!(again.unwrap().is_empty(), "a settled pause asks nobody");
    let pause = store.pause(&id).await.unwrap().unwrap();
    assert_eq!(pause.rules.unwrap().on_call.len(), 1);
}
