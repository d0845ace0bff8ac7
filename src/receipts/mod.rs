//! Signed decision receipts: when a pause settles, a JWS (compact form,
//! Ed25519, through `jsonwebtoken`) says what was decided, by whom and
//! under which rule, with the SHA-256 of the pause's data and of the
//! receipt before it, so the chain shows any row removed or changed. This
//! module signs and checks; it does no I/O (the store keeps receipts and
//! keys, the CLI fetches key sets).
//!
//! References: RFC 7515 (JWS compact serialization), RFC 8037 (`EdDSA`
//! with `Ed25519` in JOSE), RFC 7519 (the `iss`, `sub`, `iat` claims).

mod claims;
mod keys;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};

pub use claims::{ReceiptClaims, ReceiptDecision, data_sha256, receipt_hash};
pub use keys::{Jwk, Jwks, PublicKey, SigningKey};

use crate::domain::Pause;

/// A receipt as it is stored: its place in the chain and its signed form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// Its place in the chain, from 1.
    pub seq: i64,
    /// The pause it is for.
    pub pause_id: String,
    /// The key that signed it.
    pub kid: String,
    /// Hex SHA-256 of `jws`.
    pub hash: String,
    /// The JWS, compact form.
    pub jws: String,
}

/// Signs receipts with one key.
#[derive(Debug, Clone)]
pub struct Notary {
    key: SigningKey,
    issuer: Option<String>,
}

impl Notary {
    /// A notary signing with `key`, naming `issuer` (the public URL) in `iss`.
    pub fn new(key: SigningKey, issuer: Option<String>) -> Self {
        Self { key, issuer }
    }

    /// The key it signs with.
    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// The receipt of `pause`, just settled, following the receipt `prev`
    /// (seq and hash) in the chain.
    pub fn seal(&self, pause: &Pause, prev: Option<(i64, String)>) -> Result<Receipt, String> {
        let (seq, prev) = match prev {
            Some((seq, hash)) => (seq + 1, Some(hash)),
            None => (1, None),
        };
        let claims = ReceiptClaims::for_pause(pause, seq, prev, self.issuer.clone());
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.key.public().kid.clone());
        let key = EncodingKey::from_ed_der(self.key.pkcs8());
        let jws = jsonwebtoken::encode(&header, &claims, &key)
            .map_err(|e| format!("cannot sign the receipt: {e}"))?;
        Ok(Receipt {
            seq,
            pause_id: pause.id.to_string(),
            kid: self.key.public().kid.clone(),
            hash: receipt_hash(&jws),
            jws,
        })
    }
}

/// Checks a receipt's signature against the keys in `jwks` and returns
/// what it says; the error names what is wrong.
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

/// Walks receipts in chain order, checking that each follows the one
/// before it.
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
        let expected_seq = self.last.as_ref().map_or(1, |(seq, _)| seq + 1);
        if claims.seq != expected_seq {
            return Err(format!(
                "receipt {} follows receipt {}: receipt {expected_seq} is missing",
                claims.seq,
                expected_seq - 1
            ));
        }
        let expected_prev = self.last.as_ref().map(|(_, hash)| hash.clone());
        if claims.prev != expected_prev {
            return Err(format!(
                "receipt {} says the receipt before it hashes to {}, but it hashes to {}: \
                 receipt {} was changed",
                claims.seq,
                claims.prev.as_deref().unwrap_or("nothing"),
                expected_prev.as_deref().unwrap_or("nothing"),
                expected_seq - 1
            ));
        }
        self.last = Some((claims.seq, receipt_hash(jws)));
        Ok(())
    }
}

#[cfg(test)]
mod tests;
