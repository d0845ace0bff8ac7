//! Who is calling the management API. A bearer credential is the server's
//! own key (`PAUSEGATE_API_KEY`: the caller is not named, so a body's
//! `actor` stays self-declared), a named key (`[api_keys.NAME]`: the name
//! is the caller), or an OpenID Connect token from an accepted issuer
//! (`[oidc_callers.NAME]`: the caller is `oidc:NAME:VALUE`, `VALUE` a
//! claim of the verified token; see [`crate::domain::oidc_identity`]). Keys
//! are compared as SHA-256 digests in constant time. People sign in with an
//! OpenID Connect provider ([`Provider`]). Bearer tokens and sign-in ID
//! tokens go through one token check and one cache of what issuers publish
//! (`jwt`), each use saying only what it expects. Knows no HTTP framework;
//! `http::auth` and `http::pages` (sign-in) map its answers to responses.

pub(crate) mod jwt;
mod oidc;
pub mod session;
mod sign_in;
mod sign_out;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::config::{NamedKey, OidcCaller, Secret};
use crate::domain::IdentifiedBy;

pub use oidc::OidcVerifier;
pub use sign_in::{Person, Provider, SignInError};
pub use sign_out::SignedOut;

/// The identified caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The caller's identity, recorded as requester or actor: a named
    /// key's name, or `oidc:NAME:VALUE`; `None` for the server's own key.
    pub name: Option<String>,
    /// How the caller proved it.
    pub how: CallerKind,
}

impl Caller {
    /// How a decision or request of this caller is recorded as identified:
    /// the server's unnamed key identifies nobody.
    pub fn identified_by(&self) -> IdentifiedBy {
        match self.how {
            CallerKind::ServerKey => IdentifiedBy::SelfDeclared,
            CallerKind::NamedKey => IdentifiedBy::ApiKey,
            CallerKind::Oidc => IdentifiedBy::Oidc,
        }
    }
}

/// How a caller proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallerKind {
    /// The server's own API key.
    ServerKey,
    /// A named API key.
    NamedKey,
    /// A verified OpenID Connect bearer token.
    Oidc,
}

/// Why a credential was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No way to call the API is configured.
    Closed,
    /// The credential is wrong; the message says how, without echoing it.
    Refused(String),
    /// The issuer's keys could not be fetched: try again later.
    KeysUnavailable(String),
}

/// Every accepted credential.
pub struct Callers {
    server_key: Option<[u8; 32]>,
    named: Vec<(String, [u8; 32])>,
    oidc: Option<OidcVerifier>,
}

fn digest(text: &str) -> [u8; 32] {
    Sha256::digest(text.trim().as_bytes()).into()
}

impl Callers {
    /// Accepts `server_key`, the `named` keys and tokens of `oidc` issuers.
    pub fn new(server_key: Option<&Secret>, named: &[NamedKey], oidc: Vec<OidcCaller>) -> Self {
        Self {
            server_key: server_key.map(|k| digest(k.expose())),
            named: named
                .iter()
                .map(|k| (k.name.clone(), digest(k.key.expose())))
                .collect(),
            oidc: (!oidc.is_empty()).then(|| OidcVerifier::new(oidc)),
        }
    }

    /// Whether any credential at all is accepted.
    pub fn open(&self) -> bool {
        self.server_key.is_some() || !self.named.is_empty() || self.oidc.is_some()
    }

    /// The OpenID Connect issuers whose tokens are accepted, for the
    /// protected-resource metadata that names them.
    pub fn issuers(&self) -> Vec<String> {
        self.oidc
            .as_ref()
            .map(OidcVerifier::issuers)
            .unwrap_or_default()
    }

    /// Identifies the holder of `credential` (the bearer value).
    pub async fn identify(&self, credential: &str) -> Result<Caller, Refusal> {
        if !self.open() {
            return Err(Refusal::Closed);
        }
        if let Some(oidc) = &self.oidc
            && oidc::looks_like_jwt(credential)
        {
            let name = oidc.verify(credential).await?;
            return Ok(Caller {
                name: Some(name),
                how: CallerKind::Oidc,
            });
        }
        self.match_key(credential)
            .ok_or_else(|| Refusal::Refused("the API key was refused".to_owned()))
    }

    /// Whether `credential` is one of the keys (no token verification).
    pub fn holds_key(&self, credential: &str) -> bool {
        self.match_key(credential).is_some()
    }

    /// Compares with every key, all of them, so timing tells nothing.
    fn match_key(&self, credential: &str) -> Option<Caller> {
        let presented = digest(credential);
        let mut found = None;
        if let Some(key) = &self.server_key
            && bool::from(presented.ct_eq(key))
        {
            found = Some(Caller {
                name: None,
                how: CallerKind::ServerKey,
            });
        }
        for (name, key) in &self.named {
            if bool::from(presented.ct_eq(key)) {
                found = Some(Caller {
                    name: Some(name.clone()),
                    how: CallerKind::NamedKey,
                });
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn callers() -> Callers {
        let named = [NamedKey {
            name: "ci-bot".to_owned(),
            key: Secret::new("named-key-0123456789"),
        }];
        Callers::new(Some(&Secret::new("server-key")), &named, Vec::new())
    }

    #[tokio::test]
    async fn each_key_names_its_caller_and_a_wrong_one_is_refused() {
        let callers = callers();
        let server = callers.identify("server-key").await.unwrap();
        assert_eq!((server.name, server.how), (None, CallerKind::ServerKey));
        let named = callers.identify("named-key-0123456789").await.unwrap();
        assert_eq!(named.name.as_deref(), Some("ci-bot"));
        assert!(matches!(
            callers.identify("nope").await,
            Err(Refusal::Refused(_))
        ));
    }

    #[tokio::test]
    async fn with_nothing_configured_the_api_is_closed() {
        let callers = Callers::new(None, &[], Vec::new());
        assert_eq!(callers.identify("x").await, Err(Refusal::Closed));
    }
}
