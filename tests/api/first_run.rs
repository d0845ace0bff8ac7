//! The first command, `pausegate serve` on its embedded defaults with no
//! key anywhere, run as the real binary: on loopback it makes a key, keeps
//! it beside the database (owner-only), says how to use it once, and reuses
//! it; on any other address it makes none and keeps refusing.

use std::path::Path;
use std::process::Command;

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Api, RunningBinary, TestApp};

/// A `pausegate serve` started with no key in flag, environment or file
/// on `listen` in `dir`: the first command as a newcomer runs it.
fn first_command(dir: &Path, listen: &str) -> RunningBinary {
    TestApp::builder()
        .keyless()
        .dir(dir)
        .listen(listen)
        .binary()
}

/// `POST /api/v1/pauses` through `api`; the status.
async fn create(api: &Api) -> StatusCode {
    api.create(json!({"title": "First pause"})).await.0
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn the_first_command_on_loopback_makes_a_key_shows_it_once_and_reuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = first_command(dir.path(), "127.0.0.1:0");
    let file = dir.path().join("pausegate.db.api-key");
    let key = std::fs::read_to_string(&file)
        .expect("the key is stored beside the database")
        .trim()
        .to_owned();
    assert!(key.len() >= 43, "a long random key: {key}");
    #[cfg(unix)]
    assert_eq!(mode(&file), 0o600, "readable by the owner only");
    let usage = format!(
        "export PAUSEGATE_URL={} PAUSEGATE_API_KEY={key}",
        server.base
    );
    assert!(server.said.contains(&usage), "{}", server.said);
    assert!(
        server.said.contains("pausegate.db.api-key"),
        "{}",
        server.said
    );
    assert_eq!(create(&server.api.as_key(&key)).await, StatusCode::CREATED);
    assert_eq!(create(&server.api).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        create(&server.api.as_key("a-guess-0123456789")).await,
        StatusCode::UNAUTHORIZED
    );
    assert!(server.terminate(), "the server stopped cleanly");

    let mut again = first_command(dir.path(), "127.0.0.1:0");
    assert!(!again.said.contains(&key), "shown once: {}", again.said);
    assert!(
        again.said.contains("$(cat pausegate.db.api-key)"),
        "{}",
        again.said
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap().trim(), key);
    assert_eq!(create(&again.api.as_key(&key)).await, StatusCode::CREATED);
    assert!(again.terminate(), "the server stopped cleanly");
}

#[tokio::test]
async fn a_server_on_a_public_address_makes_no_key_and_says_how_to_set_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = first_command(dir.path(), "0.0.0.0:0");
    let entries: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !entries.iter().any(|name| name.ends_with(".api-key")),
        "no key file: {entries:?}"
    );
    assert!(
        server.said.contains("refuses every call") && server.said.contains("PAUSEGATE_API_KEY="),
        "says how to set a key: {}",
        server.said
    );
    let port = server.base.rsplit(':').next().unwrap().to_owned();
    let loopback = Api::new(&format!("http://127.0.0.1:{port}")).anonymous();
    assert_eq!(create(&loopback).await, StatusCode::UNAUTHORIZED);
    assert!(server.terminate(), "the server stopped cleanly");
}

#[cfg(unix)]
#[test]
fn a_key_file_others_can_read_stops_start_up_with_what_to_do() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pausegate.db.api-key");
    std::fs::write(&file, "k".repeat(43)).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_pausegate"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env_remove("PAUSEGATE_API_KEY")
        .env_remove("PAUSEGATE_CONFIG")
        .env_remove("PAUSEGATE_DATABASE_URL")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("pausegate.db.api-key") && stderr.contains("chmod 600"),
        "{stderr}"
    );
}
