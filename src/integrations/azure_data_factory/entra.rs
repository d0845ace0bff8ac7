//! Entra ID client-credentials tokens for a service principal: `POST
//! {authority}/{tenant}/oauth2/v2.0/token` with `grant_type =
//! client_credentials` and `scope = {resource}/.default` (Microsoft identity
//! platform, "OAuth 2.0 client credentials flow"), cached until shortly
//! before they expire and shared by every target of the same principal.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use reqwest::header::ACCEPT;
use serde::Deserialize;

use super::target::AdfTarget;
use crate::clock::Clock;
use crate::integrations::kit::join_path;
use crate::outbox::{SendError, check, transport};

/// A cached token is renewed this long before it expires.
const RENEW_BEFORE: Duration = Duration::minutes(5);

/// Access tokens by (authority, tenant, client, scope), shared by targets
/// using the same service principal.
#[derive(Default)]
pub(crate) struct TokenCache {
    tokens: Mutex<HashMap<String, (String, DateTime<Utc>)>>,
}

impl TokenCache {
    pub(super) fn get(&self, key: &str, now: DateTime<Utc>) -> Option<String> {
        let tokens = self.tokens.lock().expect("token cache lock poisoned");
        let (token, renew_at) = tokens.get(key)?;
        (now < *renew_at).then(|| token.clone())
    }

    pub(super) fn put(&self, key: String, token: String, renew_at: DateTime<Utc>) {
        let mut tokens = self.tokens.lock().expect("token cache lock poisoned");
        tokens.insert(key, (token, renew_at));
    }

    pub(super) fn forget(&self, key: &str) {
        self.tokens
            .lock()
            .expect("token cache lock poisoned")
            .remove(key);
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: Seconds,
}

/// `expires_in` is a number on the v2.0 endpoint; older endpoints sent a
/// string, so both are read.
#[derive(Deserialize)]
#[serde(untagged)]
enum Seconds {
    Number(u64),
    Text(String),
}

impl Seconds {
    /// The lifetime, kept within a day whatever the answer says.
    fn duration(&self) -> Duration {
        let seconds = match self {
            Self::Number(n) => *n,
            Self::Text(text) => text.trim().parse().unwrap_or(3600),
        };
        Duration::seconds(seconds.min(86_400) as i64)
    }
}

/// The service principal and where its tokens come from.
pub(super) struct Principal<'a> {
    adf: &'a AdfTarget,
    scope: String,
    pub(super) cache_key: String,
}

impl<'a> Principal<'a> {
    pub(super) fn of(adf: &'a AdfTarget) -> Self {
        let scope = format!(
            "{}/.default",
            adf.management_endpoint.as_str().trim_end_matches('/')
        );
        let cache_key = format!(
            "{}|{}|{}|{scope}",
            adf.authority_host, adf.tenant_id, adf.client_id
        );
        Self {
            adf,
            scope,
            cache_key,
        }
    }
}

/// A cached token, or a new one from `{authority}/{tenant}/oauth2/v2.0/token`.
pub(super) async fn token(
    client: &reqwest::Client,
    clock: &dyn Clock,
    tokens: &TokenCache,
    principal: &Principal<'_>,
) -> Result<String, SendError> {
    if let Some(token) = tokens.get(&principal.cache_key, clock.now()) {
        return Ok(token);
    }
    let adf = principal.adf;
    let url = join_path(
        &adf.authority_host,
        &[&adf.tenant_id, "oauth2", "v2.0", "token"],
    );
    let form = [
        ("client_id", adf.client_id.as_str()),
        ("scope", principal.scope.as_str()),
        ("client_secret", adf.client_secret.expose()),
        ("grant_type", "client_credentials"),
    ];
    let response = client
        .post(url)
        .header(ACCEPT, "application/json")
        .form(&form)
        .send()
        .await
        .map_err(|e| transport("Entra ID", e))?;
    let response = check("Entra ID (token request)", response).await?;
    let answer: TokenResponse = response.json().await.map_err(|e| {
        SendError::retry(format!("Entra ID answered with an unreadable token: {e}"))
    })?;
    let lifetime = answer.expires_in.duration();
    let renew_at = clock.now() + lifetime - RENEW_BEFORE.min(lifetime / 2);
    tokens.put(
        principal.cache_key.clone(),
        answer.access_token.clone(),
        renew_at,
    );
    Ok(answer.access_token)
}
