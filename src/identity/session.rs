//! Signed cookies, so sign-in works across replicas that share the key: a
//! session (its id, who signed in, until when, and the token every form
//! must echo against cross-site requests) and a sign-in under way (state,
//! nonce, PKCE verifier, where to return). A value is JSON, base64url, then
//! an HMAC-SHA256 tag over its purpose and text; a changed, misplaced or
//! expired value reads as none. Only sessions ended by signing out are
//! kept on the server ([`super::SignedOut`]).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::Secret;

/// The key that signs cookies.
pub struct CookieKey([u8; 32]);

/// Who signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Names this session, so signing out can end it on the server (a
    /// cookie from before sessions had ids does not open, so its holder
    /// signs in again).
    pub id: String,
    /// The person's address, as the provider vouched for it.
    pub email: String,
    /// Their groups, as the provider vouched for them.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Until when (Unix seconds).
    pub expires: i64,
    /// Every form of this session carries it back.
    pub csrf: String,
}

/// A sign-in between the redirect to the provider and its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingSignIn {
    /// Must come back unchanged from the provider.
    pub state: String,
    /// Must be in the ID token.
    pub nonce: String,
    /// PKCE: proves the code is redeemed by who asked for it.
    pub verifier: String,
    /// Where to go afterwards (a local path).
    pub next: String,
    /// Until when (Unix seconds).
    pub expires: i64,
}

/// A random value for state, nonce, verifier and CSRF tokens.
pub fn random_text() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random source failed");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The PKCE S256 challenge of `verifier` (RFC 7636 §4.2).
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

impl CookieKey {
    /// From the configured secret, or random for this process.
    pub fn new(secret: Option<&Secret>) -> Self {
        match secret {
            Some(secret) => Self(Sha256::digest(secret.expose().as_bytes()).into()),
            None => {
                let mut bytes = [0u8; 32];
                getrandom::fill(&mut bytes).expect("the OS random source failed");
                Self(bytes)
            }
        }
    }

    fn tag(&self, purpose: &str, text: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("any key length works");
        mac.update(purpose.as_bytes());
        mac.update(b".");
        mac.update(text.as_bytes());
        mac
    }

    /// `value`, signed for `purpose`.
    pub fn seal<T: Serialize>(&self, purpose: &str, value: &T) -> String {
        let text =
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).expect("plain data serializes"));
        let tag = URL_SAFE_NO_PAD.encode(self.tag(purpose, &text).finalize().into_bytes());
        format!("{text}.{tag}")
    }

    /// The value `sealed` holds, if this key signed it for `purpose`.
    pub fn open<T: DeserializeOwned>(&self, purpose: &str, sealed: &str) -> Option<T> {
        let (text, tag) = sealed.split_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        self.tag(purpose, text).verify_slice(&tag).ok()?;
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(text).ok()?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_unchanged_with_its_key_and_purpose() {
        let key = CookieKey::new(Some(&Secret::new("k".repeat(32))));
        let session = Session {
            id: "i".into(),
            email: "ana@example.com".into(),
            groups: Vec::new(),
            expires: 10,
            csrf: "c".into(),
        };
        let sealed = key.seal("session", &session);
        assert_eq!(key.open::<Session>("session", &sealed), Some(session));
        assert_eq!(key.open::<Session>("pending", &sealed), None);
        let other = CookieKey::new(None);
        assert_eq!(other.open::<Session>("session", &sealed), None);
        let tampered = sealed.replacen('e', "f", 1);
        assert_eq!(key.open::<Session>("session", &tampered), None);
    }

    #[test]
    fn the_pkce_challenge_is_base64url_of_the_sha256_without_padding() {
        // Computed apart, with Python: base64.urlsafe_b64encode(
        // hashlib.sha256(verifier).digest()).rstrip(b"=").
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_kEM7lc2vR9cA";
        assert_eq!(
            pkce_challenge(verifier),
            "EUYk6z7PUR4WVqI26bUxY2wdtPDV-nYe-oGE632aAkM"
        );
    }
}
