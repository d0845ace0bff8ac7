//! DSSE v1.0.2 envelopes (secure-systems-lab/dsse `envelope.md` and
//! `protocol.md`) signed with ECDSA P-256 over SHA-256.
//!
//! ```json
//! {"payload": "<base64 body>", "payloadType": "<type>",
//!  "signatures": [{"keyid": "<id>", "sig": "<base64 signature>"}]}
//! ```
//!
//! The signature covers `PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP
//! LEN(body) SP body`, lengths in ASCII decimal bytes. Signatures are DER
//! (`ECDSA_P256_SHA256_ASN1_SIGNING` in `aws-lc-rs`), not raw `r||s`:
//! securesystemslib verifies with pyca/cryptography, which reads DER
//! only. Every signature carries a `keyid` (securesystemslib refuses one
//! without, and matches keys by it): the lowercase hex SHA-256 of the
//! key's SubjectPublicKeyInfo DER, so anyone holding the published PEM
//! (RFC 7468 `PUBLIC KEY`, RFC 5480 SPKI) derives the same ID.
//!
//! Verifying follows the protocol: the key ID is a hint, never trusted, so
//! every signature is tried against the pinned key; base64 is accepted
//! in the standard or URL-safe alphabet, with or without padding; the
//! payload returned is exactly the bytes that were verified.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1, ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair, ParsedPublicKey,
};
use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::{DecodePaddingMode, Engine};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The most signatures an envelope may carry to be checked.
pub const MAX_SIGNATURES: usize = 16;

const LENIENT: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const ANY_STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
const ANY_URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);

/// Why a key or an envelope was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DsseError {
    /// A key is not an ECDSA P-256 key in the form expected.
    #[error("the key is not valid: {0}")]
    Key(String),
    /// The envelope's `field` is not valid.
    #[error("the envelope's {field} {problem}")]
    Envelope {
        /// `payload`, `signatures` or `signatures[i].sig`.
        field: String,
        /// What is wrong with it.
        problem: String,
    },
    /// No signature verifies with the key.
    #[error("no signature in the envelope verifies with the key {keyid}")]
    Unverified {
        /// The key tried.
        keyid: String,
    },
}

fn envelope_error(field: impl Into<String>, problem: impl Into<String>) -> DsseError {
    DsseError::Envelope {
        field: field.into(),
        problem: problem.into(),
    }
}

/// `PAE(type, body)`, the bytes a DSSE signature covers.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let (type_len, body_len) = (payload_type.len(), payload.len());
    let mut encoded = format!("DSSEv1 {type_len} {payload_type} {body_len} ").into_bytes();
    encoded.extend_from_slice(payload);
    encoded
}

/// A DSSE envelope, in its JSON form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// The base64 of the serialized body.
    pub payload: String,
    /// How to read the body, such as `application/vnd.in-toto+json`.
    #[serde(rename = "payloadType")]
    pub payload_type: String,
    /// One or more signatures.
    pub signatures: Vec<EnvelopeSignature>,
}

/// One signature of an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeSignature {
    /// Which key signed: a hint, never trusted.
    #[serde(default)]
    pub keyid: String,
    /// The base64 of the DER signature.
    pub sig: String,
}

/// A verified envelope's contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The payload type that was signed.
    pub payload_type: String,
    /// The body exactly as signed.
    pub payload: Vec<u8>,
}

/// An ECDSA P-256 public key that verifies envelopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DsseKey {
    keyid: String,
    spki: Vec<u8>,
}

impl DsseKey {
    /// Reads a P-256 SubjectPublicKeyInfo in DER.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, DsseError> {
        ParsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, der)
            .map_err(|e| DsseError::Key(format!("not an ECDSA P-256 public key: {e}")))?;
        let keyid = hex::encode(Sha256::digest(der));
        Ok(Self {
            keyid,
            spki: der.to_vec(),
        })
    }

    /// Reads a `-----BEGIN PUBLIC KEY-----` PEM.
    pub fn from_pem(pem: &str) -> Result<Self, DsseError> {
        let body = pem
            .split_once("-----BEGIN PUBLIC KEY-----")
            .and_then(|(_, rest)| rest.split_once("-----END PUBLIC KEY-----"))
            .map(|(body, _)| body.split_whitespace().collect::<String>())
            .ok_or_else(|| DsseError::Key("expected a -----BEGIN PUBLIC KEY----- PEM".into()))?;
        let der = STANDARD
            .decode(body)
            .map_err(|e| DsseError::Key(format!("the PEM's base64 does not decode: {e}")))?;
        Self::from_spki_der(&der)
    }

    /// The key as a `PUBLIC KEY` PEM, 64 characters a line.
    pub fn to_pem(&self) -> String {
        let encoded = STANDARD.encode(&self.spki);
        let lines: Vec<&str> = encoded
            .as_bytes()
            .chunks(64)
            .map(|line| std::str::from_utf8(line).expect("base64 is ASCII"))
            .collect();
        format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            lines.join("\n")
        )
    }

    /// Its key ID: the lowercase hex SHA-256 of its SPKI DER.
    pub fn keyid(&self) -> &str {
        &self.keyid
    }

    /// Its SubjectPublicKeyInfo DER.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki
    }

    /// Checks that a signature in `envelope` is this key's over its
    /// payload type and payload: what was signed.
    pub fn verify(&self, envelope: &Envelope) -> Result<Verified, DsseError> {
        let payload = lenient_base64(&envelope.payload)
            .ok_or_else(|| envelope_error("payload", "is not base64"))?;
        match envelope.signatures.len() {
            0 => return Err(envelope_error("signatures", "is empty")),
            n if n > MAX_SIGNATURES => return Err(envelope_error("signatures", "are too many")),
            _ => {}
        }
        let key = ParsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, &self.spki)
            .map_err(|e| DsseError::Key(e.to_string()))?;
        let signed = pae(&envelope.payload_type, &payload);
        for (index, signature) in envelope.signatures.iter().enumerate() {
            let sig = lenient_base64(&signature.sig).ok_or_else(|| {
                envelope_error(format!("signatures[{index}].sig"), "is not base64")
            })?;
            if key.verify_sig(&signed, &sig).is_ok() {
                let payload_type = envelope.payload_type.clone();
                return Ok(Verified {
                    payload_type,
                    payload,
                });
            }
        }
        Err(DsseError::Unverified {
            keyid: self.keyid.clone(),
        })
    }
}

fn lenient_base64(text: &str) -> Option<Vec<u8>> {
    ANY_STANDARD
        .decode(text)
        .or_else(|_| ANY_URL_SAFE.decode(text))
        .ok()
}

/// An ECDSA P-256 key that signs envelopes.
pub struct DsseSigner {
    pair: EcdsaKeyPair,
    public: DsseKey,
}

impl std::fmt::Debug for DsseSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The private half is never printed.
        f.debug_struct("DsseSigner")
            .field("keyid", &self.public.keyid)
            .finish_non_exhaustive()
    }
}

impl DsseSigner {
    /// A fresh random key.
    pub fn generate() -> Result<Self, DsseError> {
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING)
            .map_err(|_| DsseError::Key("cannot generate an ECDSA P-256 key".into()))?;
        Self::from_pair(pair)
    }

    /// Reads a PKCS#8 ECDSA P-256 private key.
    pub fn from_pkcs8(der: &[u8]) -> Result<Self, DsseError> {
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, der)
            .map_err(|e| DsseError::Key(format!("not an ECDSA P-256 key in PKCS#8: {e}")))?;
        Self::from_pair(pair)
    }

    fn from_pair(pair: EcdsaKeyPair) -> Result<Self, DsseError> {
        let spki = pair
            .public_key()
            .as_der()
            .map_err(|_| DsseError::Key("cannot encode the public key".into()))?;
        let public = DsseKey::from_spki_der(spki.as_ref())?;
        Ok(Self { pair, public })
    }

    /// The private key as PKCS#8 DER, for storing.
    pub fn to_pkcs8(&self) -> Result<Vec<u8>, DsseError> {
        let document = self.pair.to_pkcs8v1();
        let document = document.map_err(|_| DsseError::Key("cannot encode the key".into()))?;
        Ok(document.as_ref().to_vec())
    }

    /// Its public half.
    pub fn public_key(&self) -> &DsseKey {
        &self.public
    }

    /// The envelope of `payload`, signed with one signature.
    pub fn sign(&self, payload_type: &str, payload: &[u8]) -> Result<Envelope, DsseError> {
        let signature = self
            .pair
            .sign(&SystemRandom::new(), &pae(payload_type, payload))
            .map_err(|_| DsseError::Key("ECDSA signing failed".into()))?;
        Ok(Envelope {
            payload: STANDARD.encode(payload),
            payload_type: payload_type.to_owned(),
            signatures: vec![EnvelopeSignature {
                keyid: self.public.keyid.clone(),
                sig: STANDARD.encode(signature.as_ref()),
            }],
        })
    }
}

#[cfg(test)]
mod tests;
