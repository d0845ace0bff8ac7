//! Delegation: while ana is away, bo decides for her. His decision is
//! recorded with both names and counts once, for ana; no one approves
//! their own request through a delegation; the delegation ends on time;
//! bad delegations are a 400 naming the field.

mod page;
mod race;

use chrono::{Duration, SecondsFormat};
use pausegate::domain::{IdentifiedBy, PauseId, Verdict};
use pausegate::pauses::{Decider, PauseError, PauseRequest, Requester};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_message};

/// `person` away until `hours` from now on the app's clock, `delegate`
/// deciding meanwhile.
pub(crate) async fn away(app: &TestApp, person: &str, delegate: &str, hours: i64) -> Value {
    let ends_at = app.clock_now() + Duration::hours(hours);
    let body = json!({"person": person, "delegate": delegate,
        "ends_at": ends_at.to_rfc3339_opts(SecondsFormat::Millis, true)});
    let (status, delegation) = app.api.post("/api/v1/delegations", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{delegation}");
    delegation
}

/// A pause asked for by `requester` (an address an integration vouched
/// for), whose approvers are `approvers`.
pub(crate) async fn asked_by(
    app: &TestApp,
    requester: &str,
    approvers: &[&str],
    required: u32,
) -> String {
    let request: PauseRequest = serde_json::from_value(json!({"title": "Deploy?",
        "approvers": approvers, "approvals_required": required}))
    .unwrap();
    let created = app
        .pauses
        .create(request, Requester::integration(requester))
        .await
        .unwrap();
    created.pause.id.to_string()
}

/// `email`, signed in, approves pause `id`.
pub(crate) async fn approve(app: &TestApp, id: &str, email: &str) -> Result<Value, PauseError> {
    let decider = Decider {
        email: email.to_owned(),
        by: IdentifiedBy::SignIn,
        groups: Vec::new(),
    };
    let id = PauseId::parse(id).unwrap();
    let pause = (app.pauses)
        .decide_as(&id, Verdict::Approve, &decider, None, Default::default())
        .await?;
    Ok(serde_json::to_value(pause).unwrap())
}

#[tokio::test]
async fn a_delegate_approves_for_an_away_approver_with_both_names_and_counts_once() {
    let app = TestApp::builder().manual().start().await;
    away(&app, "ana@example.com", "bo@example.com", 48).await;
    let id = asked_by(
        &app,
        "dan@example.com",
        &["ana@example.com", "cy@example.com"],
        2,
    )
    .await;
    let pause = app.api.pause(&id).await;
    let asked = pause["notify"]["email"].to_string();
    assert!(
        asked.contains("bo@example.com"),
        "the delegate is asked too: {asked}"
    );

    let bo = Decider {
        email: "bo@example.com".to_owned(),
        by: IdentifiedBy::SignIn,
        groups: Vec::new(),
    };
    let inbox = app.pauses.inbox(&bo, None).await.unwrap();
    assert_eq!(inbox.len(), 1, "ana's pause waits in bo's inbox");
    assert_eq!(inbox[0].id.to_string(), id);

    let half = approve(&app, &id, "bo@example.com").await.unwrap();
    assert_eq!(half["state"], "pending", "one of two");
    let decision = &half["decisions"][0];
    assert_eq!(decision["actor"], "bo@example.com");
    assert_eq!(decision["on_behalf_of"], "ana@example.com");
    let again = approve(&app, &id, "bo@example.com").await.unwrap_err();
    assert!(matches!(again, PauseError::Conflict(_)), "{again:?}");
    let ana = approve(&app, &id, "ana@example.com").await.unwrap_err();
    assert!(
        matches!(&ana, PauseError::Conflict(m) if m.contains("ana@example.com has already approved")),
        "ana's approval was given by her delegate: {ana:?}"
    );
    assert!(
        app.pauses.inbox(&bo, None).await.unwrap().is_empty(),
        "counted"
    );
    let settled = approve(&app, &id, "cy@example.com").await.unwrap();
    assert_eq!(settled["state"], "approved");
    let receipt = app.api.receipt(&id).await;
    let signed = &receipt["claims"]["decisions"][0];
    assert_eq!(
        (signed["actor"].as_str(), signed["on_behalf_of"].as_str()),
        (Some("bo@example.com"), Some("ana@example.com"))
    );
}

#[tokio::test]
async fn no_one_approves_their_own_request_through_a_delegation() {
    let app = TestApp::builder().manual().start().await;
    away(&app, "ana@example.com", "bo@example.com", 48).await;
    let by_bo = asked_by(&app, "bo@example.com", &["ana@example.com"], 1).await;
    let refused = approve(&app, &by_bo, "bo@example.com").await.unwrap_err();
    assert!(
        matches!(&refused, PauseError::Forbidden(m) if m.contains("bo@example.com asked")),
        "{refused:?}"
    );
    let by_ana = asked_by(
        &app,
        "ana@example.com",
        &["ana@example.com", "cy@example.com"],
        1,
    )
    .await;
    let refused = approve(&app, &by_ana, "bo@example.com").await.unwrap_err();
    assert!(
        matches!(&refused, PauseError::Forbidden(m) if m.contains("ana@example.com asked")),
        "{refused:?}"
    );
    for id in [by_bo, by_ana] {
        assert!(
            app.api.pause(&id).await["decisions"]
                .as_array()
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn a_delegation_ends_on_time_and_does_not_chain() {
    let app = TestApp::builder().manual().start().await;
    away(&app, "ana@example.com", "bo@example.com", 2).await;
    // bo is away too; his delegate may not stand in for ana through him.
    away(&app, "bo@example.com", "cy@example.com", 48).await;
    let id = asked_by(&app, "dan@example.com", &["ana@example.com"], 1).await;
    let chained = approve(&app, &id, "cy@example.com").await.unwrap_err();
    assert!(matches!(chained, PauseError::Forbidden(_)), "{chained:?}");

    app.clock
        .advance(Duration::hours(2) - Duration::milliseconds(1));
    let later = asked_by(&app, "dan@example.com", &["ana@example.com"], 1).await;
    app.clock.advance(Duration::milliseconds(1));
    let ended = approve(&app, &later, "bo@example.com").await.unwrap_err();
    assert!(
        matches!(&ended, PauseError::Forbidden(m) if m.contains("not among this pause's approvers")),
        "the delegation ended: {ended:?}"
    );
    let listed = app.api.get_json("/api/v1/delegations").await;
    let people: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["person"].as_str().unwrap())
        .collect();
    assert_eq!(people, ["bo@example.com"], "ana's ended by itself");
}

#[tokio::test]
async fn bad_delegations_get_a_400_naming_the_field() {
    let app = TestApp::builder().manual().start().await;
    let first = away(&app, "ana@example.com", "bo@example.com", 48).await;
    let ends = (app.clock_now() + Duration::hours(24)).to_rfc3339();
    let cases = [
        (
            json!({"person": "ana@example.com", "delegate": "ANA@example.com", "ends_at": ends}),
            "delegate",
        ),
        (
            json!({"person": "ana@example.com", "delegate": "cy@example.com", "ends_at": ends}),
            "starts_at",
        ),
        (
            json!({"person": "ana", "delegate": "cy@example.com", "ends_at": ends}),
            "person",
        ),
        (
            json!({"person": "dan@example.com", "delegate": "cy@example.com", "ends_at": "soon"}),
            "ends_at",
        ),
        (
            json!({"person": "dan@example.com", "delegate": "cy@example.com", "ends_at": ends, "starts_at": ends}),
            "ends_at",
        ),
        (
            json!({"person": "dan@example.com", "delegate": "cy@example.com", "ends_at": ends, "tag": "no spaces please"}),
            "tag",
        ),
    ];
    for (body, field) in cases {
        let (status, answer) = app.api.post("/api/v1/delegations", &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_eq!(answer["error"]["field"], field, "{body}: {answer}");
    }
    let overlap = app
        .api
        .post("/api/v1/delegations", &cases_overlap(&ends))
        .await
        .1;
    assert!(
        error_message(&overlap).contains(first["id"].as_str().unwrap()),
        "{overlap}"
    );
    let listed = app.api.get_json("/api/v1/delegations").await;
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        1,
        "nothing else stored"
    );
    let path = format!("/api/v1/delegations/{}", first["id"].as_str().unwrap());
    let gone = app
        .api
        .request(reqwest::Method::DELETE, &path)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    let again = app
        .api
        .request(reqwest::Method::DELETE, &path)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
}

fn cases_overlap(ends: &str) -> Value {
    json!({"person": "ana@example.com", "delegate": "cy@example.com", "ends_at": ends})
}

#[tokio::test]
async fn an_operator_records_a_delegation_with_the_cli() {
    let app = TestApp::builder().manual().start().await;
    let until = (app.clock_now() + Duration::days(7)).to_rfc3339();
    let args = [
        "delegate",
        "--person",
        "ana@example.com",
        "--to",
        "bo@example.com",
    ];
    let output = app
        .api
        .run(&[&args[..], &["--until", &until]].concat())
        .await;
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{printed}");
    assert!(
        printed.contains("bo@example.com decides for ana@example.com"),
        "{printed}"
    );
    let args = [
        "delegate",
        "--person",
        "ana@example.com",
        "--to",
        "ana@example.com",
    ];
    let refused = app
        .api
        .run(&[&args[..], &["--until", &until]].concat())
        .await;
    assert_eq!(refused.status.code(), Some(2));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("delegate: must be someone other"), "{said}");
}

#[tokio::test]
async fn only_the_operators_key_records_a_delegation_and_only_for_people_named_by_address() {
    let app = TestApp::builder()
        .config("[api_keys.pipeline]\nkey_env = \"PIPELINE_KEY\"\n")
        .env(&[("PIPELINE_KEY", "pipeline-key-0123456789")])
        .manual()
        .start()
        .await;
    let ends_at = (app.clock_now() + Duration::hours(8)).to_rfc3339();
    let body = json!({"person": "ana@example.com", "delegate": "mallory@elsewhere.example", "ends_at": ends_at});
    let pipeline = app.api.as_key("pipeline-key-0123456789");
    let (status, answer) = pipeline.post("/api/v1/delegations", &body).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    assert!(
        app.api.get_json("/api/v1/delegations").await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // A delegation stands in for ana where a pause names her, not where
    // it admits her whole domain.
    away(&app, "ana@example.com", "bo@partner.example", 8).await;
    let by_domain = asked_by(&app, "dan@example.com", &["*@example.com"], 1).await;
    let refused = approve(&app, &by_domain, "bo@partner.example")
        .await
        .unwrap_err();
    assert!(matches!(refused, PauseError::Forbidden(_)), "{refused:?}");
    let by_name = asked_by(&app, "dan@example.com", &["ana@example.com"], 1).await;
    let approved = approve(&app, &by_name, "bo@partner.example").await.unwrap();
    assert_eq!(approved["decisions"][0]["on_behalf_of"], "ana@example.com");
}
