//! Change windows: a pause approved while its target's window is closed
//! is approved at once, and its trigger waits for the window, across a
//! restart; a freeze can refuse decisions outright.

use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use serde_json::json;

use pausegate::config::{Env, ServeArgs, Settings};

use crate::helpers::{TestApp, error_message};
use crate::standins;

/// Friday 4 December 2026, 18:00 in Amsterdam.
const FRIDAY_EVENING: &str = "2026-12-04T17:00:00Z";

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

fn config(receiver: &str) -> String {
    format!(
        "[windows.office]\ntime_zone = \"Europe/Amsterdam\"\n\
         open = [{{ days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"], from = \"09:00\", until = \"17:00\" }}]\n\
         freezes = [{{ from = \"2026-12-24T00:00\", until = \"2026-12-28T00:00\", reason = \"holidays\" }}]\n\
         during_freeze = \"refuse\"\n\
         [targets.deploy]\nkind = \"webhook\"\nurl = \"{receiver}/deploy\"\nwindow = \"office\"\n\
         [targets.report]\nkind = \"webhook\"\nurl = \"{receiver}/report\"\n"
    )
}

#[tokio::test]
async fn a_pause_approved_on_friday_evening_starts_its_webhook_on_monday_at_nine_and_not_before_even_across_a_restart()
 {
    let (receiver, log) = standins::webhook().await;
    let app = TestApp::builder()
        .config(&config(&receiver))
        .clock_at(at(FRIDAY_EVENING))
        .manual()
        .start()
        .await;
    let created = app
        .api
        .created(json!({"title": "Deploy to production?", "target": "deploy", "expires_in": "7d"}))
        .await;
    let id = created["id"].as_str().unwrap();
    let approved = app.api.decide_ok(id, "approve").await;
    assert_eq!(approved["state"], "approved", "approved at once");
    let starts = "Monday 7 December 2026 09:00 Europe/Amsterdam";
    assert_eq!(approved["held"]["starts"], starts);
    assert_eq!(approved["held"]["window"], "office");
    assert_eq!(approved["held"]["starts_at"], "2026-12-07T08:00:00Z");
    let receipt = app.api.receipt(id).await;
    assert_eq!(
        receipt["claims"]["starts_at"], "2026-12-07T08:00:00.000Z",
        "the receipt signs when the window opens"
    );
    app.drain_outbox().await;
    assert!(log.requests().is_empty(), "nothing starts on Friday");
    let (_, page) = app.api.open_link(created["token"].as_str().unwrap()).await;
    let said = "It starts Monday 7 December 2026 09:00 Europe&#x2f;Amsterdam";
    assert!(page.contains(said), "{page}");
    assert!(
        page.contains("deploy waits for its change window."),
        "{page}"
    );

    let app = app.restart().await;
    // Monday 08:59 in Amsterdam: still closed.
    app.clock
        .advance(at("2026-12-07T07:59:00Z") - app.clock_now());
    app.drain_outbox().await;
    assert!(log.requests().is_empty(), "nothing starts before 09:00");
    assert_eq!(app.api.pause(id).await["held"]["starts"], starts);

    app.clock.advance(Duration::minutes(1));
    app.drain_outbox().await;
    let requests = log.requests();
    assert_eq!(requests.len(), 1, "started once, at 09:00");
    assert_eq!(requests[0].json()["event"], "pause.approved");
    let pause = app.api.pause(id).await;
    assert!(pause.get("held").is_none(), "no longer held: {pause}");
    assert!(pause.get("released").is_none(), "nobody released it early");
    assert_eq!(pause["deliveries"][0]["state"], "delivered");
}

#[tokio::test]
async fn a_freeze_that_refuses_decisions_answers_409_and_records_nothing() {
    let (receiver, log) = standins::webhook().await;
    let app = TestApp::builder()
        .config(&config(&receiver))
        // Thursday 24 December, 10:00 in Amsterdam: frozen.
        .clock_at(at("2026-12-24T09:00:00Z"))
        .manual()
        .start()
        .await;
    let id = app
        .api
        .create_id(json!({"title": "Deploy?", "target": "deploy", "expires_in": "7d"}))
        .await;
    let (status, body) = app.api.approve(&id).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let message = error_message(&body);
    assert!(
        message.contains("window office is frozen (holidays)"),
        "{message}"
    );
    assert!(
        message.contains("Monday 28 December 2026 00:00 Europe/Amsterdam"),
        "{message}"
    );
    let pause = app.api.pause(&id).await;
    assert_eq!(pause["state"], "pending");
    assert!(pause["decisions"].as_array().unwrap().is_empty());

    // Once the freeze is over, the decision is taken and starts in the hours.
    app.clock
        .advance(at("2026-12-28T08:30:00Z") - app.clock_now());
    let approved = app.api.decide_ok(&id, "approve").await;
    assert!(approved.get("held").is_none(), "09:30 is inside the hours");
    let receipt = app.api.receipt(&id).await;
    assert!(receipt["claims"].get("starts_at").is_none(), "{receipt}");
    app.drain_outbox().await;
    assert_eq!(log.requests().len(), 1);
}

#[tokio::test]
async fn a_pause_can_keep_to_a_window_its_target_does_not_and_an_unknown_one_is_a_400() {
    let (receiver, log) = standins::webhook().await;
    let app = TestApp::builder()
        .config(&config(&receiver))
        .clock_at(at(FRIDAY_EVENING))
        .manual()
        .start()
        .await;
    let body = json!({"title": "Report?", "target": "report", "window": "weekend"});
    let (status, answer) = app.api.create(body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["error"]["field"], "window");
    assert!(error_message(&answer).contains("unknown window \"weekend\" (known: office)"));

    let id = app
        .api
        .create_id(json!({"title": "Report?", "target": "report", "window": "office"}))
        .await;
    let approved = app.api.decide_ok(&id, "approve").await;
    assert_eq!(approved["window"], "office");
    assert_eq!(approved["held"]["starts_at"], "2026-12-07T08:00:00Z");
    app.drain_outbox().await;
    assert!(log.requests().is_empty(), "held");
    let released = app
        .api
        .post_empty(&format!("/api/v1/pauses/{id}/release"))
        .await;
    assert_eq!(released.0, StatusCode::OK, "{}", released.1);
    assert!(released.1.get("held").is_none(), "{}", released.1);
    assert_eq!(released.1["released"]["at"], "2026-12-04T17:00:00Z");
    app.drain_outbox().await;
    assert_eq!(
        log.matching("/report").len(),
        1,
        "released early, it starts on Friday"
    );
    let again = app
        .api
        .post_empty(&format!("/api/v1/pauses/{id}/release"))
        .await;
    assert_eq!(again.0, StatusCode::CONFLICT, "nothing is held any more");
    let unheld = app
        .api
        .create_id(json!({"title": "Now?", "target": "report"}))
        .await;
    app.api.decide_ok(&unheld, "approve").await;
    app.drain_outbox().await;
    assert_eq!(
        log.requests().len(),
        2,
        "the released one and the one without a window"
    );
}

#[test]
fn a_target_naming_an_unknown_window_stops_start_up_naming_the_key() {
    let text = "[targets.deploy]\nkind = \"webhook\"\nurl = \"https://example.com/\"\n\
                window = \"weekend\"\n";
    let error = Settings::from_text(ServeArgs::default(), text, &Env::from_pairs([])).unwrap_err();
    assert!(
        error.starts_with("targets.deploy.window: unknown window \"weekend\""),
        "{error}"
    );
}

#[tokio::test]
async fn a_start_an_hourly_limit_postpones_inside_an_open_window_is_not_reported_as_held() {
    let (receiver, log) = standins::webhook().await;
    let config = config(&receiver).replace(
        "window = \"office\"\n",
        "window = \"office\"\nmax_per_hour = 1\n",
    );
    // Monday 7 December, 10:00 in Amsterdam: the window is open.
    let app = (TestApp::builder().config(&config))
        .clock_at(at("2026-12-07T09:00:00Z"))
        .manual()
        .start()
        .await;
    let mut ids = Vec::new();
    for title in ["First?", "Second?"] {
        let body = json!({"title": title, "target": "deploy", "expires_in": "1d"});
        let id = app.api.create_id(body).await;
        app.api.decide_ok(&id, "approve").await;
        ids.push(id);
    }
    app.drain_outbox().await;
    assert_eq!(log.requests().len(), 1, "the limit lets one through");
    for id in &ids {
        let pause = app.api.pause(id).await;
        assert!(pause.get("held").is_none(), "no window holds it: {pause}");
    }
    let (status, _) = app
        .api
        .post_empty(&format!("/api/v1/pauses/{}/release", ids[1]))
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "nothing a window holds to release"
    );
}
