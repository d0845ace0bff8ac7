//! Signing people in with an OpenID Connect provider: the authorization
//! code flow with PKCE (S256), `state` and `nonce`, the code redeemed at
//! the token endpoint with `client_secret_basic`, and the ID token verified
//! against the provider's published keys (issuer, audience, expiry, nonce).
//! The person is their address only when the provider vouches that it
//! verified it (`email_verified`, OpenID Connect Core 1.0 §5.1, or the
//! configured claim): an address anyone may type into their profile at the
//! provider proves nothing.
//!
//! Followed: OpenID Connect Core 1.0 §3.1 (authorization code flow; §3.1.3.7
//! ID token validation), OpenID Connect Discovery 1.0 §4, RFC 7636 (PKCE),
//! RFC 6749 §2.3.1 (client_secret_basic: id and secret form-encoded, then
//! Basic), RFC 9207 (the `iss` the provider adds to its answer), and OpenID
//! Connect RP-Initiated Logout 1.0 (`end_session_endpoint`,
//! `id_token_hint`/`client_id`, `post_logout_redirect_uri`).

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{DecodingKey, Validation, decode, decode_header};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::Mutex;

use super::oidc::{key_family, reason};
use crate::config::SignIn;

/// Why a sign-in failed, in words for the page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignInError {
    /// The provider could not be reached or answered wrongly.
    #[error("{0}")]
    Provider(String),
    /// The provider answered, but does not vouch for the person's address.
    #[error("{0}")]
    Unverified(String),
}

/// What the provider publishes about itself.
#[derive(Debug, Clone, Deserialize)]
struct Metadata {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    end_session_endpoint: Option<String>,
}

/// The provider, as configured, with what it published.
pub struct Provider {
    settings: SignIn,
    client: reqwest::Client,
    known: Mutex<Option<(Metadata, JwkSet)>>,
}

/// Who the provider vouched for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Their address (the configured claim).
    pub email: String,
    /// Their groups (the `groups` claim, when the provider sends one).
    pub groups: Vec<String>,
}

fn failed(what: &str, detail: impl std::fmt::Display) -> SignInError {
    SignInError::Provider(format!("{what}: {detail}"))
}

impl Provider {
    /// The provider `settings` name.
    pub fn new(settings: SignIn) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client with no custom roots builds");
        Self {
            settings,
            client,
            known: Mutex::new(None),
        }
    }

    /// The discovery document and key set, fetched once (and again when a
    /// token names a key not in the set).
    async fn metadata(&self, refresh: bool) -> Result<(Metadata, JwkSet), SignInError> {
        let mut known = self.known.lock().await;
        if let Some(found) = known.as_ref().filter(|_| !refresh) {
            return Ok(found.clone());
        }
        let url = format!("{}/.well-known/openid-configuration", self.settings.issuer);
        let metadata: Metadata = self.get_json(&url).await?;
        if metadata.issuer.trim_end_matches('/') != self.settings.issuer {
            return Err(failed(
                "the provider's discovery document",
                "names another issuer",
            ));
        }
        let keys: JwkSet = self.get_json(&metadata.jwks_uri).await?;
        *known = Some((metadata, keys));
        Ok(known.clone().expect("just stored"))
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, SignInError> {
        let response = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|e| failed(url, e))?;
        if !response.status().is_success() {
            return Err(failed(url, format!("answered {}", response.status())));
        }
        response.json().await.map_err(|e| failed(url, e))
    }

    /// Where to send the browser to sign in.
    pub async fn authorization_url(
        &self,
        redirect_uri: &str,
        state: &str,
        nonce: &str,
        challenge: &str,
    ) -> Result<String, SignInError> {
        let (metadata, _) = self.metadata(false).await?;
        let mut url = url::Url::parse(&metadata.authorization_endpoint)
            .map_err(|e| failed("the provider's authorization_endpoint", e))?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.settings.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", &self.settings.scopes.join(" "))
            .append_pair("state", state)
            .append_pair("nonce", nonce)
            .append_pair("code_challenge", challenge)
            .append_pair("code_challenge_method", "S256");
        Ok(url.into())
    }

    /// Redeems `code` and checks the ID token; the person it names.
    pub async fn finish(
        &self,
        redirect_uri: &str,
        code: &str,
        verifier: &str,
        nonce: &str,
    ) -> Result<Person, SignInError> {
        let (metadata, _) = self.metadata(false).await?;
        let encode =
            |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let basic = STANDARD.encode(format!(
            "{}:{}",
            encode(&self.settings.client_id),
            encode(self.settings.client_secret.expose())
        ));
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", verifier),
        ];
        let response = self
            .client
            .post(&metadata.token_endpoint)
            .header("Authorization", format!("Basic {basic}"))
            .form(&form)
            .send()
            .await
            .map_err(|e| failed("the token endpoint", e))?;
        let status = response.status();
        let answer: Value = response.json().await.unwrap_or_default();
        if !status.is_success() {
            let error = answer["error"].as_str().unwrap_or("no error given");
            return Err(failed(
                "the token endpoint refused the code",
                format!("{status}, {error}"),
            ));
        }
        let id_token = answer["id_token"]
            .as_str()
            .ok_or_else(|| failed("the token endpoint", "answered without an id_token"))?;
        let claims = self.verify(id_token, nonce).await?;
        self.person(&claims)
    }

    /// The person the verified `claims` name, if the provider vouches that
    /// it verified their address: an unverified address is anybody's.
    fn person(&self, claims: &Value) -> Result<Person, SignInError> {
        let claim = &self.settings.email_claim;
        let Some(email) = claims[claim.as_str()]
            .as_str()
            .filter(|e| !e.trim().is_empty())
        else {
            return Err(failed("the ID token", format!("has no {claim} claim")));
        };
        let verified = &self.settings.email_verified_claim;
        if claims[verified.as_str()] != Value::Bool(true) {
            return Err(SignInError::Unverified(format!(
                "The provider does not vouch for {email}: its ID token's {verified} claim \
                 is not true."
            )));
        }
        let groups = claims["groups"]
            .as_array()
            .map(|groups| {
                groups
                    .iter()
                    .filter_map(|g| g.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Person {
            email: email.to_owned(),
            groups,
        })
    }

    async fn verify(&self, id_token: &str, nonce: &str) -> Result<Value, SignInError> {
        let header =
            decode_header(id_token).map_err(|_| failed("the ID token", "is not a signed JWT"))?;
        let (_, mut keys) = self.metadata(false).await?;
        let kid = header.kid.clone().unwrap_or_default();
        if keys.find(&kid).is_none() {
            keys = self.metadata(true).await?.1;
        }
        let key = match header.kid.as_deref() {
            Some(kid) => keys.find(kid).cloned(),
            None if keys.keys.len() == 1 => keys.keys.first().cloned(),
            None => None,
        }
        .ok_or_else(|| failed("the ID token", "names a key the provider does not publish"))?;
        if key_family(&key) != Some(header.alg.family()) {
            return Err(failed(
                "the ID token",
                "is signed with an algorithm its key does not use",
            ));
        }
        let decoding = DecodingKey::from_jwk(&key).map_err(|e| failed("the provider's key", e))?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.settings.issuer, &format!("{}/", self.settings.issuer)]);
        validation.set_audience(&[&self.settings.client_id]);
        validation.leeway = 30;
        let claims = decode::<Value>(id_token, &decoding, &validation)
            .map_err(|e| failed("the ID token", reason(&e)))?
            .claims;
        if claims["nonce"].as_str() != Some(nonce) {
            return Err(failed(
                "the ID token",
                "does not carry this sign-in's nonce",
            ));
        }
        Ok(claims)
    }

    /// The provider's sign-out page, if it has one, returning to `back`.
    pub async fn end_session_url(&self, back: &str) -> Option<String> {
        let (metadata, _) = self.metadata(false).await.ok()?;
        let mut url = url::Url::parse(metadata.end_session_endpoint.as_deref()?).ok()?;
        url.query_pairs_mut()
            .append_pair("client_id", &self.settings.client_id)
            .append_pair("post_logout_redirect_uri", back);
        Some(url.into())
    }

    /// The issuer, as configured.
    pub fn issuer(&self) -> &str {
        &self.settings.issuer
    }

    /// The configured lifetime of a session.
    pub fn session_lifetime(&self) -> chrono::Duration {
        self.settings.session_lifetime
    }
}
