//! OpenID Connect bearer tokens: a JWT is accepted when an `[oidc_callers]`
//! entry names its `iss`, its signature verifies against that issuer's
//! published keys, and its `aud`, `exp` and `sub` pass. The caller is
//! `oidc:CALLER:VALUE` (the entry's name, then its `name_claim`): a
//! subject is the issuer's opaque string, never an address.
//!
//! Followed: RFC 7519 (JWT claims), RFC 7517 (JWK sets), RFC 8725 (JWT best
//! practices: the algorithm is pinned to the key's own family, never
//! `none` and never an HMAC key from a key set), and OpenID Connect
//! Discovery 1.0 §4 (`{issuer}/.well-known/openid-configuration` gives
//! `jwks_uri`). Issuers (a CI system's token service with its own `iss`,
//! `sub` and `aud` chosen by the job, a cloud's managed identities) are
//! configured, not coded. Keys are cached per issuer and
//! fetched again when a token names a key id not yet seen, at most once a
//! minute, so unknown ids cannot make us hammer the issuer.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use jsonwebtoken::dangerous::insecure_decode_claims;
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use jsonwebtoken::{DecodingKey, Validation, decode, decode_header};
use serde_json::Value;
use tokio::sync::Mutex;

use super::Refusal;
use crate::config::OidcCaller;
use crate::domain::{MAX_IDENTITY_CHARS, oidc_identity};

/// Keys are fetched again at most this often for unknown key ids.
const REFETCH_AFTER: Duration = Duration::from_secs(60);
/// Clock skew tolerated on `exp` and `nbf`.
const LEEWAY_SECONDS: u64 = 30;

/// Verifies tokens of the configured issuers.
pub struct OidcVerifier {
    callers: Vec<OidcCaller>,
    client: reqwest::Client,
    keys: Mutex<HashMap<String, (JwkSet, Instant)>>,
}

/// Three base64url parts: a JWT rather than an API key.
pub fn looks_like_jwt(credential: &str) -> bool {
    // A JWT's header is base64url of `{"…`, which always begins `eyJ`.
    credential.split('.').count() == 3 && credential.starts_with("eyJ")
}

fn refused(reason: &str) -> Refusal {
    Refusal::Refused(format!("the bearer token was refused: {reason}"))
}

impl OidcVerifier {
    /// Accepts the tokens of `callers`.
    pub fn new(callers: Vec<OidcCaller>) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client with no custom roots builds");
        Self {
            callers,
            client,
            keys: Mutex::new(HashMap::new()),
        }
    }

    /// The caller's identity if `token` passes: `oidc:CALLER:VALUE`, the
    /// configured caller's name and its `name_claim`, so a subject can
    /// never pass for an address, a named key or another issuer's subject.
    pub async fn verify(&self, token: &str) -> Result<String, Refusal> {
        // `none` and unknown algorithms fail here: the header does not parse.
        let header = decode_header(token).map_err(|_| refused("not a signed JWT"))?;
        let unverified: Value =
            insecure_decode_claims(token).map_err(|_| refused("its claims are not JSON"))?;
        let issuer = unverified["iss"].as_str().unwrap_or_default();
        let Some(caller) = self.callers.iter().find(|c| c.issuer == issuer) else {
            return Err(refused("its issuer is not accepted"));
        };
        let key = self.key_for(caller, header.kid.as_deref()).await?;
        let family = key_family(&key).ok_or_else(|| refused("its key is not a public key"))?;
        if header.alg.family() != family {
            return Err(refused("its algorithm does not fit its key"));
        }
        let decoding = DecodingKey::from_jwk(&key).map_err(|_| refused("its key is unusable"))?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&caller.issuer]);
        validation.set_audience(&caller.audiences);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.leeway = LEEWAY_SECONDS;
        let claims = decode::<Value>(token, &decoding, &validation)
            .map_err(|e| refused(&reason(&e)))?
            .claims;
        let subject = claims["sub"].as_str().unwrap_or_default();
        if !caller.subjects.is_empty() && !caller.subjects.iter().any(|p| matches(p, subject)) {
            return Err(refused("its subject is not accepted"));
        }
        identity(caller, &claims)
    }

    /// The key `kid` names (or the only key), fetching the set if needed.
    async fn key_for(
        &self,
        caller: &OidcCaller,
        kid: Option<&str>,
    ) -> Result<jsonwebtoken::jwk::Jwk, Refusal> {
        let mut cache = self.keys.lock().await;
        let pick = |set: &JwkSet| match kid {
            Some(kid) => set.find(kid).cloned(),
            None if set.keys.len() == 1 => set.keys.first().cloned(),
            None => None,
        };
        let fresh = match cache.get(&caller.issuer) {
            Some((set, _)) if pick(set).is_some() => return Ok(pick(set).expect("just found")),
            Some((_, fetched)) => fetched.elapsed() >= REFETCH_AFTER,
            None => true,
        };
        if fresh {
            let set = self.fetch(caller).await?;
            cache.insert(caller.issuer.clone(), (set, Instant::now()));
        }
        let (set, _) = cache.get(&caller.issuer).expect("cached above");
        pick(set).ok_or_else(|| refused("its key id is not in the issuer's key set"))
    }

    async fn fetch(&self, caller: &OidcCaller) -> Result<JwkSet, Refusal> {
        let url = match &caller.jwks_url {
            Some(url) => url.to_string(),
            None => {
                let discovery = format!(
                    "{}/.well-known/openid-configuration",
                    caller.issuer.trim_end_matches('/')
                );
                let document: Value = self.get_json(&discovery).await?;
                document["jwks_uri"]
                    .as_str()
                    .ok_or_else(|| unavailable(caller, "its discovery document has no jwks_uri"))?
                    .to_owned()
            }
        };
        let set: Value = self.get_json(&url).await?;
        serde_json::from_value(set).map_err(|e| unavailable(caller, &format!("bad key set: {e}")))
    }

    async fn get_json(&self, url: &str) -> Result<Value, Refusal> {
        let failed = |e: String| Refusal::KeysUnavailable(format!("fetching {url}: {e}"));
        let response = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|e| failed(e.to_string()))?;
        if !response.status().is_success() {
            return Err(failed(format!("answered {}", response.status())));
        }
        response.json().await.map_err(|e| failed(e.to_string()))
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

fn unavailable(caller: &OidcCaller, problem: &str) -> Refusal {
    Refusal::KeysUnavailable(format!("issuer {}: {problem}", caller.issuer))
}

/// The algorithm family of a public key; `None` for a shared secret.
pub(super) fn key_family(key: &jsonwebtoken::jwk::Jwk) -> Option<jsonwebtoken::AlgorithmFamily> {
    use jsonwebtoken::AlgorithmFamily;
    match key.algorithm {
        AlgorithmParameters::RSA(_) => Some(AlgorithmFamily::Rsa),
        AlgorithmParameters::EllipticCurve(_) => Some(AlgorithmFamily::Ec),
        AlgorithmParameters::OctetKeyPair(_) => Some(AlgorithmFamily::Ed),
        _ => None,
    }
}

pub(super) fn reason(error: &jsonwebtoken::errors::Error) -> String {
    use jsonwebtoken::errors::ErrorKind;
    match error.kind() {
        ErrorKind::ExpiredSignature => "it has expired".to_owned(),
        ErrorKind::InvalidAudience => "its audience is not accepted".to_owned(),
        ErrorKind::InvalidIssuer => "its issuer is not accepted".to_owned(),
        ErrorKind::InvalidSignature => "its signature does not verify".to_owned(),
        ErrorKind::ImmatureSignature => "it is not valid yet".to_owned(),
        ErrorKind::MissingRequiredClaim(claim) => format!("it has no {claim} claim"),
        _ => "it does not verify".to_owned(),
    }
}

/// `*` matches any run of characters; everything else literally.
fn matches(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let Some(mut rest) = text.strip_prefix(parts[0]) else {
        return false;
    };
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    rest.ends_with(parts[parts.len() - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_patterns_match_runs_with_a_star() {
        assert!(matches(
            "repo:acme/*:ref:refs/heads/main",
            "repo:acme/app:ref:refs/heads/main"
        ));
        assert!(!matches(
            "repo:acme/*:ref:refs/heads/main",
            "repo:acme/app:ref:refs/heads/dev"
        ));
        assert!(matches("exact", "exact"));
        assert!(!matches("exact", "exactly"));
    }

    #[test]
    fn an_unsigned_token_is_not_even_read() {
        // {"alg":"none"} . {"iss":"x"} . (no signature)
        let token = "eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.";
        assert!(decode_header(token).is_err());
    }
}
