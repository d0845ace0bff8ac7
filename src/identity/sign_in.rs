//! Signing people in with an OpenID Connect provider: the authorization
//! code flow with PKCE (S256), `state` and `nonce`, the code redeemed at
//! the token endpoint with `client_secret_basic`, and the ID token put
//! through the one token check ([`super::jwt`]: the provider's published
//! keys, issuer, audience, expiry and this sign-in's nonce).
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
use serde::Deserialize;
use serde_json::Value;

use super::jwt::{Expected, IssuerKeys, TokenError, issuer_client};
use crate::config::SignIn;

/// How long the provider may take to answer: a person is waiting.
const TIMEOUT: Duration = Duration::from_secs(10);

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

/// What the provider publishes about itself (its `issuer` is checked by
/// [`IssuerKeys::discover`]).
#[derive(Debug, Clone, Deserialize)]
struct Metadata {
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    end_session_endpoint: Option<String>,
}

/// The provider, as configured, with what it published.
pub struct Provider {
    settings: SignIn,
    /// For the token endpoint.
    client: reqwest::Client,
    /// The discovery document and key set, cached.
    keys: IssuerKeys,
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

/// `what` did not pass the token check, or could not be fetched.
fn provider_error(what: &str, error: TokenError) -> SignInError {
    match error {
        TokenError::Refused(reason) | TokenError::Unavailable(reason) => failed(what, reason),
    }
}

impl Provider {
    /// The provider `settings` name.
    pub fn new(settings: SignIn) -> Self {
        Self {
            settings,
            client: issuer_client(TIMEOUT),
            keys: IssuerKeys::new(TIMEOUT),
        }
    }

    /// The provider's discovery document.
    async fn metadata(&self) -> Result<Metadata, SignInError> {
        let document = self
            .keys
            .discover(&self.settings.issuer)
            .await
            .map_err(|e| provider_error("the provider's discovery document", e))?;
        serde_json::from_value(document).map_err(|e| failed("the provider's discovery document", e))
    }

    /// Where to send the browser to sign in.
    pub async fn authorization_url(
        &self,
        redirect_uri: &str,
        state: &str,
        nonce: &str,
        challenge: &str,
    ) -> Result<String, SignInError> {
        let metadata = self.metadata().await?;
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
        let metadata = self.metadata().await?;
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", verifier),
        ];
        let id_token = self.redeem(&metadata, &form).await?;
        let claims = self.verify(&metadata, &id_token, nonce).await?;
        self.person(&claims)
    }

    /// Posts `form` to the token endpoint as this client; the ID token.
    async fn redeem(
        &self,
        metadata: &Metadata,
        form: &[(&str, &str)],
    ) -> Result<String, SignInError> {
        let encode =
            |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let basic = STANDARD.encode(format!(
            "{}:{}",
            encode(&self.settings.client_id),
            encode(self.settings.client_secret.expose())
        ));
        let response = self
            .client
            .post(&metadata.token_endpoint)
            .header("Authorization", format!("Basic {basic}"))
            .form(form)
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
        answer["id_token"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| failed("the token endpoint", "answered without an id_token"))
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

    /// The ID token's claims, if it is this provider's, for us, unexpired
    /// and carrying this sign-in's `nonce`. The issuer is accepted with or
    /// without a trailing slash, as providers write it either way.
    async fn verify(
        &self,
        metadata: &Metadata,
        id_token: &str,
        nonce: &str,
    ) -> Result<Value, SignInError> {
        let issuer = &self.settings.issuer;
        let expected = Expected {
            issuers: &[issuer.clone(), format!("{issuer}/")],
            audiences: std::slice::from_ref(&self.settings.client_id),
            nonce: Some(nonce),
            endorsement: None,
        };
        self.keys
            .verify(id_token, &metadata.jwks_uri, &expected)
            .await
            .map_err(|e| provider_error("the ID token", e))
    }

    /// The provider's sign-out page, if it has one, returning to `back`.
    pub async fn end_session_url(&self, back: &str) -> Option<String> {
        let metadata = self.metadata().await.ok()?;
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
