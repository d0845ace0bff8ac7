//! Entra ID client-credentials tokens for a service principal: `POST
//! {authority}/{tenant}/oauth2/v2.0/token` with `grant_type =
//! client_credentials` and `scope = {resource}/.default` (Microsoft identity
//! platform, "OAuth 2.0 client credentials flow"), cached until shortly
//! before they expire and shared by every user of the same principal. Not
//! an integration of its own: the Azure rooms that call Entra-protected
//! APIs (Data Factory, the Teams bot's Bot Connector) share it.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use reqwest::header::ACCEPT;
use serde::Deserialize;

use crate::clock::Clock;
use crate::config::Secret;
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
    pub(crate) fn get(&self, key: &str, now: DateTime<Utc>) -> Option<String> {
        let tokens = self.tokens.lock().expect("token cache lock poisoned");
        let (token, renew_at) = tokens.get(key)?;
        (now < *renew_at).then(|| token.clone())
    }

    pub(crate) fn put(&self, key: String, token: String, renew_at: DateTime<Utc>) {
        let mut tokens = self.tokens.lock().expect("token cache lock poisoned");
        tokens.insert(key, (token, renew_at));
    }

    pub(crate) fn forget(&self, key: &str) {
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
pub(crate) struct Principal<'a> {
    authority: &'a reqwest::Url,
    tenant_id: &'a str,
    client_id: &'a str,
    client_secret: &'a Secret,
    scope: String,
    /// What its tokens are cached under.
    pub(crate) cache_key: String,
}

impl<'a> Principal<'a> {
    /// The app `client_id` of `tenant_id`, signing in at `authority`, for
    /// tokens to `resource` (its `/.default` scope).
    pub(crate) fn new(
        authority: &'a reqwest::Url,
        tenant_id: &'a str,
        client_id: &'a str,
        client_secret: &'a Secret,
        resource: &str,
    ) -> Self {
        let scope = format!("{}/.default", resource.trim_end_matches('/'));
        let cache_key = format!("{authority}|{tenant_id}|{client_id}|{scope}");
        Self {
            authority,
            tenant_id,
            client_id,
            client_secret,
            scope,
            cache_key,
        }
    }
}

/// A cached token, or a new one from `{authority}/{tenant}/oauth2/v2.0/token`.
pub(crate) async fn token(
    client: &reqwest::Client,
    clock: &dyn Clock,
    tokens: &TokenCache,
    principal: &Principal<'_>,
) -> Result<String, SendError> {
    if let Some(token) = tokens.get(&principal.cache_key, clock.now()) {
        return Ok(token);
    }
    let url = join_path(
        principal.authority,
        &[principal.tenant_id, "oauth2", "v2.0", "token"],
    );
    let form = [
        ("client_id", principal.client_id),
        ("scope", principal.scope.as_str()),
        ("client_secret", principal.client_secret.expose()),
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
