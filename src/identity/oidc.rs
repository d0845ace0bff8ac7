//! OpenID Connect bearer tokens: a JWT is accepted when an `[oidc_callers]`
//! entry names its `iss`, it passes the one token check
//! ([`super::jwt`]: signature against that issuer's published keys,
//! algorithm pinned to the key, `aud` among the entry's audiences, `exp`),
//! and its `sub` matches the entry's patterns. The caller is
//! `oidc:CALLER:VALUE` (the entry's name, then its `name_claim`): a
//! subject is the issuer's opaque string, never an address.
//!
//! The keys are at the entry's `jwks_url`, or at the `jwks_uri` of the
//! issuer's discovery document (OpenID Connect Discovery 1.0 §4). Issuers
//! (a CI system's token service with its own `iss`, `sub` and `aud` chosen
//! by the job, a cloud's managed identities) are configured, not coded.

use std::time::Duration;

use jsonwebtoken::dangerous::insecure_decode_claims;
use serde_json::Value;

use super::Refusal;
use super::jwt::{Expected, IssuerKeys, TokenError};
use crate::config::OidcCaller;
use crate::domain::{MAX_IDENTITY_CHARS, oidc_identity, star_match};

/// How long an issuer may take to publish its keys: a caller is waiting.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// Verifies tokens of the configured issuers.
pub struct OidcVerifier {
    callers: Vec<OidcCaller>,
    keys: IssuerKeys,
}

/// Three base64url parts: a JWT rather than an API key.
pub(crate) fn looks_like_jwt(credential: &str) -> bool {
    // A JWT's header is base64url of `{"…`, which always begins `eyJ`.
    credential.split('.').count() == 3 && credential.starts_with("eyJ")
}

fn refused(reason: &str) -> Refusal {
    Refusal::Refused(format!("the bearer token was refused: {reason}"))
}

fn refusal(error: TokenError) -> Refusal {
    match error {
        TokenError::Refused(reason) => refused(&reason),
        TokenError::Unavailable(why) => Refusal::KeysUnavailable(why),
    }
}

impl OidcVerifier {
    /// Accepts the tokens of `callers`.
    pub fn new(callers: Vec<OidcCaller>) -> Self {
        Self {
            callers,
            keys: IssuerKeys::new(FETCH_TIMEOUT),
        }
    }

    /// The accepted issuers, each once.
    pub fn issuers(&self) -> Vec<String> {
        let mut issuers: Vec<String> = self.callers.iter().map(|c| c.issuer.clone()).collect();
        issuers.sort();
        issuers.dedup();
        issuers
    }

    /// The caller's identity if `token` passes: `oidc:CALLER:VALUE`, the
    /// configured caller's name and its `name_claim`, so a subject can
    /// never pass for an address, a named key or another issuer's subject.
    pub async fn verify(&self, token: &str) -> Result<String, Refusal> {
        // Read unverified only to choose whose keys and rules apply; the
        // check then requires this very issuer.
        let unverified: Value =
            insecure_decode_claims(token).map_err(|_| refused("it is not a signed JWT"))?;
        let issuer = unverified["iss"].as_str().unwrap_or_default();
        let Some(caller) = self.callers.iter().find(|c| c.issuer == issuer) else {
            return Err(refused("its issuer is not accepted"));
        };
        let expected = Expected {
            issuers: std::slice::from_ref(&caller.issuer),
            audiences: &caller.audiences,
            nonce: None,
            endorsement: None,
        };
        let url = self.key_set_url(caller).await.map_err(refusal)?;
        let claims = self
            .keys
            .verify(token, &url, &expected)
            .await
            .map_err(refusal)?;
        let subject = claims["sub"].as_str().unwrap_or_default();
        if !caller.subjects.is_empty() && !caller.subjects.iter().any(|p| star_match(p, subject)) {
            return Err(refused("its subject is not accepted"));
        }
        identity(caller, &claims)
    }

    /// The caller's `jwks_url`, or its issuer's published `jwks_uri`.
    async fn key_set_url(&self, caller: &OidcCaller) -> Result<String, TokenError> {
        if let Some(url) = &caller.jwks_url {
            return Ok(url.to_string());
        }
        let document = self.keys.discover(&caller.issuer).await?;
        document["jwks_uri"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| {
                TokenError::Unavailable(format!(
                    "issuer {}: its discovery document has no jwks_uri",
                    caller.issuer
                ))
            })
    }
}

/// `oidc:CALLER:VALUE` from the caller's `name_claim`: one line of text,
/// short enough to be recorded as an actor.
fn identity(caller: &OidcCaller, claims: &Value) -> Result<String, Refusal> {
    let claim = caller.name_claim.as_str();
    let value = match claims[claim].as_str() {
        Some(value) if !value.trim().is_empty() => value,
        _ => return Err(refused(&format!("it has no {claim} claim"))),
    };
    let identity = oidc_identity(&caller.name, value);
    if value.chars().any(char::is_control) || identity.chars().count() > MAX_IDENTITY_CHARS {
        return Err(refused(&format!(
            "its {claim} claim is not one line of at most {MAX_IDENTITY_CHARS} characters"
        )));
    }
    Ok(identity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_unsigned_token_is_refused_before_any_key_is_fetched() {
        // {"alg":"none"} . {"iss":"x"} . (no signature); the issuer's
        // address answers nothing, so a fetch would say "unavailable".
        let token = "eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.";
        let verifier = OidcVerifier::new(vec![OidcCaller {
            name: "x".to_owned(),
            issuer: "x".to_owned(),
            audiences: vec!["pausegate".to_owned()],
            subjects: Vec::new(),
            jwks_url: Some("http://127.0.0.1:9/keys".parse().unwrap()),
            name_claim: "sub".to_owned(),
        }]);
        let refusal = verifier.verify(token).await.unwrap_err();
        assert_eq!(refusal, refused("it is not a signed JWT"), "{refusal:?}");
    }
}
