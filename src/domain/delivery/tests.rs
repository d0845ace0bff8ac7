//! The deliveries a new pause and a settlement enqueue, and their names.
use std::sync::atomic::{AtomicU8, Ordering};

use super::*;
use crate::domain::{
    ChannelName, EmailAddress, ID_RANDOM_BYTES, OnExpire, PauseId, TargetName, Title,
};

/// 2023-11-14, as a test's "now".
fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(1_700_000_000_000).unwrap()
}

/// Ids told apart by their last character, counting up.
fn counter() -> impl Fn() -> DeliveryId + Sync {
    let made = AtomicU8::new(0);
    move || {
        let mut random = [0; ID_RANDOM_BYTES];
        random[ID_RANDOM_BYTES - 1] = made.fetch_add(1, Ordering::Relaxed) + 1;
        DeliveryId::from_parts(0, &random)
    }
}

fn email(address: &str) -> EmailAddress {
    EmailAddress::parse("email", address).unwrap()
}

fn ops() -> ChannelName {
    ChannelName::parse("channel", "ops").unwrap()
}

fn pause(target: Option<&str>, on_reject: Option<&str>) -> Pause {
    let now = now();
    Pause {
        id: PauseId::from_parts(0, &[0; ID_RANDOM_BYTES]),
        state: PauseState::Pending,
        title: Title::parse("title", "t").unwrap(),
        description: String::new(),
        data: serde_json::json!({}),
        target: target.map(|t| TargetName::parse("target", t).unwrap()),
        target_params: None,
        on_reject: on_reject.map(|t| TargetName::parse("on_reject", t).unwrap()),
        on_expire: OnExpire::Expire,
        notify: Notify::default(),
        created_at: now,
        expires_at: now,
        decided_at: None,
        decisions: Vec::new(),
        deliveries: Vec::new(),
        callback: None,
        rules: None,
        requested_by: None,
        requester_identified_by: None,
        tags: Vec::new(),
        group: None,
        superseded_by: None,
        held: None,
        window: None,
        released: None,
        receipt: None,
        input_fields: Vec::new(),
        subjects: Vec::new(),
        inputs: None,
    }
}

fn routed(p: &Pause, state: PauseState) -> Option<(String, Event)> {
    trigger_for(p, state, &counter()).map(|d| (d.destination, d.event))
}

#[test]
fn each_outcome_goes_to_its_target() {
    let p = pause(Some("go"), Some("stop"));
    assert_eq!(
        routed(&p, PauseState::Approved),
        Some(("go".into(), Event::Approved))
    );
    assert_eq!(
        routed(&p, PauseState::Rejected),
        Some(("stop".into(), Event::Rejected))
    );
    assert_eq!(
        routed(&p, PauseState::Expired),
        Some(("stop".into(), Event::Expired))
    );
    assert_eq!(routed(&p, PauseState::Cancelled), None);
}

#[test]
fn no_target_means_no_trigger() {
    let p = pause(None, None);
    assert_eq!(routed(&p, PauseState::Approved), None);
    assert_eq!(routed(&p, PauseState::Rejected), None);
}

#[test]
fn a_new_pause_notifies_everyone_once_and_schedules_reminders() {
    let notify = Notify {
        email: vec![email("a@example.com"), email("b@example.com")],
        channels: vec![ops()],
    };
    let at = now();
    let all = notifications_for_new(&notify, Some(at), None, &counter());
    let summary: Vec<_> = all
        .iter()
        .map(|d| (d.kind, d.destination.as_str(), d.event, d.not_before))
        .collect();
    assert_eq!(
        summary,
        vec![
            (DeliveryKind::Email, "a@example.com", Event::Requested, None),
            (DeliveryKind::Email, "b@example.com", Event::Requested, None),
            (DeliveryKind::Channel, "ops", Event::Requested, None),
            (
                DeliveryKind::Email,
                "a@example.com",
                Event::Reminder,
                Some(at)
            ),
            (
                DeliveryKind::Email,
                "b@example.com",
                Event::Reminder,
                Some(at)
            ),
        ]
    );
    assert_eq!(
        notifications_for_new(&notify, None, None, &counter()).len(),
        3
    );
}

#[test]
fn settling_follows_up_in_each_channel() {
    let mut p = pause(Some("go"), None);
    p.notify.channels = vec![ops()];
    let sent: Vec<_> = deliveries_on_settling(&p, PauseState::Approved, &counter())
        .into_iter()
        .map(|d| (d.kind, d.destination, d.event))
        .collect();
    assert_eq!(
        sent,
        vec![
            (DeliveryKind::Trigger, "go".to_owned(), Event::Approved),
            (DeliveryKind::Channel, "ops".to_owned(), Event::Approved),
        ]
    );
    let cancelled = deliveries_on_settling(&p, PauseState::Cancelled, &counter());
    assert_eq!(cancelled.len(), 1);
    assert_eq!(cancelled[0].event, Event::Cancelled);
}

#[test]
fn each_new_delivery_takes_its_own_id_from_the_callers_source() {
    let notify = Notify {
        email: vec![email("a@example.com")],
        channels: vec![ops()],
    };
    let ids: Vec<String> = notifications_for_new(&notify, Some(now()), None, &counter())
        .into_iter()
        .map(|d| d.id.to_string())
        .collect();
    assert_eq!(
        ids,
        [
            "del_000000000000000000000001",
            "del_000000000000000000000002",
            "del_000000000000000000000003"
        ]
    );
}
