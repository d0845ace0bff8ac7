//! On-call approvers: `oncall:pagerduty:…` and `oncall:opsgenie:…` are
//! resolved when the pause is created, through stand-ins that refuse any
//! request not made as each API documents it; the people resolved are
//! asked and may approve, a service that cannot be reached falls back and
//! says so, and an unknown schedule is a 400 naming the approver.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Duration, SubsecRound};
use pausegate::domain::{IdentifiedBy, PauseId, Verdict};
use pausegate::pauses::{Decider, PauseError};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_message};
use crate::standins;

type Seen = Arc<Mutex<Vec<String>>>;

/// PagerDuty's `GET /schedules/{id}/users`: schedule `PSCHED1` has ana
/// and bo on call; any other is 404, as documented.
async fn pagerduty(
    State(seen): State<Seen>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    if header("authorization") != "Token token=pd-token" {
        return (StatusCode::UNAUTHORIZED, "no token").into_response();
    }
    if header("accept") != "application/vnd.pagerduty+json;version=2" {
        return (StatusCode::BAD_REQUEST, "no version").into_response();
    }
    let times = ["since", "until"].map(|k| {
        query
            .get(k)
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
    });
    let [Some(since), Some(until)] = times else {
        return (StatusCode::BAD_REQUEST, "since and until are ISO 8601").into_response();
    };
    assert!(since < until);
    seen.lock()
        .unwrap()
        .push(format!("pagerduty {id} since {}", since.to_utc()));
    let user = |name: &str, email: &str| json!({"id": "PU1", "type": "user", "name": name, "email": email});
    // `PROT<unix seconds>` hands over from ana to dee at those seconds,
    // `PNEW<unix seconds>` from ana to eve.
    let rotation = [("PROT", "dee@example.com"), ("PNEW", "eve@example.com")]
        .into_iter()
        .find_map(|(prefix, next)| Some((id.strip_prefix(prefix)?.parse::<i64>().ok()?, next)));
    if let Some((switch, next)) = rotation {
        let on_call = match since.timestamp() < switch {
            true => user("Ana", "ana@example.com"),
            false => user("Next", next),
        };
        return axum::Json(json!({"users": [on_call]})).into_response();
    }
    if id != "PSCHED1" {
        let body = json!({"error": {"message": "Not Found", "code": 2100}});
        return (StatusCode::NOT_FOUND, axum::Json(body)).into_response();
    }
    axum::Json(json!({"users": [user("Ana", "ana@example.com"), user("Bo", "bo@example.com")]}))
        .into_response()
}

/// Opsgenie's `GET /v2/schedules/{id}/on-calls?flat=true`: schedule
/// `og-sched` has cy on call; any other is 404.
async fn opsgenie(
    State(seen): State<Seen>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("GenieKey og-key") {
        return (StatusCode::UNAUTHORIZED, "no key").into_response();
    }
    let flat = query.get("flat").map(String::as_str) == Some("true");
    let by_id = query.get("scheduleIdentifierType").map(String::as_str) == Some("id");
    if !flat || !by_id {
        return (StatusCode::BAD_REQUEST, "flat and by id").into_response();
    }
    seen.lock().unwrap().push(format!("opsgenie {id}"));
    if id != "og-sched" {
        let body = json!({"message": "Schedule not found", "took": 0.01, "requestId": "r1"});
        return (StatusCode::NOT_FOUND, axum::Json(body)).into_response();
    }
    let data = json!({"_parent": {"id": id, "name": "ops", "enabled": true},
                      "onCallRecipients": ["cy@example.com"]});
    axum::Json(json!({"data": data, "took": 0.02, "requestId": "r2"})).into_response()
}

async fn services() -> (String, Seen) {
    let seen = Seen::default();
    let router = Router::new()
        .route("/pd/schedules/{id}/users", get(pagerduty))
        .route("/og/v2/schedules/{id}/on-calls", get(opsgenie))
        .with_state(seen.clone());
    (standins::serve(router).await, seen)
}

async fn app(base: &str) -> TestApp {
    app_on(base, None).await
}

/// The app on `database` (SQLite in its folder when `None`).
async fn app_on(base: &str, database: Option<&str>) -> TestApp {
    let config = format!(
        "[pagerduty]\ntoken_env = \"PD_TOKEN\"\nurl = \"{base}/pd\"\n\
         [opsgenie]\napi_key_env = \"OG_KEY\"\nurl = \"{base}/og\"\n\
         [on_call]\nfallback = [\"lead@example.com\"]\n"
    );
    let builder = TestApp::builder()
        .config(&config)
        .env(&[("PD_TOKEN", "pd-token"), ("OG_KEY", "og-key")])
        .manual();
    match database {
        Some(url) => builder.database(url),
        None => builder,
    }
    .start()
    .await
}

async fn approve_as(app: &TestApp, id: &str, email: &str) -> Result<Value, PauseError> {
    let decider = Decider {
        email: email.to_owned(),
        by: IdentifiedBy::SignIn,
        groups: Vec::new(),
    };
    let id = PauseId::parse(id).unwrap();
    let pause = app
        .pauses
        .decide_as(&id, Verdict::Approve, &decider, None, Default::default())
        .await?;
    Ok(serde_json::to_value(pause).unwrap())
}

#[tokio::test]
async fn whoever_pagerduty_and_opsgenie_name_on_call_is_asked_and_may_approve() {
    let (base, seen) = services().await;
    let app = app(&base).await;
    let body = json!({"title": "Restart the primary?", "approvals_required": 2,
        "approvers": ["oncall:pagerduty:PSCHED1", "oncall:opsgenie:og-sched"]});
    let created = app.api.created(body).await;
    let id = created["id"].as_str().unwrap();
    let rules = &created["rules"];
    let approvers: Vec<&str> = rules["approvers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    for person in ["ana@example.com", "bo@example.com", "cy@example.com"] {
        assert!(approvers.contains(&person), "{person} in {approvers:?}");
    }
    assert_eq!(rules["on_call"][0]["schedule"], "oncall:pagerduty:PSCHED1");
    assert_eq!(
        rules["on_call"][0]["people"],
        json!(["ana@example.com", "bo@example.com"])
    );
    assert_eq!(rules["on_call"][1]["people"], json!(["cy@example.com"]));
    assert!(rules["on_call"][0].get("fallback").is_none());
    let asked = created["notify"]["email"].to_string();
    assert!(
        asked.contains("bo@example.com") && asked.contains("cy@example.com"),
        "{asked}"
    );
    let since = app.clock_now().trunc_subsecs(0);
    let seen = seen.lock().unwrap().clone();
    let expected = [
        format!("pagerduty PSCHED1 since {since}"),
        "opsgenie og-sched".to_owned(),
    ];
    assert_eq!(seen, expected, "each schedule read once, at creation");

    let refused = approve_as(&app, id, "zed@example.com").await.unwrap_err();
    assert!(matches!(refused, PauseError::Forbidden(_)), "{refused:?}");
    approve_as(&app, id, "bo@example.com").await.unwrap();
    let settled = approve_as(&app, id, "cy@example.com").await.unwrap();
    assert_eq!(settled["state"], "approved");
    let receipt = app.api.receipt(id).await;
    assert_eq!(receipt["claims"]["on_call"], rules["on_call"], "signed");
    assert_eq!(receipt["claims"]["decisions"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_schedule_service_that_cannot_be_reached_falls_back_and_says_so() {
    // Nothing listens on port 9 of this machine.
    let app = app("http://127.0.0.1:9").await;
    let created = app
        .api
        .created(json!({"title": "Failover?", "approvers": ["oncall:pagerduty:PSCHED1"]}))
        .await;
    let on_call = &created["rules"]["on_call"][0];
    assert_eq!(on_call["people"], json!(["lead@example.com"]));
    let why = on_call["fallback"].as_str().unwrap();
    assert!(why.starts_with("pagerduty could not be read"), "{why}");
    assert!(
        why.ends_with("the fallback approvers were asked instead"),
        "{why}"
    );
    let id = created["id"].as_str().unwrap();
    let settled = approve_as(&app, id, "lead@example.com").await.unwrap();
    assert_eq!(settled["state"], "approved");
}

#[tokio::test]
async fn an_unknown_schedule_or_service_is_a_400_naming_the_approver() {
    let (base, _) = services().await;
    let app = app(&base).await;
    let cases = [
        (
            "oncall:pagerduty:NOPE",
            "PagerDuty has no schedule \"NOPE\"",
        ),
        ("oncall:opsgenie:nope", "Opsgenie has no schedule \"nope\""),
        ("oncall:victorops:x", "is not an address"),
    ];
    for (approver, says) in cases {
        let body = json!({"title": "t", "approvers": ["ana@example.com", approver]});
        let (status, answer) = app.api.create(body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        let message = error_message(&answer);
        assert!(message.starts_with("approvers[1]: "), "{message}");
        assert!(message.contains(says), "{message}");
    }
    let bare = TestApp::builder().manual().start().await;
    let (status, answer) = bare
        .api
        .create(json!({"title": "t", "approvers": ["oncall:opsgenie:og-sched"]}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error_message(&answer).contains("needs a [opsgenie] section"),
        "{answer}"
    );
    assert_eq!(app.api.get_json("/api/v1/pauses").await["items"], json!([]));
}

#[tokio::test]
async fn without_fallback_approvers_an_unreadable_schedule_is_a_400_naming_it_and_nothing_is_stored()
 {
    let config = "[pagerduty]\ntoken_env = \"PD_TOKEN\"\nurl = \"http://127.0.0.1:9\"\n";
    let app = TestApp::builder()
        .config(config)
        .env(&[("PD_TOKEN", "pd-token")])
        .manual()
        .start()
        .await;
    let body = json!({"title": "Failover?", "approvers": ["oncall:pagerduty:PSCHED1"]});
    let (status, answer) = app.api.create(body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["error"]["field"], "approvers[0]");
    assert!(
        error_message(&answer).contains("names no fallback approvers"),
        "{answer}"
    );
    assert_eq!(app.api.get_json("/api/v1/pauses").await["items"], json!([]));
}

/// A pause whose only approver is the rotating PagerDuty schedule, which
/// hands over from ana to dee 20 minutes in; it escalates at 30 minutes.
async fn rotating(app: &TestApp) -> (String, String) {
    let switch = (app.clock_now() + Duration::minutes(20)).timestamp();
    let schedule = format!("oncall:pagerduty:PROT{switch}");
    let created = app
        .api
        .created(
            json!({"title": "Fail over?", "approvers": [schedule], "expires_in": "2h",
            "escalate_after": "30m", "escalate_to": {"email": ["lead@example.com"]}}),
        )
        .await;
    assert_eq!(
        created["rules"]["approvers"],
        json!([schedule, "ana@example.com"])
    );
    (created["id"].as_str().unwrap().to_owned(), schedule)
}

#[tokio::test]
async fn when_the_pause_escalates_the_schedule_is_read_again_and_whoever_is_on_call_now_is_asked() {
    let (base, seen) = services().await;
    let app = app(&base).await;
    let (id, schedule) = rotating(&app).await;
    app.drain_outbox().await;
    assert_eq!(seen.lock().unwrap().len(), 1, "read once at creation");
    let refused = approve_as(&app, &id, "dee@example.com").await.unwrap_err();
    assert!(
        matches!(refused, PauseError::Forbidden(_)),
        "not on call yet: {refused:?}"
    );

    app.clock.advance(Duration::minutes(31));
    app.drain_outbox().await;
    assert_eq!(
        seen.lock().unwrap().len(),
        2,
        "read again at the escalation"
    );
    let pause = app.api.pause(&id).await;
    let rules = &pause["rules"];
    assert_eq!(
        rules["approvers"],
        json!([schedule, "ana@example.com", "dee@example.com"])
    );
    assert_eq!(rules["on_call"][1]["people"], json!(["dee@example.com"]));
    let read_at =
        DateTime::parse_from_rfc3339(rules["on_call"][1]["resolved_at"].as_str().unwrap());
    assert_eq!(read_at.unwrap().timestamp(), app.clock_now().timestamp());
    let emailed =
        |to: &str| {
            pause["deliveries"].as_array().unwrap().iter().any(|d| {
                d["kind"] == "email" && d["destination"] == to && d["state"] == "delivered"
            })
        };
    assert!(
        emailed("dee@example.com") && emailed("lead@example.com"),
        "{pause}"
    );
    assert!(
        emailed(&schedule),
        "the reading is a delivery of its own: {pause}"
    );

    let settled = approve_as(&app, &id, "dee@example.com").await.unwrap();
    assert_eq!(settled["state"], "approved");
    let receipt = app.api.receipt(&id).await;
    assert_eq!(
        receipt["claims"]["on_call"], rules["on_call"],
        "both readings are signed"
    );
}

#[tokio::test]
async fn a_pause_decided_before_it_escalates_does_not_read_the_schedule_again() {
    let (base, seen) = services().await;
    let app = app(&base).await;
    let (id, _) = rotating(&app).await;
    approve_as(&app, &id, "ana@example.com").await.unwrap();
    app.clock.advance(Duration::minutes(31));
    app.drain_outbox().await;
    assert_eq!(seen.lock().unwrap().len(), 1, "only at creation");
    let approvers = app.api.pause(&id).await["rules"]["approvers"].clone();
    assert_eq!(approvers.as_array().unwrap().len(), 2, "{approvers}");
}

/// Two schedules read again at once on one pause, several rounds: both
/// readings land (neither overwrites the other's approvers), and each new
/// person is emailed once.
async fn two_schedules_read_again_at_once_both_land(database: Option<&str>) {
    let (base, _) = services().await;
    let app = app_on(&base, database).await;
    for round in 0..3 {
        let switch = (app.clock_now() + Duration::minutes(20)).timestamp();
        let schedules = [
            format!("oncall:pagerduty:PROT{switch}"),
            format!("oncall:pagerduty:PNEW{switch}"),
        ];
        let id = app
            .api
            .created(
                json!({"title": format!("Round {round}?"), "approvers": schedules,
                "expires_in": "2h", "escalate_after": "30m",
                "escalate_to": {"email": ["lead@example.com"]}}),
            )
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        app.drain_outbox().await;
        app.clock.advance(Duration::minutes(31));
        app.drain_outbox().await;
        let pause = app.api.pause(&id).await;
        let approvers = &pause["rules"]["approvers"];
        for person in ["ana@example.com", "dee@example.com", "eve@example.com"] {
            let named = approvers
                .as_array()
                .unwrap()
                .iter()
                .filter(|a| *a == person)
                .count();
            assert_eq!(named, 1, "round {round}: {person} in {approvers}");
        }
        assert_eq!(
            pause["rules"]["on_call"].as_array().unwrap().len(),
            4,
            "{pause}"
        );
        for person in ["dee@example.com", "eve@example.com"] {
            let emails = (pause["deliveries"].as_array().unwrap().iter())
                .filter(|d| d["destination"] == person && d["state"] == "delivered")
                .count();
            assert_eq!(emails, 1, "round {round}: {person} emailed once");
        }
        app.clock.advance(Duration::hours(3));
    }
}

#[tokio::test]
async fn two_schedules_read_again_at_once_both_land_on_sqlite() {
    two_schedules_read_again_at_once_both_land(None).await;
}

#[tokio::test]
async fn two_schedules_read_again_at_once_both_land_on_postgres() {
    let database = crate::pg::PgDatabase::create().await;
    two_schedules_read_again_at_once_both_land(Some(&database.url)).await;
}
