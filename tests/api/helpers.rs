//! What the tests share: one builder, [`TestApp::builder`], that starts the
//! server under test in this process ([`TestApp`]) or as the real binary
//! ([`RunningBinary`]), and one [`Api`] client that talks to either.

mod builder;
mod client;
mod in_process;
mod process;

use std::path::PathBuf;

use reqwest::StatusCode;
use serde_json::Value;

pub(crate) use client::{Answer, Api};
pub(crate) use in_process::TestApp;
pub(crate) use process::RunningBinary;

/// The server's own key, which every server under test is started with.
pub(crate) const API_KEY: &str = "test-key-0123456789";

/// `n` approvals of one pause at once, half through its link and half
/// through the API; the status of each, in order.
pub(crate) async fn approve_concurrently(
    api: &Api,
    id: &str,
    token: &str,
    n: usize,
) -> Vec<StatusCode> {
    let attempts: Vec<_> = (0..n)
        .map(|i| {
            let (api, id, token) = (api.clone(), id.to_owned(), token.to_owned());
            tokio::spawn(async move {
                if i % 2 == 0 {
                    api.submit(&token, &[("decision", "approve")]).await.0
                } else {
                    let path = format!("/api/v1/pauses/{id}/approve");
                    let request = api.request(reqwest::Method::POST, &path);
                    request.send().await.unwrap().status()
                }
            })
        })
        .collect();
    let mut statuses = Vec::with_capacity(n);
    for attempt in attempts {
        statuses.push(attempt.await.unwrap());
    }
    statuses
}

/// True if any of `files` holds `needle` as bytes.
pub(crate) fn any_file_contains(files: &[PathBuf], needle: &str) -> bool {
    files.iter().any(|path| {
        let bytes = std::fs::read(path).unwrap_or_default();
        bytes
            .windows(needle.len())
            .any(|window| window == needle.as_bytes())
    })
}

/// The `error.message` of an error body.
pub(crate) fn error_message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap_or_default()
}
