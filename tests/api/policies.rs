//! Policies first, people as the fallback: the example policy approves
//! small loads, rejects production loads from unknown requesters and asks
//! otherwise; a broken policy stops start-up naming its file and line;
//! `pausegate policy test` shows what a policy says and why.

use std::process::Command;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::standins;

const POLICY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/examples/policies/small_loads.rego"
);

const DEPLOYER: &str = "deployer-key-0123456789abcdef";
const STRANGER: &str = "stranger-key-0123456789abcdef";

/// A load of `data` with a webhook target and an email to Ana.
fn load(data: Value) -> Value {
    json!({
        "title": "Load sales",
        "data": data,
        "target": "hook",
        "notify": {"email": ["ana@example.com"]},
    })
}

#[tokio::test]
async fn the_policy_approves_small_loads_rejects_prod_from_strangers_and_asks_otherwise() {
    let (receiver, log) = standins::webhook().await;
    let config = format!(
        "[api_keys.deployer]\nkey_env = \"DEPLOYER_KEY\"\n\
         [api_keys.stranger]\nkey_env = \"STRANGER_KEY\"\n\
         [policies.small_loads]\nfile = \"{POLICY}\"\n\
         [targets.hook]\nkind = \"webhook\"\nurl = \"{receiver}/resume\"\n"
    );
    let env = [("DEPLOYER_KEY", DEPLOYER), ("STRANGER_KEY", STRANGER)];
    let app = TestApp::builder()
        .config(&config)
        .env(&env)
        .manual()
        .start()
        .await;

    let (status, small) = app
        .api
        .as_key(STRANGER)
        .create(load(json!({"rows": 10, "env": "dev"})))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(small["state"], "approved", "{small}");
    let decision = &small["decisions"][0];
    assert_eq!(decision["via"], "policy");
    assert_eq!(decision["actor"], "policy:small_loads");
    assert_eq!(decision["identified_by"], "policy");
    assert_eq!(decision["comment"], "10 rows is a small load");
    let kinds: Vec<&Value> = small["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["kind"])
        .collect();
    assert_eq!(
        kinds,
        [&json!("trigger")],
        "nobody is asked; the next pipeline starts"
    );

    let (_, prod) = app
        .api
        .as_key(STRANGER)
        .create(load(json!({"rows": 10, "env": "prod"})))
        .await;
    assert_eq!(prod["state"], "rejected", "{prod}");
    let reason = &prod["decisions"][0]["comment"];
    assert_eq!(
        reason,
        "production loads from unknown requesters are refused"
    );

    let (_, large) = app
        .api
        .as_key(DEPLOYER)
        .create(load(json!({"rows": 5000, "env": "prod"})))
        .await;
    assert_eq!(large["state"], "pending", "{large}");
    assert_eq!(
        large["rules"]["approvals_required"], 2,
        "the ask's override"
    );
    assert_eq!(large["deliveries"][0]["kind"], "email", "people are asked");

    let id = small["id"].as_str().unwrap();
    let receipt = app
        .api
        .get_json(&format!("/api/v1/pauses/{id}/receipt"))
        .await;
    assert_eq!(receipt["claims"]["via"], "policy");
    assert_eq!(receipt["claims"]["rule"], "policy policy:small_loads");
    app.drain_outbox().await;
    let sent = log.requests();
    assert_eq!(sent.len(), 1, "only the approved load starts the pipeline");
    assert_eq!(sent[0].json()["pause"]["id"], id);
}

#[tokio::test]
async fn a_policy_that_does_not_compile_stops_start_up_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("broken.rego");
    std::fs::write(
        &policy,
        "package pausegate\n\ndecision := {\"outcome\": \"ask\"\n\nx := \n",
    )
    .unwrap();
    let config = dir.path().join("pausegate.toml");
    std::fs::write(&config, "[policies.broken]\nfile = \"broken.rego\"\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_pausegate"))
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(&config)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("policies.broken"), "{stderr}");
    assert!(
        stderr.contains("broken.rego:5:"),
        "names the file and line: {stderr}"
    );
}

#[tokio::test]
async fn pausegate_policy_test_shows_what_the_policy_says_and_why() {
    let dir = tempfile::tempdir().unwrap();
    let say = |input: Value| {
        let file = dir.path().join("pause.json");
        std::fs::write(&file, input.to_string()).unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_pausegate"))
            .args(["policy", "test", POLICY, "--input"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let small = say(json!({"title": "Load", "data": {"rows": 3}}));
    assert_eq!(
        small,
        "approve: small_loads settles the pause at once\nwhy: 3 rows is a small load\n"
    );
    let stranger = say(json!({"data": {"rows": 3, "env": "prod"}, "requester": "someone"}));
    assert!(stranger.starts_with("reject: "), "{stranger}");
    let large = say(json!({"data": {"rows": 3000}, "requester": "deployer"}));
    assert_eq!(
        large,
        "ask: people decide\nwhy: small_loads: a large load: two people decide\napprovals_required: 2\n"
    );
}
