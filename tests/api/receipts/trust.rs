//! Whom `pausegate verify` trusts: a receipt forged for a real pause by a
//! forger serving its own key set at the issuer its receipt names is
//! refused unless the user pinned that forger; pinned to the real server
//! (`--issuer`, `PAUSEGATE_TRUSTED_ISSUERS`) the genuine receipt verifies
//! naming the issuer and key, and the forged one does not; a pinned public
//! key (`--key`) verifies only what it signed; rotating the key keeps old
//! receipts verifiable. Forged receipts are signed by Python's
//! `cryptography`, not by pausegate.

use std::path::{Path, PathBuf};
use std::process::Command;

use axum::Router;
use axum::routing::get;
use serde_json::{Value, json};

use super::{pausegate, pausegate_with_env, python_verifies, settled, stderr, stdout};
use crate::helpers::TestApp;
use crate::standins;

/// The RFC 8410 §10.3 example Ed25519 key, as a configured signing key.
const CONFIGURED_KEY: &str = "-----BEGIN PRIVATE KEY-----\n\
MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n\
-----END PRIVATE KEY-----\n";

/// Its public half, RFC 8410 §10.1.
const CONFIGURED_PUBLIC_KEY: &str = "-----BEGIN PUBLIC KEY-----\n\
MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n\
-----END PUBLIC KEY-----\n";

/// Signs `claims` with Python's `cryptography`: with the stored PKCS#8
/// key in `key`, or with a fresh key whose JWK Set lands in
/// `dir/jwks.json`. The receipt.
pub(super) fn python_signs(dir: &Path, claims: &Value, key: Option<&Path>) -> String {
    let python = crate::python::with(&[("cryptography", "cryptography")]);
    std::fs::create_dir_all(dir).unwrap();
    let claims_file = dir.join("claims.json");
    std::fs::write(&claims_file, claims.to_string()).unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/standins/sign_receipt.py"
    );
    let output = Command::new(python)
        .arg(script)
        .arg(&claims_file)
        .arg(dir)
        .args(key)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    std::fs::read_to_string(dir.join("receipt.jws")).unwrap()
}

/// A forger's server on port 0: it serves whatever key set is in `file`.
async fn forger_serving(file: PathBuf) -> String {
    let jwks = move || {
        let file = file.clone();
        async move {
            let text = std::fs::read_to_string(file).unwrap();
            axum::Json(serde_json::from_str::<Value>(&text).unwrap())
        }
    };
    standins::serve(Router::new().route("/.well-known/jwks.json", get(jwks))).await
}

#[tokio::test]
async fn a_forged_receipt_is_refused_without_a_pinned_anchor_and_names_its_issuer() {
    let app = TestApp::builder().start().await;
    let id = settled(&app, json!({"rows": 1}), "reject").await;
    let genuine = app.api.receipt(&id).await;
    let genuine_jws = genuine["receipt"].as_str().unwrap();
    let forger_dir = app.dir.path().join("forger");
    let forger = forger_serving(forger_dir.join("jwks.json")).await;
    // The real pause, rejected, claimed approved by the forger's key.
    let mut claims = genuine["claims"].clone();
    claims["iss"] = json!(forger);
    claims["outcome"] = json!("approved");
    claims["decisions"][0]["decision"] = json!("approve");
    let forged = python_signs(&forger_dir, &claims, None);
    let forger_jwks = format!("{forger}/.well-known/jwks.json");
    let valid = pausegate(&["verify", &forged, "--jwks", &forger_jwks]).await;
    assert!(valid.status.success(), "well signed: {}", stderr(&valid));

    let unpinned = pausegate(&["verify", &forged]).await;
    assert_eq!(unpinned.status.code(), Some(1), "{}", stdout(&unpinned));
    let said = stderr(&unpinned);
    assert!(said.contains(&format!("its issuer is {forger}")), "{said}");
    assert!(said.contains("--issuer"), "says how to pin: {said}");

    let pinned = pausegate(&["verify", genuine_jws, "--issuer", &app.base]).await;
    assert!(pinned.status.success(), "{}", stderr(&pinned));
    let kid = genuine["kid"].as_str().unwrap();
    let shown = format!("trusted: issuer {} (pinned), key {kid} from", app.base);
    assert!(stdout(&pinned).contains(&shown), "{}", stdout(&pinned));

    let refused = pausegate(&["verify", &forged, "--issuer", &app.base]).await;
    assert_eq!(refused.status.code(), Some(1));
    let said = stderr(&refused);
    assert!(said.contains(&format!("issuer is {forger}")), "{said}");
    assert!(
        said.contains(&format!("trusted issuer is {}", app.base)),
        "{said}"
    );

    // Naming the real issuer does not help a key the real server never published.
    claims["iss"] = json!(app.base);
    let impostor = python_signs(&forger_dir, &claims, None);
    let refused = pausegate(&["verify", &impostor, "--issuer", &app.base]).await;
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("no published key"),
        "{}",
        stderr(&refused)
    );
}

#[tokio::test]
async fn trusted_issuers_can_come_from_the_environment() {
    let app = TestApp::builder().start().await;
    let genuine = app
        .api
        .receipt(&settled(&app, json!({}), "approve").await)
        .await;
    let genuine_jws = genuine["receipt"].as_str().unwrap();
    let forger_dir = app.dir.path().join("forger");
    let forger = forger_serving(forger_dir.join("jwks.json")).await;
    let mut claims = genuine["claims"].clone();
    claims["iss"] = json!(forger);
    let forged = python_signs(&forger_dir, &claims, None);

    let list = format!("https://other.example.com, {}/", app.base);
    let env = [("PAUSEGATE_TRUSTED_ISSUERS", list.as_str())];
    let ok = pausegate_with_env(&["verify", genuine_jws], &env).await;
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(stdout(&ok).contains(&format!("issuer {} (pinned)", app.base)));
    let refused = pausegate_with_env(&["verify", &forged], &env).await;
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains(&forger), "{}", stderr(&refused));

    let plain = [("PAUSEGATE_TRUSTED_ISSUERS", "http://gate.example.com")];
    let refused = pausegate_with_env(&["verify", genuine_jws], &plain).await;
    let said = stderr(&refused);
    assert!(
        said.contains("PAUSEGATE_TRUSTED_ISSUERS: http://gate.example.com"),
        "{said}"
    );
}

#[tokio::test]
async fn rotating_the_key_keeps_old_receipts_verifiable_and_a_pinned_key_verifies_only_its_own() {
    let app = TestApp::builder().start().await;
    let data = json!({"rows": 1});
    let before_id = settled(&app, data.clone(), "approve").await;
    let before = app.api.receipt(&before_id).await;
    let app = app
        .restart_with(|settings| {
            let key = pausegate::receipts::SigningKey::from_pem(CONFIGURED_KEY).unwrap();
            settings.receipt_key = Some(key);
        })
        .await;
    let after_id = settled(&app, data.clone(), "approve").await;
    let after = app.api.receipt(&after_id).await;

    assert_ne!(before["kid"], after["kid"], "the new key signs");
    let size = app.integrate().await;
    assert_eq!(size, 2, "both keys' receipts are in one log");
    let logged = app.api.receipt(&after_id).await;
    assert_eq!(logged["log_index"], 1);
    let jwks = app.api.get_json("/.well-known/jwks.json").await;
    let kids: Vec<&Value> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| &k["kid"])
        .collect();
    assert_eq!(
        kids,
        [&after["kid"], &before["kid"]],
        "current first, old still published"
    );
    let jws = [
        before["receipt"].as_str().unwrap(),
        after["receipt"].as_str().unwrap(),
    ];
    let pauses = [
        app.api.pause(&before_id).await,
        app.api.pause(&after_id).await,
    ];
    python_verifies(app.dir.path(), &jwks, &jws, &pauses);
    let url = app.settings.database_url.clone();
    let audit = pausegate(&["audit", "verify", "--database-url", &url]).await;
    assert!(audit.status.success(), "{}", stderr(&audit));

    let key_file = app.dir.path().join("receipts.pub.pem");
    std::fs::write(&key_file, CONFIGURED_PUBLIC_KEY).unwrap();
    let key = key_file.to_str().unwrap();
    let ok = pausegate(&["verify", jws[1], "--key", key]).await;
    assert!(ok.status.success(), "{}", stderr(&ok));
    let shown = format!("key {} from key file {key}", after["kid"].as_str().unwrap());
    assert!(stdout(&ok).contains(&shown), "{}", stdout(&ok));
    let refused = pausegate(&["verify", jws[0], "--key", key]).await;
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("no published key"),
        "{}",
        stderr(&refused)
    );
}
