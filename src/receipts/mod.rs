//! Signed decision receipts: when a pause settles, a JWS (compact form,
//! Ed25519) says what was decided, by whom and under which rule, with the
//! SHA-256 of the pause's data. It is signed in the settling transaction
//! and promises inclusion in the transparency log ([`crate::receipt_log`]),
//! whose Merkle tree shows any receipt removed or changed. Receipts signed
//! before the log were chained instead (each naming the hash of the one
//! before, `seq` and `prev`); [`Chain`] still checks them, and they are
//! the log's first entries.
//! Signing uses `aws-lc-rs` directly, the key pair parsed once; checking
//! goes through `jsonwebtoken`, as any verifier would. This
//! module signs and checks; it does no I/O (the store keeps receipts and
//! keys, the CLI fetches key sets). [`trust`] decides which keys a
//! verifier may use: never the ones a receipt points at itself.
//! `docs/receipts.md` says what a receipt proves and what it does not.
//!
//! References: RFC 7515 (JWS compact serialization), RFC 8037 (`EdDSA`
//! with `Ed25519` in JOSE), RFC 7519 (the `iss`, `sub`, `iat` claims).

mod claims;
mod keys;
pub mod trust;

use aws_lc_rs::signature::Ed25519KeyPair;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

pub use claims::{ReceiptClaims, ReceiptDecision, data_sha256, receipt_hash, text_sha256};
pub use keys::{Jwk, Jwks, PublicKey, SigningKey};

use crate::domain::Pause;

/// A receipt as it is stored: its number, its signed form and its place
/// in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// Its number here, in the order receipts were stored (with gaps on
    /// PostgreSQL); in the chain before the log, also its `seq` claim.
    pub seq: i64,
    /// The pause it is for.
    pub pause_id: String,
    /// The key that signed it.
    pub kid: String,
    /// Hex SHA-256 of `jws`.
    pub hash: String,
    /// The JWS, compact form.
    pub jws: String,
    /// Its index in the transparency log, once integrated.
    pub log_index: Option<u64>,
}

/// Signs receipts with one key.
pub struct Notary {
    key: SigningKey,
    pair: Ed25519KeyPair,
    /// The protected header, encoded once: it never changes for a key.
    header: String,
    issuer: Option<String>,
}

impl std::fmt::Debug for Notary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notary")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl Notary {
    /// A notary signing with `key`, naming `issuer` (the public URL) in `iss`.
    pub fn new(key: SigningKey, issuer: Option<String>) -> Result<Self, String> {
        // Parsed once: the key pair is derived from the seed on every parse,
        // which would double the cost of each receipt on the writer.
        let pair = Ed25519KeyPair::from_pkcs8(key.pkcs8())
            .map_err(|_| "the receipt key is not an Ed25519 PKCS#8 key".to_owned())?;
        let header = serde_json::json!({"alg": "EdDSA", "typ": "JWT", "kid": key.public().kid});
        Ok(Self {
            header: URL_SAFE_NO_PAD.encode(header.to_string()),
            key,
            pair,
            issuer,
        })
    }

    /// The key it signs with.
    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// The receipt of `pause`, just settled: a JWS in compact
    /// serialization (RFC 7515 §7.1), `BASE64URL(header) .
    /// BASE64URL(payload) . BASE64URL(Ed25519 signature over the first two
    /// parts)` (RFC 8037 §3.1). It names no other receipt, so settling
    /// pauses never wait on each other to sign.
    pub fn seal(&self, pause: &Pause) -> Result<String, String> {
        self.sign(&ReceiptClaims::for_pause(
            pause,
            None,
            None,
            self.issuer.clone(),
        ))
    }

    /// `claims` signed as a receipt (see [`Notary::seal`]).
    pub fn sign(&self, claims: &ReceiptClaims) -> Result<String, String> {
        let payload = serde_json::to_vec(claims).map_err(|e| format!("receipt claims: {e}"))?;
        let signing_input = format!("{}.{}", self.header, URL_SAFE_NO_PAD.encode(payload));
        let signature = self.pair.sign(signing_input.as_bytes());
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.as_ref())
        ))
    }
}

/// Checks a receipt's signature against the keys in `jwks` and returns
/// what it says; the error names what is wrong. `jwks` must come from a
/// trust anchor, never from the receipt (see [`trust`]).
pub fn verify(jws: &str, jwks: &Jwks) -> Result<ReceiptClaims, String> {
    let header =
        jsonwebtoken::decode_header(jws).map_err(|e| format!("the receipt is not a JWS: {e}"))?;
    if header.alg != Algorithm::EdDSA {
        return Err(format!(
            "the receipt is signed with {:?}, not EdDSA",
            header.alg
        ));
    }
    let kid = header
        .kid
        .ok_or("the receipt's header names no key (kid)")?;
    let key = jwks
        .find(&kid)
        .ok_or_else(|| format!("no published key has kid {kid}"))?;
    let decoding = DecodingKey::from_ed_components(&key.x)
        .map_err(|e| format!("key {kid} is unreadable: {e}"))?;
    let mut validation = Validation::new(Algorithm::EdDSA);
    // A receipt does not expire and names no audience.
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_aud = false;
    jsonwebtoken::decode::<ReceiptClaims>(jws, &decoding, &validation)
        .map(|data| data.claims)
        .map_err(|e| format!("the receipt's signature does not verify with key {kid}: {e}"))
}

/// Walks the receipts signed before the log, in chain order, checking
/// that each follows the one before it. Receipts signed since carry no
/// `seq` and are passed over: the log covers them.
#[derive(Debug, Default)]
pub struct Chain {
    last: Option<(i64, String)>,
}

impl Chain {
    /// A chain starting after the receipt `seq` whose hash is `hash`
    /// (a verifier holding only part of the chain).
    pub fn after(seq: i64, hash: String) -> Self {
        Self {
            last: Some((seq, hash)),
        }
    }

    /// Takes the next receipt, its claims already verified; the error
    /// says how the chain broke.
    pub fn follow(&mut self, jws: &str, claims: &ReceiptClaims) -> Result<(), String> {
        let Some(seq) = claims.seq else {
            return Ok(());
        };
        let expected_seq = self.last.as_ref().map_or(1, |(seq, _)| seq + 1);
        if seq != expected_seq {
            return Err(format!(
                "receipt {seq} follows receipt {}: receipt {expected_seq} is missing",
                expected_seq - 1
            ));
        }
        let expected_prev = self.last.as_ref().map(|(_, hash)| hash.clone());
        if claims.prev != expected_prev {
            return Err(format!(
                "receipt {seq} says the receipt before it hashes to {}, but it hashes to {}: \
                 receipt {} was changed",
                claims.prev.as_deref().unwrap_or("nothing"),
                expected_prev.as_deref().unwrap_or("nothing"),
                expected_seq - 1
            ));
        }
        self.last = Some((seq, receipt_hash(jws)));
        Ok(())
    }
}

#[cfg(test)]
mod tests;
