//! The real binary: `pausegate serve` on its defaults in an empty folder,
//! a full flow, a clean stop on SIGTERM, and no token anywhere afterwards.

use std::process::Command;

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{API_KEY, TestApp, any_file_contains};

#[tokio::test]
async fn a_full_flow_leaves_no_raw_token_in_the_database_files_or_the_logs() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = TestApp::builder().dir(dir.path()).binary();

    let (_, created) = server
        .api
        .create(json!({"title": "Ship it?", "data": {"build": 42}}))
        .await;
    let token = created["token"].as_str().unwrap().to_owned();
    let id = created["id"].as_str().unwrap();
    let review = created["review_url"].as_str().unwrap();
    assert_eq!(review, format!("{}/r/{token}", server.base));

    assert_eq!(server.api.open_link(&token).await.0, StatusCode::OK);
    let form = [("decision", "approve"), ("name", "Ana")];
    assert_eq!(server.api.submit(&token, &form).await.0, StatusCode::OK);
    let lookup = json!({"token": token});
    let (status, _) = server.api.anonymous().post("/api/v1/lookup", &lookup).await;
    assert_eq!(status, StatusCode::OK);
    let pause = server.api.get_json(&format!("/api/v1/pauses/{id}")).await;
    assert_eq!(pause["state"], "approved");

    assert!(server.terminate(), "SIGTERM stops the server cleanly");
    let output = server.output();
    assert!(
        output.contains("/r/[redacted]"),
        "requests to links are logged, redacted:\n{output}"
    );
    assert!(
        !output.contains(&token),
        "a raw token reached the logs:\n{output}"
    );
    assert!(!output.contains(API_KEY), "the API key reached the logs");

    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(
        files.iter().any(|f| f.ends_with("pausegate.db")),
        "the default database file is pausegate.db"
    );
    assert!(
        !any_file_contains(&files, &token),
        "a raw token reached a database file"
    );
}

#[tokio::test]
async fn a_broken_config_file_stops_start_up_naming_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("pausegate.toml");
    std::fs::write(
        &config,
        "max_expires_in = \"30d\"\nmax_expire_in = \"1d\"\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_pausegate"))
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(&config)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("pausegate.toml") && stderr.contains("max_expire_in"),
        "{stderr}"
    );
}

#[tokio::test]
async fn with_no_email_setup_the_console_mailer_prints_each_email_and_its_link() {
    let mut server = TestApp::builder().binary();
    let email = json!({"title": "Ship it?", "notify": {"email": ["ana@example.com"]}});
    server.api.create(email).await;

    let output = server.wait_for_output("--- end of email ---").await;
    assert!(output.contains("To: ana@example.com"), "{output}");
    assert!(
        output.contains("Subject: Approval needed: Ship it?"),
        "{output}"
    );
    let at = output
        .find(&format!("{}/r/", server.base))
        .expect("the link is printed");
    let link = output[at..].split_whitespace().next().unwrap();
    let page = reqwest::get(link).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text().await.unwrap().contains("ana@example.com"),
        "the link is Ana's own"
    );
    assert!(server.terminate());
}

#[tokio::test]
async fn after_an_email_flow_no_raw_token_is_in_the_database_files_or_the_logs() {
    let smtp = crate::smtp::SmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    let config = crate::smtp::email_config(smtp.addr);
    let mut server = TestApp::builder().config(&config).dir(dir.path()).binary();
    let (_, created) = server
        .api
        .create(json!({"title": "Ship it?", "notify": {"email": ["ana@example.com", "bo@example.com"]}}))
        .await;
    let mails = smtp.wait_for(2).await;
    let links: Vec<String> = mails.iter().map(|m| m.link()).collect();
    let approve = reqwest::Client::new()
        .post(&links[0])
        .form(&[("decision", "approve")])
        .send()
        .await
        .unwrap();
    assert_eq!(approve.status(), StatusCode::OK);
    assert!(server.terminate());

    let mut tokens: Vec<String> = links
        .iter()
        .map(|l| l.rsplit('/').next().unwrap().to_owned())
        .collect();
    tokens.push(created["token"].as_str().unwrap().to_owned());
    let output = server.output();
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    for token in &tokens {
        assert_eq!(token.len(), 86);
        assert!(
            !output.contains(token.as_str()),
            "a raw token reached the logs"
        );
        assert!(
            !any_file_contains(&files, token),
            "a raw token reached a file"
        );
    }
}
