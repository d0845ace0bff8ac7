//! The example configs under `examples/`: every one starts with a comment
//! saying what it is for and loads (with the variables its `*_env` keys
//! name), and the minimal one runs as-is: a pause made through the API is
//! approved through its link, with no rule in the way.

use std::path::{Path, PathBuf};
use std::process::Command;

use pausegate::config::{Env, ServeArgs, Settings};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;

/// Every server config (`*.toml`) under `examples/`, sorted; the MCP
/// gateway's files under `examples/mcp/` are checked on their own.
fn example_configs() -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.ends_with("examples/mcp") {
                continue;
            }
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "toml") {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples"),
        &mut found,
    );
    found.sort();
    found
}

/// `(key, variable)` for every `*_env` key in the TOML `value`, at any depth.
fn env_keys(value: &toml::Value, found: &mut Vec<(String, String)>) {
    match value {
        toml::Value::Table(table) => {
            for (key, inner) in table {
                match inner {
                    toml::Value::String(variable) if key.ends_with("_env") => {
                        found.push((key.clone(), variable.clone()));
                    }
                    _ => env_keys(inner, found),
                }
            }
        }
        toml::Value::Array(items) => items.iter().for_each(|item| env_keys(item, found)),
        _ => {}
    }
}

/// A private key in PEM made by `openssl genpkey` with `args`.
fn openssl_key(args: &[&str]) -> String {
    let output = Command::new("openssl")
        .arg("genpkey")
        .args(args)
        .output()
        .expect("openssl is installed");
    assert!(output.status.success(), "openssl genpkey {args:?}");
    String::from_utf8(output.stdout).unwrap()
}

/// A value of the kind the key names: a PEM private key, a webhook URL, or
/// a long random-looking secret.
fn value_for(key: &str) -> String {
    match key {
        "private_key_env" => {
            openssl_key(&["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])
        }
        "signing_key_env" => openssl_key(&["-algorithm", "ed25519"]),
        "attestation_key_env" => {
            openssl_key(&["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
        }
        "webhook_url_env" => "https://hooks.example.com/services/T0/B0/x0".to_owned(),
        _ => "example-secret-0123456789abcdef0123456789".to_owned(),
    }
}

#[test]
fn every_example_config_says_what_it_is_for_and_loads() {
    let configs = example_configs();
    assert!(configs.len() >= 10, "one example per feature: {configs:?}");
    for path in configs {
        let text = std::fs::read_to_string(&path).unwrap();
        let shown = path.display();
        assert!(
            text.starts_with("# "),
            "{shown} starts with a comment header"
        );
        let mut keys = Vec::new();
        let table: toml::Table = toml::from_str(&text).unwrap();
        env_keys(&toml::Value::Table(table), &mut keys);
        let values: Vec<(String, String)> = keys
            .iter()
            .map(|(key, variable)| (variable.clone(), value_for(key)))
            .collect();
        for (variable, _) in &values {
            assert!(
                text.lines()
                    .take_while(|l| l.starts_with('#'))
                    .any(|l| l.contains(variable)),
                "{shown}'s header names the variable {variable} it needs"
            );
        }
        let env = Env::from_pairs(values.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let args = ServeArgs {
            config: Some(path.clone()),
            ..ServeArgs::default()
        };
        // Relative paths in the examples (policies) are from the repository root.
        if let Err(error) = Settings::load(args, &env) {
            panic!("{shown} does not load: {error}");
        }
    }
}

#[test]
fn the_mcp_examples_load_and_start_the_commands_pausegate_has() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/mcp");
    let gate = pausegate::mcp::gate::GateSettings::load(&dir.join("gate.toml"))
        .unwrap_or_else(|e| panic!("examples/mcp/gate.toml: {e}"));
    assert!(gate.names("write_file") && !gate.names("read_file"));
    assert!(gate.policy.is_some(), "its policy compiles");
    for client in [
        "claude_desktop_config.json",
        "vscode-mcp.json",
        "cursor-mcp.json",
    ] {
        let text = std::fs::read_to_string(dir.join(client)).unwrap();
        let config: serde_json::Value = serde_json::from_str(&text).unwrap();
        let servers = config
            .get("mcpServers")
            .or_else(|| config.get("servers"))
            .and_then(serde_json::Value::as_object)
            .unwrap_or_else(|| panic!("{client} names its servers"));
        for (name, server) in servers {
            match server["command"].as_str() {
                Some(command) => {
                    assert_eq!(command, "pausegate", "{client}: {name}");
                    let sub = server["args"][0].as_str().unwrap();
                    assert!(
                        ["mcp", "mcp-gate"].contains(&sub),
                        "{client}: {name}: {sub}"
                    );
                }
                None => assert!(
                    server["url"].as_str().unwrap().ends_with("/mcp"),
                    "{client}: {name}"
                ),
            }
        }
    }
}

#[test]
fn the_minimal_example_needs_no_variable_and_sets_no_rule() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/config.toml");
    let args = ServeArgs {
        config: Some(path),
        ..ServeArgs::default()
    };
    let settings = Settings::load(args, &Env::from_pairs([])).expect("runs as-is");
    assert!(settings.policies.is_empty(), "no policy decides for people");
    assert!(settings.public_url.is_none(), "links point at this machine");
    assert!(settings.listen.ip().is_loopback());
}

#[tokio::test]
async fn the_minimal_example_runs_end_to_end_and_its_link_approves_without_403() {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/config.toml");
    let mut server = TestApp::builder()
        .args(&["--config", config.to_str().unwrap()])
        .binary();
    let client = reqwest::Client::new();
    let (_, created) = server
        .api
        .create(json!({"title": "Load 2026-11-23 sales?", "data": {"rows": 12345}}))
        .await;
    assert_eq!(created["state"], "pending", "{created}");
    let review_url = created["review_url"].as_str().unwrap();
    assert!(
        review_url.starts_with(&format!("{}/r/", server.base)),
        "the link works on this machine: {review_url}"
    );
    let page = client.get(review_url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let decided = client
        .post(review_url)
        .form(&[("decision", "approve"), ("name", "Ana"), ("comment", "ok")])
        .send()
        .await
        .unwrap();
    let status = decided.status();
    let body = decided.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "approved through the link: {body}");
    let id = created["id"].as_str().unwrap();
    let pause = server.api.get_json(&format!("/api/v1/pauses/{id}")).await;
    assert_eq!(pause["state"], "approved", "{pause}");
    assert_eq!(pause["decisions"][0]["actor"], "Ana");
    assert!(server.terminate());
}
