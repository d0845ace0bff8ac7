//! The one check of a JWT an OpenID Connect issuer signed, and the one
//! cache of what issuers publish, for both uses: bearer callers
//! ([`super::OidcVerifier`]) and the ID token of a sign-in
//! ([`super::Provider`]). Each use says what it expects ([`Expected`]: the
//! issuers, the audiences and, for a sign-in, the nonce); everything else
//! is the same for both: `exp`, `iss` and `aud` must be present, `exp` and
//! `nbf` hold with 30 seconds of clock skew, and the algorithm is pinned to
//! the key.
//!
//! Followed: RFC 7519 §7.2 (validating a JWT), RFC 7517 (JWK sets; §4.2
//! `use`, §4.4 `alg`), RFC 8725 §3.1 (the algorithm is the key's, never the
//! token's choice: never `none`, never an HMAC secret from a key set, and a
//! key that names its `alg` is used with that one only), OpenID Connect
//! Core 1.0 §3.1.3.7 (ID token validation: iss, aud, exp, nonce) and
//! OpenID Connect Discovery 1.0 §4 (`{issuer}/.well-known/openid-configuration`;
//! §4.3: the document's `issuer` must be the issuer asked about).
//!
//! Documents (discovery documents and key sets) are cached by URL. A key
//! set that lacks the key a token names is fetched again, but at most once
//! a minute per URL, so made-up key ids cannot make us hammer an issuer.
//! Anything older than an hour is fetched again on its next use, so a key
//! an issuer withdrew stops working; if that fetch fails, the cached copy
//! still serves when it has what is needed (an issuer that is down is no
//! reason to refuse everyone).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, Validation, decode, decode_header};
use serde_json::Value;
use tokio::sync::Mutex;

/// A document lacking what is needed is fetched again at most this often.
const REFETCH_AFTER: Duration = Duration::from_secs(60);
/// A document is fetched again on its next use once this old.
const MAX_AGE: Duration = Duration::from_secs(3600);
/// Clock skew tolerated on `exp` and `nbf`.
const LEEWAY_SECONDS: u64 = 30;

/// What one use of the check expects of a token.
pub(crate) struct Expected<'a> {
    /// Accepted `iss` values.
    pub issuers: &'a [String],
    /// Accepted `aud` values.
    pub audiences: &'a [String],
    /// The `nonce` it must carry: the sign-in's own, or `None` for bearer
    /// tokens, which carry none.
    pub nonce: Option<&'a str>,
    /// A name the signing key's `endorsements` must list (the Bot
    /// Framework's channel id), or `None` where issuers publish none.
    pub endorsement: Option<&'a str>,
}

/// Why a token was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum TokenError {
    /// The token does not pass; the reason reads after "the token…:".
    #[error("{0}")]
    Refused(String),
    /// The issuer's documents could not be fetched: try again later.
    #[error("{0}")]
    Unavailable(String),
}

fn refused(reason: &str) -> TokenError {
    TokenError::Refused(reason.to_owned())
}

/// What OpenID Connect issuers publish, cached, and the token check.
pub(crate) struct IssuerKeys {
    client: reqwest::Client,
    documents: Mutex<HashMap<String, (Value, Instant)>>,
}

impl IssuerKeys {
    /// An empty cache that gives up on an issuer after `timeout`.
    pub(crate) fn new(timeout: Duration) -> Self {
        Self {
            client: issuer_client(timeout),
            documents: Mutex::new(HashMap::new()),
        }
    }

    /// The claims of `token` if its signature verifies against a key of
    /// the set at `key_set_url` and it shows what `expected` asks.
    pub(crate) async fn verify(
        &self,
        token: &str,
        key_set_url: &str,
        expected: &Expected<'_>,
    ) -> Result<Value, TokenError> {
        // `none` and unknown algorithms fail here: the header does not parse.
        let header = decode_header(token).map_err(|_| refused("it is not a signed JWT"))?;
        let (key, raw) = self.key(key_set_url, header.kid.as_deref()).await?;
        pinned(&key, header.alg)?;
        if let Some(name) = expected.endorsement
            && !endorses(&raw, name)
        {
            return Err(refused("its key is not endorsed for this channel"));
        }
        let decoding = DecodingKey::from_jwk(&key).map_err(|_| refused("its key is unusable"))?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(expected.issuers);
        validation.set_audience(expected.audiences);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECONDS;
        let claims = decode::<Value>(token, &decoding, &validation)
            .map_err(|e| TokenError::Refused(reason(&e)))?
            .claims;
        if let Some(nonce) = expected.nonce
            && claims["nonce"].as_str() != Some(nonce)
        {
            return Err(refused("it does not carry this sign-in's nonce"));
        }
        Ok(claims)
    }

    /// The discovery document of `issuer`, which must name that issuer.
    pub(crate) async fn discover(&self, issuer: &str) -> Result<Value, TokenError> {
        let issuer = issuer.trim_end_matches('/');
        let url = format!("{issuer}/.well-known/openid-configuration");
        let document = self.document(&url, |_| true).await?;
        let named = document["issuer"].as_str().unwrap_or_default();
        if named.trim_end_matches('/') != issuer {
            return Err(TokenError::Unavailable(format!(
                "{url} names another issuer"
            )));
        }
        Ok(document)
    }

    /// A JSON document an issuer publishes at `url` (a metadata document
    /// at a place of its own choosing), cached like the rest.
    pub(crate) async fn published(&self, url: &str) -> Result<Value, TokenError> {
        self.document(url, |_| true).await
    }

    /// The key `kid` names (or the set's only key), parsed and as
    /// published, fetching the set if the cached one lacks it and was not
    /// fetched in the last minute.
    async fn key(&self, url: &str, kid: Option<&str>) -> Result<(Jwk, Value), TokenError> {
        let has_key = |set: &Value| key_set(set).is_ok_and(|set| pick(&set, kid).is_some());
        let document = self.document(url, has_key).await?;
        let set = key_set(&document)
            .map_err(|e| TokenError::Unavailable(format!("{url} is not a key set: {e}")))?;
        let key =
            pick(&set, kid).ok_or_else(|| refused("its key id is not in the issuer's key set"))?;
        let raw = document["keys"]
            .as_array()
            .and_then(|keys| {
                keys.iter()
                    .find(|k| k["kid"].as_str() == key.common.key_id.as_deref())
            })
            .cloned()
            .unwrap_or_default();
        Ok((key, raw))
    }

    /// The document at `url`, from the cache unless [`stale`].
    async fn document(
        &self,
        url: &str,
        has_what_is_needed: impl Fn(&Value) -> bool,
    ) -> Result<Value, TokenError> {
        // Held across the fetch: one fetch per URL at a time, not one per
        // waiting request.
        let mut documents = self.documents.lock().await;
        let cached = documents.get(url);
        let needed = cached.is_some_and(|(document, _)| has_what_is_needed(document));
        if !stale(cached.map(|(_, at)| at.elapsed()), needed) {
            return Ok(cached.expect("not stale, so cached").0.clone());
        }
        match self.get_json(url).await {
            Ok(document) => {
                documents.insert(url.to_owned(), (document.clone(), Instant::now()));
                Ok(document)
            }
            Err(error) if needed => {
                tracing::warn!(%error, "using the cached copy");
                Ok(cached.expect("needed, so cached").0.clone())
            }
            Err(error) => Err(error),
        }
    }

    async fn get_json(&self, url: &str) -> Result<Value, TokenError> {
        let failed = |e: String| TokenError::Unavailable(format!("fetching {url}: {e}"));
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

/// A client for talking to an issuer: it never follows redirects, so an
/// issuer's address cannot send us elsewhere.
pub(crate) fn issuer_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client with no custom roots builds")
}

/// Whether to fetch a document again, `age` after it was fetched (`None`:
/// never): when it is over an hour old, or lacks what is needed and was
/// not fetched in the last minute.
fn stale(age: Option<Duration>, has_what_is_needed: bool) -> bool {
    match age {
        None => true,
        Some(age) => age >= MAX_AGE || (!has_what_is_needed && age >= REFETCH_AFTER),
    }
}

/// Whether the published `key` lists `name` among its `endorsements`.
fn endorses(key: &Value, name: &str) -> bool {
    key["endorsements"]
        .as_array()
        .is_some_and(|names| names.iter().any(|n| n.as_str() == Some(name)))
}

fn key_set(document: &Value) -> Result<JwkSet, serde_json::Error> {
    serde_json::from_value(document.clone())
}

/// The key of `set` that `kid` names; without a `kid`, the only key.
fn pick(set: &JwkSet, kid: Option<&str>) -> Option<Jwk> {
    match kid {
        Some(kid) => set.find(kid).cloned(),
        None if set.keys.len() == 1 => set.keys.first().cloned(),
        None => None,
    }
}

/// Refuses `alg` unless `key` is a public signing key of its family and,
/// when the key names its algorithm, that very algorithm.
fn pinned(key: &Jwk, alg: Algorithm) -> Result<(), TokenError> {
    let family = match key.algorithm {
        AlgorithmParameters::RSA(_) => AlgorithmFamily::Rsa,
        AlgorithmParameters::EllipticCurve(_) => AlgorithmFamily::Ec,
        AlgorithmParameters::OctetKeyPair(_) => AlgorithmFamily::Ed,
        _ => return Err(refused("its key is not a public key")),
    };
    if key.common.public_key_use == Some(PublicKeyUse::Encryption) {
        return Err(refused("its key is for encryption, not signatures"));
    }
    let named = key.common.key_algorithm.map(Algorithm::try_from);
    if alg.family() != family || named.is_some_and(|named| named.ok() != Some(alg)) {
        return Err(refused("its algorithm does not fit its key"));
    }
    Ok(())
}

fn reason(error: &jsonwebtoken::errors::Error) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn a_missing_key_fetches_the_set_again_at_most_once_a_minute() {
        assert!(stale(None, false), "never fetched");
        assert!(!stale(Some(MINUTE / 2), false), "fetched half a minute ago");
        assert!(stale(Some(MINUTE), false));
        assert!(!stale(Some(MINUTE * 59), true), "the key is there");
        assert!(stale(Some(MINUTE * 60), true), "an hour old");
    }

    fn rsa_key(extra: Value) -> Jwk {
        let mut key = json!({"kty": "RSA", "kid": "k1", "n": "AQAB", "e": "AQAB"});
        key.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::from_value(key).unwrap()
    }

    #[test]
    fn the_algorithm_is_the_keys_never_the_tokens() {
        assert!(pinned(&rsa_key(json!({})), Algorithm::RS256).is_ok());
        assert!(pinned(&rsa_key(json!({"alg": "RS256"})), Algorithm::RS256).is_ok());
        for (key, alg) in [
            (json!({}), Algorithm::HS256),
            (json!({}), Algorithm::ES256),
            (json!({"alg": "RS256"}), Algorithm::PS256),
            (json!({"alg": "RSA-OAEP"}), Algorithm::RS256),
            (json!({"use": "enc"}), Algorithm::RS256),
        ] {
            assert!(pinned(&rsa_key(key.clone()), alg).is_err(), "{key} {alg:?}");
        }
        let secret: Jwk = serde_json::from_value(json!({"kty": "oct", "k": "c2VjcmV0"})).unwrap();
        assert!(
            pinned(&secret, Algorithm::HS256).is_err(),
            "no shared secrets"
        );
    }

    #[test]
    fn without_a_key_id_only_a_set_of_one_key_answers() {
        let one = JwkSet {
            keys: vec![rsa_key(json!({}))],
        };
        let two = JwkSet {
            keys: vec![rsa_key(json!({})), rsa_key(json!({"kid": "k2"}))],
        };
        assert!(pick(&one, None).is_some());
        assert!(pick(&two, None).is_none());
        assert!(pick(&two, Some("k2")).is_some());
        assert!(pick(&two, Some("k3")).is_none());
    }
}
