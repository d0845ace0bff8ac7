//! Sign-in without a browser, for tests that must hold the cookies
//! themselves (to copy a session, or to read where a sign-in returns): a
//! stand-in OpenID Connect provider that signs with PyJWT
//! (`tests/standins/oidc_provider.py`), and a client that follows the
//! redirects one at a time as a browser would, carrying cookies by hand.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

use crate::python;

const CLIENT_ID: &str = "pausegate";
const CLIENT_SECRET: &str = "s3cret-of-the-stand-in";
/// Shared by replicas, so a session opens on each.
const SESSION_KEY: &str = "a-session-key-of-at-least-32-characters";

/// The stand-in provider, stopped when dropped.
pub(crate) struct StandIn {
    child: Child,
    pub issuer: String,
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// Starts the stand-in provider on a free port.
pub(crate) fn start_provider() -> StandIn {
    let python = python::with(&[("jwt", "pyjwt"), ("cryptography", "cryptography")]);
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/standins/oidc_provider.py"
    );
    let mut child = Command::new(python)
        .args([script, CLIENT_ID, CLIENT_SECRET])
        .stdout(Stdio::piped())
        .spawn()
        .expect("python runs");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let issuer = line
        .trim()
        .strip_prefix("issuer ")
        .unwrap_or_else(|| panic!("the stand-in said {line:?}"))
        .to_owned();
    StandIn { child, issuer }
}

/// The `[sign_in]` section for `provider`, and the variables it names.
pub(crate) fn sign_in_config(provider: &StandIn) -> (String, [(&'static str, &'static str); 2]) {
    let config = format!(
        "[sign_in]\nissuer = \"{}\"\nclient_id = \"{CLIENT_ID}\"\n\
         client_secret_env = \"OIDC_SECRET\"\nsession_key_env = \"SESSION_KEY\"\n",
        provider.issuer
    );
    (
        config,
        [("OIDC_SECRET", CLIENT_SECRET), ("SESSION_KEY", SESSION_KEY)],
    )
}

/// An app signing in through a fresh stand-in provider, which stops when
/// the first value is dropped.
pub(crate) async fn app_with_sign_in() -> (StandIn, crate::helpers::TestApp) {
    let provider = start_provider();
    let (config, env) = sign_in_config(&provider);
    let builder = crate::helpers::TestApp::builder().config(&config).env(&env);
    (provider, builder.manual().start().await)
}

/// How a sign-in ended: the callback's status, where it sends the
/// browser, and the session cookie (`name=value`) it set, if any.
pub(crate) struct Outcome {
    pub status: StatusCode,
    pub location: Option<String>,
    pub session: Option<String>,
}

/// A client that follows no redirect, so each answer can be read.
pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn location(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get(LOCATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

/// The `name=value` of the cookie `name` the response sets, if not empty.
fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|pair| pair.starts_with(&format!("{name}=")) && pair.len() > name.len() + 1)
        .map(str::to_owned)
}

/// Signs in at `base` from `/auth/login?{query}` as `login`, whose
/// address the provider says is verified as `verified` (`true`, `false`
/// or `absent`), picking the account on the provider's side.
pub(crate) async fn sign_in(base: &str, query: &str, login: &str, verified: &str) -> Outcome {
    let client = client();
    let started = client
        .get(format!("{base}/auth/login?{query}"))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    let pending = set_cookie(&started, "pausegate_sign_in").expect("a pending sign-in");
    let authorize = location(&started).unwrap();
    let picked = format!("{authorize}&login={login}&email_verified={verified}");
    let provider = client.get(picked).send().await.unwrap();
    assert_eq!(
        provider.status(),
        StatusCode::SEE_OTHER,
        "the provider agreed"
    );
    let callback = location(&provider).unwrap();
    assert!(callback.starts_with(&format!("{base}/auth/callback?")));
    let back = client
        .get(callback)
        .header(COOKIE, pending)
        .send()
        .await
        .unwrap();
    Outcome {
        status: back.status(),
        location: location(&back),
        session: set_cookie(&back, "pausegate_session"),
    }
}

/// `GET {base}{path}` carrying `cookie`.
pub(crate) async fn get_with(base: &str, path: &str, cookie: &str) -> reqwest::Response {
    client()
        .get(format!("{base}{path}"))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap()
}

/// The inbox's CSRF token, read from its sign-out form.
pub(crate) fn csrf_of(inbox: &str) -> String {
    let at = inbox
        .find("name=\"csrf\" value=\"")
        .expect("a form with csrf")
        + 19;
    inbox[at..].split('"').next().unwrap().to_owned()
}

/// Signs out at `base` with `cookie` and the inbox's CSRF token.
pub(crate) async fn sign_out(base: &str, cookie: &str, csrf: &str) -> reqwest::Response {
    client()
        .post(format!("{base}/auth/logout"))
        .header(COOKIE, cookie)
        .form(&[("csrf", csrf)])
        .send()
        .await
        .unwrap()
}
