use chrono::{DateTime, Utc};

use super::*;

fn office_hours() -> Window {
    let spec = WindowSpec {
        time_zone: "Europe/Amsterdam".to_owned(),
        open: vec![OpenSpec {
            days: ["mon", "tue", "wed", "thu", "fri"]
                .map(str::to_owned)
                .to_vec(),
            from: "09:00".to_owned(),
            until: "17:00".to_owned(),
        }],
        freezes: vec![FreezeSpec {
            from: "2026-12-24T00:00".to_owned(),
            until: "2026-12-28T12:00".to_owned(),
            reason: Some("holidays".to_owned()),
        }],
        during_freeze: Some("refuse".to_owned()),
    };
    Window::parse("office", spec).unwrap()
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

#[test]
fn friday_evening_waits_for_monday_morning_local_time() {
    let window = office_hours();
    // Friday 4 December 2026, 18:00 in Amsterdam (UTC+1).
    let friday = at("2026-12-04T17:00:00Z");
    assert!(!window.is_open(friday));
    let opens = window.opens_at(friday).unwrap();
    assert_eq!(opens, at("2026-12-07T08:00:00Z"));
    assert_eq!(
        window.describe(opens),
        "Monday 7 December 2026 09:00 Europe/Amsterdam"
    );
}

#[test]
fn inside_the_hours_it_opens_at_once() {
    let window = office_hours();
    let tuesday = at("2026-12-08T10:30:00Z");
    assert!(window.is_open(tuesday));
    assert_eq!(window.opens_at(tuesday), Some(tuesday));
    assert!(!window.is_open(at("2026-12-08T16:00:00Z")), "17:00 closes");
}

#[test]
fn a_freeze_closes_the_hours_and_it_opens_at_the_first_hour_after() {
    let window = office_hours();
    // Thursday 24 December, 10:00 local: frozen.
    let christmas_eve = at("2026-12-24T09:00:00Z");
    assert!(window.frozen_at(christmas_eve).is_some());
    assert!(!window.is_open(christmas_eve));
    // The freeze ends Monday 28 December at 12:00, inside the hours.
    assert_eq!(
        window.opens_at(christmas_eve),
        Some(at("2026-12-28T11:00:00Z"))
    );
    assert_eq!(window.during_freeze, DuringFreeze::Refuse);
}

#[test]
fn hours_follow_the_local_clock_across_daylight_saving() {
    let window = office_hours();
    // Friday 27 March 2026 18:00 CET; summer time starts on the Sunday.
    let opens = window.opens_at(at("2026-03-27T17:00:00Z")).unwrap();
    assert_eq!(opens, at("2026-03-30T07:00:00Z"), "09:00 CEST is 07:00 UTC");
}

#[test]
fn hours_until_midnight_run_into_the_next_days_early_hours() {
    let spec = WindowSpec {
        time_zone: "UTC".to_owned(),
        open: vec![
            OpenSpec {
                days: vec!["fri".to_owned()],
                from: "22:00".to_owned(),
                until: "24:00".to_owned(),
            },
            OpenSpec {
                days: vec!["sat".to_owned()],
                from: "00:00".to_owned(),
                until: "02:00".to_owned(),
            },
        ],
        freezes: Vec::new(),
        during_freeze: None,
    };
    let window = Window::parse("night", spec).unwrap();
    assert!(window.is_open(at("2026-12-04T23:59:30Z")), "Friday 23:59");
    assert!(window.is_open(at("2026-12-05T00:00:00Z")), "Saturday 00:00");
    assert!(
        !window.is_open(at("2026-12-05T02:00:00Z")),
        "Saturday 02:00"
    );
}

#[test]
fn a_start_keeps_to_both_its_own_window_and_its_targets() {
    let weekend = WindowSpec {
        time_zone: "Europe/Amsterdam".to_owned(),
        open: vec![OpenSpec {
            days: vec!["mon".to_owned(), "sat".to_owned()],
            from: "10:00".to_owned(),
            until: "12:00".to_owned(),
        }],
        freezes: Vec::new(),
        during_freeze: None,
    };
    let windows = [office_hours(), Window::parse("late", weekend).unwrap()];
    let both: Vec<&Window> = windows.iter().collect();
    // Friday evening: office hours open Monday 09:00, "late" Saturday
    // 10:00; both are open first on Monday at 10:00.
    let opens = set::opens_together(&both, at("2026-12-04T17:00:00Z"));
    assert_eq!(opens, Some(at("2026-12-07T09:00:00Z")));
}

#[test]
fn a_window_without_hours_is_open_except_when_frozen() {
    let spec = WindowSpec {
        time_zone: "UTC".to_owned(),
        open: Vec::new(),
        freezes: vec![FreezeSpec {
            from: "2026-12-01T00:00".to_owned(),
            until: "2026-12-02T00:00".to_owned(),
            reason: None,
        }],
        during_freeze: None,
    };
    let window = Window::parse("freezes-only", spec).unwrap();
    assert!(window.is_open(at("2026-11-30T23:00:00Z")));
    assert_eq!(
        window.opens_at(at("2026-12-01T05:00:00Z")),
        Some(at("2026-12-02T00:00:00Z"))
    );
    assert_eq!(window.during_freeze, DuringFreeze::Hold);
}

/// A change to a good window.
type Change = dyn Fn(&mut WindowSpec);

#[test]
fn each_mistake_in_a_window_names_its_key() {
    let good = || WindowSpec {
        time_zone: "Europe/Amsterdam".to_owned(),
        open: vec![OpenSpec {
            days: vec!["monday".to_owned()],
            from: "09:00".to_owned(),
            until: "17:00".to_owned(),
        }],
        freezes: Vec::new(),
        during_freeze: None,
    };
    let error = |change: &Change| {
        let mut spec = good();
        change(&mut spec);
        Window::parse("w", spec).unwrap_err()
    };
    assert!(Window::parse("w", good()).is_ok());
    let cases: [(&Change, &str); 6] = [
        (
            &|s| s.time_zone = "Mars/Olympus".to_owned(),
            "windows.w.time_zone",
        ),
        (
            &|s| s.open[0].days = vec!["someday".to_owned()],
            "windows.w.open[0].days",
        ),
        (
            &|s| s.open[0].from = "9am".to_owned(),
            "windows.w.open[0].from",
        ),
        (
            &|s| s.open[0].until = "08:00".to_owned(),
            "windows.w.open[0].until",
        ),
        (
            &|s| s.during_freeze = Some("ignore".to_owned()),
            "windows.w.during_freeze",
        ),
        (
            &|s| {
                s.freezes.push(FreezeSpec {
                    from: "2026-12-02T00:00".to_owned(),
                    until: "2026-12-01T00:00".to_owned(),
                    reason: None,
                })
            },
            "windows.w.freezes[0].until",
        ),
    ];
    for (change, key) in cases {
        let message = error(change);
        assert!(message.starts_with(key), "{message} should name {key}");
    }
}

#[test]
fn a_target_naming_an_unknown_window_is_refused_by_its_key() {
    let targets = [("deploy".to_owned(), "weekend".to_owned())].into();
    let error = Windows::new(vec![office_hours()], targets).unwrap_err();
    assert!(error.starts_with("targets.deploy.window: unknown window \"weekend\""));
    assert!(error.contains("known: office"), "{error}");
}
