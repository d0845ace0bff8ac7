//! Ed25519 signing keys for receipts: generated (PKCS#8, through
//! `aws-lc-rs`), read from a PEM or a stored PKCS#8 document, named by
//! their RFC 7638 JWK thumbprint, and published as a JWK Set.
//!
//! A verifier pins a public key as a PEM (`openssl pkey -pubout`) or a JWK.
//!
//! References: RFC 8037 (the `OKP`/`Ed25519` JWK: `x` is the 32-byte
//! public key, base64url without padding), RFC 7638 §3.2 (the thumbprint
//! of an `OKP` key hashes `{"crv","kty","x"}` in that order, no spaces),
//! RFC 7517 §5 (a JWK Set is `{"keys": [...]}`), RFC 5958 (PKCS#8),
//! RFC 8410 §4 and §10.1 (an Ed25519 `SubjectPublicKeyInfo`: the
//! algorithm `1.3.101.112` with no parameters, then the 32-byte key as a
//! BIT STRING; 44 bytes of DER in all).

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ED25519, Ed25519KeyPair, KeyPair, ParsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A key that signs receipts: its private PKCS#8 document and its public half.
#[derive(Clone)]
pub struct SigningKey {
    pkcs8: Vec<u8>,
    public: PublicKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The private half is never printed.
        f.debug_struct("SigningKey")
            .field("kid", &self.public.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A fresh random key.
    pub fn generate() -> Result<Self, String> {
        let document = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .map_err(|_| "cannot generate an Ed25519 key".to_owned())?;
        Self::from_pkcs8(document.as_ref())
    }

    /// Reads a PKCS#8 (v1 or v2) Ed25519 private key.
    pub fn from_pkcs8(der: &[u8]) -> Result<Self, String> {
        let pair = Ed25519KeyPair::from_pkcs8(der)
            .map_err(|_| "not an Ed25519 private key in PKCS#8 form".to_owned())?;
        Ok(Self {
            pkcs8: der.to_vec(),
            public: PublicKey::from_bytes(pair.public_key().as_ref()),
        })
    }

    /// Reads a `-----BEGIN PRIVATE KEY-----` PEM, as `openssl genpkey
    /// -algorithm ed25519` writes it.
    pub fn from_pem(pem: &str) -> Result<Self, String> {
        if !pem.contains("-----BEGIN PRIVATE KEY-----") {
            return Err("expected a PEM starting with -----BEGIN PRIVATE KEY-----".to_owned());
        }
        let der = pem_der(pem)?;
        Self::from_pkcs8(&der)
    }

    /// Reads the stored form ([`SigningKey::to_stored`]).
    pub fn from_stored(text: &str) -> Result<Self, String> {
        let der = STANDARD
            .decode(text)
            .map_err(|e| format!("a stored receipt key does not decode: {e}"))?;
        Self::from_pkcs8(&der)
    }

    /// The PKCS#8 document, base64: how a generated key is kept.
    pub fn to_stored(&self) -> String {
        STANDARD.encode(&self.pkcs8)
    }

    /// The PKCS#8 document, as `jsonwebtoken` signs with it.
    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The public half.
    pub fn public(&self) -> &PublicKey {
        &self.public
    }
}

/// A public key that verifies receipts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    /// Its RFC 7638 thumbprint: the `kid` of every receipt it signed.
    pub kid: String,
    /// The 32-byte key, base64url without padding (the JWK's `x`).
    pub x: String,
}

impl PublicKey {
    /// The key with these 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self::from_x(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The key whose JWK `x` is `x`.
    pub fn from_x(x: String) -> Self {
        let members = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
        let kid = URL_SAFE_NO_PAD.encode(Sha256::digest(members.as_bytes()));
        Self { kid, x }
    }

    /// Reads a public key a verifier pins: a `-----BEGIN PUBLIC KEY-----`
    /// PEM, as `openssl pkey -pubout` writes it, or one JWK (JSON).
    pub fn from_text(text: &str) -> Result<Self, String> {
        if text.contains("PRIVATE KEY-----") {
            return Err("it holds a private key: give its public half \
                        (openssl pkey -in KEY.pem -pubout)"
                .to_owned());
        }
        if text.contains("-----BEGIN PUBLIC KEY-----") {
            return Self::from_spki_pem(text);
        }
        let jwk: serde_json::Value = serde_json::from_str(text)
            .map_err(|_| "expected a PEM public key or a JWK (JSON)".to_owned())?;
        if jwk.get("keys").is_some() {
            return Err("it is a JWK Set: give it with --jwks".to_owned());
        }
        let jwk: Jwk = serde_json::from_value(jwk).map_err(|e| format!("not a JWK: {e}"))?;
        if (jwk.kty.as_str(), jwk.crv.as_str()) != ("OKP", "Ed25519") {
            return Err(format!(
                "the JWK is {} {}, not an OKP Ed25519 key",
                jwk.kty, jwk.crv
            ));
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(&jwk.x)
            .map_err(|_| "the JWK's x is not base64url".to_owned())?;
        Self::from_raw(&bytes)
    }

    fn from_spki_pem(pem: &str) -> Result<Self, String> {
        /// The DER before the key in every Ed25519 `SubjectPublicKeyInfo`.
        const PREFIX: [u8; 12] = [
            0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
        ];
        let der = pem_der(pem)?;
        match der.strip_prefix(&PREFIX[..]) {
            Some(raw) => Self::from_raw(raw),
            None => Err("the PEM is not an Ed25519 public key".to_owned()),
        }
    }

    /// The key with these 32 bytes, once the library accepts them as one.
    fn from_raw(bytes: &[u8]) -> Result<Self, String> {
        if bytes.len() != 32 {
            return Err(format!(
                "an Ed25519 public key is 32 bytes, not {}",
                bytes.len()
            ));
        }
        ParsedPublicKey::new(&ED25519, bytes)
            .map_err(|_| "not a valid Ed25519 public key".to_owned())?;
        Ok(Self::from_bytes(bytes))
    }

    /// As a JWK.
    pub fn to_jwk(&self) -> Jwk {
        Jwk {
            kty: "OKP".to_owned(),
            crv: "Ed25519".to_owned(),
            x: self.x.clone(),
            kid: self.kid.clone(),
            alg: "EdDSA".to_owned(),
            key_use: "sig".to_owned(),
        }
    }
}

/// One published key (RFC 8037).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Jwk {
    /// Always `OKP`.
    pub kty: String,
    /// Always `Ed25519`.
    pub crv: String,
    /// The public key, base64url.
    pub x: String,
    /// Its thumbprint; a receipt's header names it.
    pub kid: String,
    /// Always `EdDSA`.
    #[serde(default)]
    pub alg: String,
    /// Always `sig`.
    #[serde(rename = "use", default)]
    pub key_use: String,
}

/// The keys a verifier trusts, as served at `/.well-known/jwks.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Jwks {
    /// Every key that ever signed a receipt here, the current one first.
    pub keys: Vec<Jwk>,
}

impl Jwks {
    /// The set of these keys.
    pub fn of(keys: &[PublicKey]) -> Self {
        Self {
            keys: keys.iter().map(PublicKey::to_jwk).collect(),
        }
    }

    /// The Ed25519 key named `kid`, if the set has it.
    pub fn find(&self, kid: &str) -> Option<PublicKey> {
        self.keys
            .iter()
            .find(|k| k.kid == kid && k.kty == "OKP" && k.crv == "Ed25519")
            .map(|k| PublicKey::from_x(k.x.clone()))
            // A key published under another name is not trusted.
            .filter(|k| k.kid == kid)
    }
}

/// The DER a PEM's base64 lines hold.
fn pem_der(pem: &str) -> Result<Vec<u8>, String> {
    let body: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .map(str::trim)
        .collect();
    STANDARD
        .decode(body)
        .map_err(|e| format!("the PEM's base64 does not decode: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_survives_being_stored_and_read_back() {
        let key = SigningKey::generate().unwrap();
        let again = SigningKey::from_stored(&key.to_stored()).unwrap();
        assert_eq!(key.public(), again.public());
    }

    #[test]
    fn the_kid_is_the_rfc_7638_thumbprint() {
        // RFC 8037 appendix A.3: the thumbprint of the A.2 key.
        let key = PublicKey::from_x("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo".to_owned());
        assert_eq!(key.kid, "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    }

    #[test]
    fn a_pem_from_openssl_is_read() {
        // RFC 8410 §10.3's example private key.
        let pem = "-----BEGIN PRIVATE KEY-----\n\
                   MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n\
                   -----END PRIVATE KEY-----\n";
        let key = SigningKey::from_pem(pem).unwrap();
        assert_eq!(key.public().x.len(), 43);
        assert!(SigningKey::from_pem("not a key").is_err());
    }

    #[test]
    fn a_pinned_public_key_is_read_from_a_pem_or_a_jwk_never_a_private_key() {
        // RFC 8410 §10.1's public key is the public half of §10.3's private key.
        let private = "-----BEGIN PRIVATE KEY-----\n\
                   MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n\
                   -----END PRIVATE KEY-----\n";
        let public = "-----BEGIN PUBLIC KEY-----\n\
                      MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n\
                      -----END PUBLIC KEY-----\n";
        let expected = SigningKey::from_pem(private).unwrap().public().clone();
        assert_eq!(PublicKey::from_text(public), Ok(expected.clone()));
        let jwk = serde_json::to_string(&expected.to_jwk()).unwrap();
        assert_eq!(PublicKey::from_text(&jwk), Ok(expected.clone()));
        let refused = PublicKey::from_text(private).unwrap_err();
        assert!(refused.contains("private key"), "{refused}");
        let set = serde_json::to_string(&Jwks::of(&[expected])).unwrap();
        assert!(PublicKey::from_text(&set).unwrap_err().contains("--jwks"));
        assert!(PublicKey::from_text("hello").is_err());
    }

    #[test]
    fn a_key_set_finds_only_what_it_publishes() {
        let key = SigningKey::generate().unwrap();
        let set = Jwks::of(&[key.public().clone()]);
        assert_eq!(set.find(&key.public().kid), Some(key.public().clone()));
        assert_eq!(set.find("someone-else"), None);
    }
}
