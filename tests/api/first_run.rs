//! The first command, `pausegate serve` on its embedded defaults with no
//! key anywhere, run as the real binary: on loopback it makes a key, keeps
//! it beside the database (owner-only), says how to use it once, and reuses
//! it; on any other address it makes none and keeps refusing.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

/// A `pausegate serve` started with no key in flag, environment or file:
/// the first command as a newcomer runs it.
pub struct KeylessServer {
    child: Child,
    pub base: String,
    /// Everything printed up to and including the "listening on" line.
    pub said: String,
}

impl KeylessServer {
    /// Starts `pausegate serve --listen LISTEN` in `dir`; returns once it listens.
    pub fn start(dir: &Path, listen: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pausegate"))
            .args(["serve", "--listen", listen])
            .current_dir(dir)
            .env_remove("PAUSEGATE_API_KEY")
            .env_remove("PAUSEGATE_CONFIG")
            .env_remove("PAUSEGATE_DATABASE_URL")
            .env_remove("PAUSEGATE_LISTEN")
            .env_remove("FUNCTIONS_CUSTOMHANDLER_PORT")
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the pausegate binary starts");
        let (lines, received) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        let mut said = String::new();
        loop {
            let Ok(line) = received.recv_timeout(Duration::from_secs(30)) else {
                child.kill().ok();
                child.wait().ok();
                panic!("no listening line; printed:\n{said}");
            };
            said.push_str(&line);
            said.push('\n');
            if let Some(at) = line.find("listening on http://") {
                let base = line[at + "listening on ".len()..].trim().to_owned();
                // Keep draining so the server never blocks on a full pipe.
                std::thread::spawn(move || received.iter().for_each(drop));
                return Self { child, base, said };
            }
        }
    }

    /// `POST /api/v1/pauses` with `key` (or none); the status.
    async fn create_with(&self, key: Option<&str>) -> StatusCode {
        let mut request = reqwest::Client::new()
            .post(format!("{}/api/v1/pauses", self.base))
            .json(&json!({"title": "First pause"}));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        request.send().await.unwrap().status()
    }

    /// SIGTERM, then waits for a clean exit.
    pub fn stop(mut self) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "the server stopped cleanly");
    }
}

impl Drop for KeylessServer {
    /// A test that fails half-way leaves no server behind.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.child.kill().ok();
            self.child.wait().ok();
        }
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn the_first_command_on_loopback_makes_a_key_shows_it_once_and_reuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = KeylessServer::start(dir.path(), "127.0.0.1:0");
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
    assert_eq!(server.create_with(Some(&key)).await, StatusCode::CREATED);
    assert_eq!(server.create_with(None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        server.create_with(Some("a-guess-0123456789")).await,
        StatusCode::UNAUTHORIZED
    );
    server.stop();

    let again = KeylessServer::start(dir.path(), "127.0.0.1:0");
    assert!(!again.said.contains(&key), "shown once: {}", again.said);
    assert!(
        again.said.contains("$(cat pausegate.db.api-key)"),
        "{}",
        again.said
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap().trim(), key);
    assert_eq!(again.create_with(Some(&key)).await, StatusCode::CREATED);
    again.stop();
}

#[tokio::test]
async fn a_server_on_a_public_address_makes_no_key_and_says_how_to_set_one() {
    let dir = tempfile::tempdir().unwrap();
    let server = KeylessServer::start(dir.path(), "0.0.0.0:0");
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
    let mut server = server;
    server.base = format!("http://127.0.0.1:{port}");
    assert_eq!(server.create_with(None).await, StatusCode::UNAUTHORIZED);
    server.stop();
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
