//! Who asked, and what approving does, as the review page, the email and
//! the Slack and Teams messages say it: the requester as stored (escaped)
//! with how it was identified, and the target started, the orchestrator
//! told, or the waiting pipeline let go on.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::azure_recipe::recipe_config;
use crate::helpers::TestApp;
use crate::smtp::{SmtpServer, email_config};
use crate::{api_callers, standins};

const DEPLOYER_KEY: &str = "deployer-key-0123456789";
const ODD_KEY: &str = "odd-named-key-0123456789";

/// Two named keys, a webhook target, the recipe's Data Factory target and
/// the callback hosts.
fn config() -> String {
    let keys = "[api_keys.deployer]\nkey_env = \"DEPLOYER_KEY\"\n\n\
                [api_keys.\"ci.bot\"]\nkey_env = \"ODD_KEY\"\n\n\
                [targets.hook]\nkind = \"webhook\"\nurl = \"http://127.0.0.1:9/hook\"\n\n\
                [callbacks]\nallowed_hosts = [\"http://127.0.0.1\"]\n";
    format!("{keys}\n{}", recipe_config("http://127.0.0.1:9"))
}

const KEYS: [(&str, &str); 2] = [("DEPLOYER_KEY", DEPLOYER_KEY), ("ODD_KEY", ODD_KEY)];

/// `text` escaped as the HTML templates escape it.
fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('/', "&#x2f;")
}

async fn page_of(app: &TestApp, created: &Value) -> String {
    let (status, page) = app.api.open_link(created["token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    page
}

fn assert_says(page: &str, sentences: &[&str]) {
    for sentence in sentences {
        assert!(page.contains(&html(sentence)), "{sentence:?} in:\n{page}");
    }
}

#[tokio::test]
async fn the_review_page_says_who_asked_and_what_approving_does() {
    let app = TestApp::builder()
        .config(&config())
        .env(&KEYS)
        .manual()
        .start()
        .await;
    let hook = json!({"title": "a", "target": "hook", "on_reject": "hook"});
    let page = page_of(&app, &app.api.as_key(DEPLOYER_KEY).created(hook).await).await;
    assert_says(
        &page,
        &[
            "Requested by deployer (a named API key).",
            "Approving starts hook (webhook).",
            "Rejecting starts hook (webhook).",
        ],
    );
    let page = page_of(&app, &app.api.created(json!({"title": "b"})).await).await;
    assert_says(
        &page,
        &[
            "Requested with the server's API key, which names no caller.",
            "Approving lets the waiting pipeline continue.",
        ],
    );
    let callback =
        json!({"title": "c", "callback": {"kind": "logic_apps", "url": "http://127.0.0.1:9/cb"}});
    let page = page_of(&app, &app.api.as_key(ODD_KEY).created(callback).await).await;
    assert_says(
        &page,
        &[
            "Requested by ci.bot (a named API key).",
            "Approving tells the Logic Apps HTTP Webhook action waiting at 127.0.0.1 to continue.",
        ],
    );

    // Azure DevOps' check and the recipe's PipelinePause record their caller too.
    let id = "3a7e60dc-c5b0-5009-86eb-0f217c12e2ea";
    let mut check = app
        .api
        .as_key(DEPLOYER_KEY)
        .request(Method::POST, "/integrations/azure-devops");
    for header in ["ProjectId", "PlanId", "JobId", "TaskInstanceId"] {
        check = check.header(header, id);
    }
    let response = check
        .header("PlanUrl", "http://127.0.0.1:9/org/")
        .header("HubName", "checks")
        .header("AuthToken", "run-scoped-token")
        .json(&json!({"title": "d"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let page = page_of(&app, &response.json().await.unwrap()).await;
    assert_says(
        &page,
        &[
            "Requested by deployer (a named API key).",
            "Approving tells the Azure DevOps check waiting at 127.0.0.1 to continue.",
        ],
    );
    let response = app
        .api
        .anonymous()
        .request(Method::POST, "/api/PipelinePause")
        .header("x-functions-key", DEPLOYER_KEY)
        .json(
            &json!({"factory_name": "f", "resource_group": "rg", "pipeline_name": "p",
                      "expiration_time": 60}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let page = page_of(&app, &response.json().await.unwrap()).await;
    assert_says(
        &page,
        &[
            "Requested by deployer (a named API key).",
            "Approving starts adf (Azure Data Factory pipeline).",
        ],
    );
}

#[tokio::test]
async fn an_openid_connect_requester_is_shown_as_stored_and_escaped() {
    let (issuer, tokens) = api_callers::issuer().await;
    let app = api_callers::app_trusting(&issuer).await;
    let token = tokens["good"].as_str().unwrap();
    let created = app
        .api
        .as_key(token)
        .created(json!({"title": "Deploy?"}))
        .await;
    let name = created["requested_by"]
        .as_str()
        .expect("the caller is recorded");
    let page = page_of(&app, &created).await;
    assert_says(
        &page,
        &[&format!("Requested by {name} (an OpenID Connect caller).")],
    );
    let stored = app.api.pause(created["id"].as_str().unwrap()).await;
    assert_eq!(stored["requested_by"], name);
}

#[tokio::test]
async fn the_email_says_who_asked_and_what_approving_does() {
    let smtp = SmtpServer::start();
    let config = format!("{}\n{}", config(), email_config(smtp.addr));
    let app = TestApp::builder()
        .config(&config)
        .env(&KEYS)
        .manual()
        .start()
        .await;
    let body =
        json!({"title": "Ship?", "target": "hook", "notify": {"email": ["ana@example.com"]}});
    app.api.as_key(DEPLOYER_KEY).created(body).await;
    let body = json!({"title": "Wait?", "notify": {"email": ["bo@example.com"]}});
    app.api
        .request(Method::POST, "/api/v1/pauses")
        .json(&body)
        .send()
        .await
        .unwrap();
    app.drain_outbox().await;
    let mails = smtp.wait_for(2).await;
    let mail_to = |who: &str| mails.iter().find(|m| m.to[0] == who).unwrap();
    for (who, sentences) in [
        (
            "ana@example.com",
            [
                "Requested by deployer (a named API key).",
                "Approving starts hook (webhook).",
            ],
        ),
        (
            "bo@example.com",
            [
                "Requested with the server's API key, which names no caller.",
                "Approving lets the waiting pipeline continue.",
            ],
        ),
    ] {
        let mail = mail_to(who);
        let text = mail.text();
        let parsed = mail.parsed();
        let html_part = parsed.body_html(0).unwrap();
        for sentence in sentences {
            assert!(text.contains(sentence), "{sentence:?} in:\n{text}");
            assert!(html_part.contains(&html(sentence)), "{sentence:?} in HTML");
        }
    }
}

#[tokio::test]
async fn slack_and_teams_messages_say_who_asked_and_what_approving_does() {
    let (slack, slack_log) = standins::slack().await;
    let (teams, teams_log) = standins::teams().await;
    let config = format!(
        "{}\n[channels.ops-slack]\nkind = \"slack\"\nwebhook_url_env = \"SLACK_URL\"\n\n\
         [channels.ops-teams]\nkind = \"teams\"\nwebhook_url_env = \"TEAMS_URL\"\n",
        config()
    );
    let (slack_url, teams_url) = (
        format!("{slack}/services/T000/B000/XXXX"),
        format!("{teams}/webhookb2/abc"),
    );
    let env = [
        KEYS[0],
        KEYS[1],
        ("SLACK_URL", slack_url.as_str()),
        ("TEAMS_URL", teams_url.as_str()),
    ];
    let app = TestApp::builder()
        .config(&config)
        .env(&env)
        .manual()
        .start()
        .await;
    let channels = json!({"channels": ["ops-slack", "ops-teams"]});
    let body = json!({"title": "Ship?", "target": "hook", "notify": channels});
    app.api.as_key(DEPLOYER_KEY).created(body).await;
    app.drain_outbox().await;
    let body = json!({"title": "Wait?", "notify": channels});
    app.api.as_key(ODD_KEY).created(body).await;
    app.drain_outbox().await;

    let slack_posts: Vec<String> = slack_log
        .requests()
        .iter()
        .map(|r| r.json().to_string())
        .collect();
    let teams_posts: Vec<String> = teams_log
        .requests()
        .iter()
        .map(|r| r.json().to_string())
        .collect();
    assert_eq!((slack_posts.len(), teams_posts.len()), (2, 2));
    for sentence in [
        "Requested by deployer (a named API key).",
        "Approving starts hook (webhook).",
    ] {
        assert!(
            slack_posts[0].contains(sentence),
            "{sentence:?} in {}",
            slack_posts[0]
        );
        assert!(
            teams_posts[0].contains(sentence),
            "{sentence:?} in {}",
            teams_posts[0]
        );
    }
    let waiting = "Approving lets the waiting pipeline continue.";
    assert!(slack_posts[1].contains("Requested by ci.bot (a named API key)."));
    assert!(teams_posts[1].contains("Requested by ci.bot (a named API key)."));
    assert!(slack_posts[1].contains(waiting) && teams_posts[1].contains(waiting));
}
