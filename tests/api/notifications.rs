//! Telling people: emails through a real SMTP server, Slack and Teams posts
//! checked by stand-ins, reminders, and the console mailer.

use std::time::{Duration as StdDuration, Instant};

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::smtp::{SmtpServer, email_config};
use crate::standins;

fn token_of(link: &str) -> &str {
    link.rsplit('/').next().unwrap()
}

#[tokio::test]
async fn two_recipients_get_one_multipart_email_each_with_their_own_working_link() {
    let smtp = SmtpServer::start();
    let app = TestApp::builder()
        .config(&email_config(smtp.addr))
        .manual()
        .start()
        .await;
    let (status, created) = app
        .api
        .create(json!({
            "title": "Load 2026-11-23 sales?", "description": "12,345 rows staged",
            "data": {"run_date": "2026-11-23"}, "expires_in": "3h",
            "notify": {"email": ["ana@example.com", "bo@example.com"]},
        }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap();
    app.drain_outbox().await;

    let mails = smtp.wait_for(2).await;
    assert_eq!(mails.len(), 2);
    let mut recipients: Vec<&str> = mails
        .iter()
        .map(|m| {
            assert_eq!(m.to.len(), 1);
            m.to[0].as_str()
        })
        .collect();
    recipients.sort();
    assert_eq!(recipients, ["ana@example.com", "bo@example.com"]);
    for mail in &mails {
        let parsed = mail.parsed();
        assert_eq!(
            parsed.subject(),
            Some("Approval needed: Load 2026-11-23 sales?")
        );
        assert_eq!(
            (parsed.text_body_count(), parsed.html_body_count()),
            (1, 1),
            "multipart text and HTML"
        );
        let text = mail.text();
        assert!(text.contains("12,345 rows staged") && text.contains("run_date: 2026-11-23"));
        assert!(text.contains("in 3 hours"));
        assert!(
            parsed
                .body_html(0)
                .unwrap()
                .contains(token_of(&mail.link())),
            "the HTML part links too"
        );
    }
    let link_of = |who: &str| mails.iter().find(|m| m.to[0] == who).unwrap().link();
    let (ana, bo) = (link_of("ana@example.com"), link_of("bo@example.com"));
    assert_ne!(ana, bo);
    assert!(ana.starts_with(&format!("{}/r/", app.base)));

    let (status, page) = app.api.open_link(token_of(&bo)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("deciding as <strong>bo@example.com"),
        "a personal link knows its person"
    );

    let (status, _) = app
        .api
        .submit(
            token_of(&ana),
            &[("decision", "approve"), ("name", "someone else")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let pause = app.api.pause(id).await;
    assert_eq!(
        pause["decisions"][0]["actor"], "ana@example.com",
        "the address, not a typed name"
    );
    assert_eq!(
        app.api
            .submit(token_of(&bo), &[("decision", "reject")])
            .await
            .0,
        StatusCode::CONFLICT
    );

    let emails: Vec<&Value> = pause["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "email")
        .collect();
    assert_eq!(emails.len(), 2);
    assert!(emails.iter().all(|d| d["state"] == "delivered"));
}

#[tokio::test]
async fn emails_queued_while_the_smtp_server_is_down_arrive_once_it_starts() {
    let reserved = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = reserved.local_addr().unwrap();
    drop(reserved);
    let app = TestApp::builder()
        .config(&email_config(addr))
        .manual()
        .start()
        .await;
    let (_, created) = app
        .api
        .create(
            json!({"title": "Ship?", "notify": {"email": ["ana@example.com", "bo@example.com"]}}),
        )
        .await;
    let id = created["id"].as_str().unwrap();

    let started = Instant::now();
    let mut smtp = None;
    while started.elapsed() < StdDuration::from_secs(25) {
        if smtp.is_none() && started.elapsed() >= StdDuration::from_secs(3) {
            smtp = Some(SmtpServer::start_on(
                std::net::TcpListener::bind(addr).unwrap(),
            ));
        }
        app.drain_outbox().await;
        if smtp.as_ref().is_some_and(|s| s.received().len() == 2) {
            break;
        }
        app.clock.advance(Duration::seconds(2));
        tokio::time::sleep(StdDuration::from_millis(250)).await;
    }
    let smtp = smtp.expect("the SMTP server started");
    assert_eq!(smtp.received().len(), 2, "both emails arrived");
    for delivery in app.api.deliveries(id).await {
        assert_eq!(delivery["state"], "delivered");
        assert!(
            delivery["attempts"].as_u64().unwrap() > 1,
            "it took retries: {delivery}"
        );
    }
    // Each retry minted a new link and dropped the unsent one: only the
    // link in the email that arrived works.
    for mail in smtp.received() {
        assert_eq!(
            app.api.open_link(token_of(&mail.link())).await.0,
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn a_5xx_reply_for_a_recipient_fails_that_delivery_with_the_servers_answer() {
    let smtp = SmtpServer::start();
    let app = TestApp::builder()
        .config(&email_config(smtp.addr))
        .manual()
        .start()
        .await;
    let (_, created) = app
        .api.create(json!({"title": "t", "notify": {"email": ["nobody@bounce.example.com", "ana@example.com"]}}))
        .await;
    app.drain_outbox().await;
    let deliveries = app.api.deliveries(created["id"].as_str().unwrap()).await;
    let bounced = deliveries
        .iter()
        .find(|d| d["destination"] == "nobody@bounce.example.com")
        .unwrap();
    assert_eq!(bounced["state"], "failed");
    assert_eq!(bounced["attempts"], 1);
    let error = bounced["last_error"].as_str().unwrap();
    assert!(error.contains("550"), "{error}");
    let delivered = deliveries
        .iter()
        .find(|d| d["destination"] == "ana@example.com")
        .unwrap();
    assert_eq!(delivered["state"], "delivered");
}

#[tokio::test]
async fn a_reminder_goes_to_recipients_before_expiry_unless_someone_decided() {
    let smtp = SmtpServer::start();
    let config = format!("remind_before = \"1h\"\n{}", email_config(smtp.addr));
    let app = TestApp::builder().config(&config).manual().start().await;
    let notify = json!({"email": ["ana@example.com"]});
    let (_, waiting) = app
        .api
        .create(json!({"title": "Waits", "expires_in": "3h", "notify": notify}))
        .await;
    let (_, decided) = app
        .api
        .create(json!({"title": "Decided", "expires_in": "3h", "notify": notify}))
        .await;
    let (_, no_reminder) = app
        .api
        .create(
            json!({"title": "Quiet", "expires_in": "3h", "notify": notify, "remind_before": false}),
        )
        .await;
    app.drain_outbox().await;
    smtp.wait_for(3).await;
    app.api
        .decide_ok(decided["id"].as_str().unwrap(), "approve")
        .await;

    app.clock.advance(Duration::minutes(119));
    app.drain_outbox().await;
    assert_eq!(smtp.received().len(), 3, "not before expiry minus 1h");
    app.clock.advance(Duration::minutes(2));
    app.drain_outbox().await;
    let mails = smtp.wait_for(4).await;
    let reminder = mails.last().unwrap();
    assert_eq!(
        reminder.parsed().subject(),
        Some("Reminder: approval needed: Waits")
    );
    assert!(reminder.text().contains("still needed"));
    assert_eq!(
        app.api.open_link(token_of(&reminder.link())).await.0,
        StatusCode::OK
    );
    tokio::time::sleep(StdDuration::from_millis(200)).await;
    assert_eq!(
        smtp.received().len(),
        4,
        "no reminder for the decided or the quiet pause"
    );
    let _ = (waiting, no_reminder);
}

#[tokio::test]
async fn slack_and_teams_get_their_documented_shapes_and_a_follow_up() {
    let (slack, slack_log) = standins::slack().await;
    let (teams, teams_log) = standins::teams().await;
    let config = "[channels.ops-slack]\nkind = \"slack\"\nwebhook_url_env = \"SLACK_URL\"\n\n\
                  [channels.ops-teams]\nkind = \"teams\"\nwebhook_url_env = \"TEAMS_URL\"\n";
    let slack_url = format!("{slack}/services/T000/B000/XXXX");
    let teams_url = format!("{teams}/webhookb2/abc");
    let app = TestApp::builder()
        .config(config)
        .env(&[("SLACK_URL", &slack_url), ("TEAMS_URL", &teams_url)])
        .manual()
        .start()
        .await;
    let (_, created) = app
        .api.create(json!({"title": "Deploy <prod>?", "description": "v1.2 & friends", "notify": {"channels": ["ops-slack", "ops-teams"]}}))
        .await;
    app.drain_outbox().await;

    let slack_post = slack_log.requests()[0].json();
    assert_eq!(slack_post["text"], "Approval needed: Deploy &lt;prod&gt;?");
    assert!(
        slack_post["blocks"][0]["text"]["text"]
            .as_str()
            .unwrap()
            .contains("Deploy &lt;prod&gt;?")
    );
    let button = &slack_post["blocks"][2]["elements"][0];
    let slack_link = button["url"].as_str().unwrap().to_owned();

    let card = &teams_log.requests()[0].json()["attachments"][0]["content"];
    assert_eq!(card["body"][1]["text"], "Deploy <prod>?");
    let teams_link = card["actions"][0]["url"].as_str().unwrap().to_owned();
    assert_ne!(slack_link, teams_link);

    let (status, page) = app.api.open_link(token_of(&slack_link)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("name=\"name\""),
        "a shared link asks who is deciding"
    );
    let (status, _) = app
        .api
        .submit(
            token_of(&slack_link),
            &[("decision", "approve"), ("name", "Ana")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let pause = app.api.pause(created["id"].as_str().unwrap()).await;
    assert_eq!(pause["decisions"][0]["actor"], "Ana");

    app.drain_outbox().await;
    assert_eq!(slack_log.requests().len(), 2);
    assert_eq!(
        slack_log.requests()[1].json()["text"],
        "Approved by Ana: Deploy &lt;prod&gt;?"
    );
    let follow_up = &teams_log.requests()[1].json()["attachments"][0]["content"];
    assert_eq!(follow_up["body"][0]["text"], "Approved by Ana");
}

#[tokio::test]
async fn a_pause_decided_before_its_notices_went_out_asks_nobody() {
    let smtp = SmtpServer::start();
    let (slack, slack_log) = standins::slack().await;
    let config = format!(
        "{}\n[channels.ops]\nkind = \"slack\"\nwebhook_url_env = \"SLACK_URL\"\n",
        email_config(smtp.addr)
    );
    let slack_url = format!("{slack}/services/T000/B000/XXXX");
    let app = TestApp::builder()
        .config(&config)
        .env(&[("SLACK_URL", &slack_url)])
        .manual()
        .start()
        .await;
    let (_, created) = app
        .api.create(json!({"title": "Quick", "notify": {"email": ["ana@example.com"], "channels": ["ops"]}}))
        .await;
    let id = created["id"].as_str().unwrap();
    app.api.decide_ok(id, "approve").await;
    app.drain_outbox().await;

    assert!(
        smtp.received().is_empty(),
        "no email asks for a decision already made"
    );
    assert!(
        slack_log.requests().is_empty(),
        "and no follow-up to a channel never asked"
    );
    assert_eq!(app.api.deliveries(id).await, Vec::<Value>::new());
}

#[tokio::test]
async fn escalation_asks_more_people_when_nobody_decided_in_time() {
    let smtp = SmtpServer::start();
    let app = TestApp::builder()
        .config(&email_config(smtp.addr))
        .manual()
        .start()
        .await;
    let escalation = json!({"email": ["boss@example.com"]});
    let body = |title: &str| {
        json!({"title": title, "expires_in": "8h", "notify": {"email": ["ana@example.com"]},
               "escalate_after": "2h", "escalate_to": escalation})
    };
    let (_, waiting) = app.api.create(body("Waits")).await;
    let (_, decided) = app.api.create(body("Decided")).await;
    app.drain_outbox().await;
    smtp.wait_for(2).await;
    app.api
        .decide_ok(decided["id"].as_str().unwrap(), "approve")
        .await;

    app.clock.advance(Duration::minutes(119));
    app.drain_outbox().await;
    assert_eq!(smtp.received().len(), 2, "not before escalate_after");
    app.clock.advance(Duration::minutes(2));
    app.drain_outbox().await;
    let mails = smtp.wait_for(3).await;
    let escalated = mails.last().unwrap();
    assert_eq!(
        escalated.parsed().subject(),
        Some("Escalated: approval needed: Waits")
    );
    assert!(escalated.text().contains("Escalated to you"));
    let (status, _) = app.api.open_link(token_of(&escalated.link())).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the boss gets a working link of their own"
    );
    tokio::time::sleep(StdDuration::from_millis(200)).await;
    assert_eq!(
        smtp.received().len(),
        3,
        "none for the pause decided in time"
    );
    let _ = waiting;

    let (status, body) = app
        .api
        .create(
            json!({"title": "x", "expires_in": "1h", "escalate_after": "2h",
                       "escalate_to": {"email": ["boss@example.com"]}}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(crate::helpers::error_message(&body).contains("escalate_after"));
    let (status, body) = app
        .api.create(json!({"title": "x", "escalate_after": "1h", "escalate_to": {"email": ["not-an-address"]}}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        crate::helpers::error_message(&body).starts_with("escalate_to"),
        "{body}"
    );
}
