//! `[sign_in]`: people sign in to the review pages and the inbox with an
//! OpenID Connect provider (Entra ID, Google, Okta, Keycloak, Dex: any that
//! publishes a discovery document), by configuration only. Only an address
//! the provider says it verified signs anyone in: Entra ID sends no
//! `email_verified` for work accounts, but its optional `xms_edov` claim
//! (learn.microsoft.com/entra/identity-platform/optional-claims-reference:
//! "whether the user's email domain owner has been verified") serves.

use serde::Deserialize;

use super::parse_url;
use super::secret::{Env, Secret};

/// `[sign_in]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInFile {
    /// The provider's issuer; its discovery document is read at
    /// `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    /// This application's client id at the provider.
    pub client_id: String,
    /// Names the variable holding the client secret.
    pub client_secret_env: String,
    /// Scopes to ask for (default `openid email profile`).
    pub scopes: Option<Vec<String>>,
    /// The claim holding the person's address (default `email`).
    pub email_claim: Option<String>,
    /// The claim by which the provider vouches that it verified that
    /// address; it must be `true` (default `email_verified`, OpenID Connect
    /// Core 1.0 §5.1; Entra ID: `xms_edov`, an optional claim).
    pub email_verified_claim: Option<String>,
    /// Names the variable holding the key that signs session cookies (32+
    /// characters), so sessions survive restarts and work across replicas;
    /// without it a random key is made at each start.
    pub session_key_env: Option<String>,
    /// How long a sign-in lasts (default 8h).
    pub session_lifetime: Option<String>,
}

/// Sign-in, checked.
#[derive(Debug, Clone)]
pub struct SignIn {
    /// The provider's issuer, exactly as its tokens carry it.
    pub issuer: String,
    /// Our client id.
    pub client_id: String,
    /// Our client secret.
    pub client_secret: Secret,
    /// Scopes asked for.
    pub scopes: Vec<String>,
    /// The claim naming the person.
    pub email_claim: String,
    /// The claim that must be `true` for that address to be trusted.
    pub email_verified_claim: String,
    /// Signs session cookies; `None`: a random key per start.
    pub session_key: Option<Secret>,
    /// How long a sign-in lasts.
    pub session_lifetime: chrono::Duration,
}

/// Resolves `[sign_in]`.
pub(crate) fn resolve(file: Option<SignInFile>, env: &Env) -> Result<Option<SignIn>, String> {
    let Some(f) = file else { return Ok(None) };
    parse_url("sign_in.issuer", &f.issuer)?;
    let session_key = f
        .session_key_env
        .map(|var| env.secret("sign_in.session_key_env", &var))
        .transpose()?;
    if session_key.as_ref().is_some_and(|k| k.expose().len() < 32) {
        return Err("sign_in.session_key_env: the key is shorter than 32 characters".to_owned());
    }
    let lifetime = f.session_lifetime.as_deref().unwrap_or("8h");
    let session_lifetime = crate::domain::parse_duration(lifetime)
        .map_err(|e| format!("sign_in.session_lifetime: {e}"))?;
    Ok(Some(SignIn {
        issuer: f.issuer.trim_end_matches('/').to_owned(),
        client_id: f.client_id,
        client_secret: env.secret("sign_in.client_secret_env", &f.client_secret_env)?,
        scopes: f
            .scopes
            .unwrap_or_else(|| vec!["openid".into(), "email".into(), "profile".into()]),
        email_claim: f.email_claim.unwrap_or_else(|| "email".to_owned()),
        email_verified_claim: f
            .email_verified_claim
            .unwrap_or_else(|| "email_verified".to_owned()),
        session_key,
        session_lifetime,
    }))
}
