//! Ed25519 note keys: names, key IDs, verifier keys (vkeys) and signers
//! (from a key pair, a seed or an skey), per c2sp.org/signed-note.

use std::fmt;

use aws_lc_rs::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use super::{ED25519_TYPE, NoteError, SIGNATURE_PREFIX};

/// Whether `name` may name a key: non-empty, no Unicode space, no `+`.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

/// The key ID of a key named `name` whose typed public key (its type byte,
/// then its encoding) is `typed_key`.
pub fn key_id(name: &str, typed_key: &[u8]) -> u32 {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update(b"\n");
    hasher.update(typed_key);
    let digest = hasher.finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// An Ed25519 verifier key: a name and a 32-byte public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verifier {
    name: String,
    key_id: u32,
    public: [u8; 32],
}

impl Verifier {
    /// The verifier for the raw Ed25519 key `public`, named `name`.
    pub fn new(name: &str, public: [u8; 32]) -> Result<Self, NoteError> {
        if !is_valid_name(name) {
            return Err(NoteError::BadName(name.to_owned()));
        }
        let key_id = key_id(name, &typed(&public));
        Ok(Self {
            name: name.to_owned(),
            key_id,
            public,
        })
    }

    /// Reads a vkey, `name+hex8+base64(0x01 || key)`, checking its ID.
    pub fn from_vkey(vkey: &str) -> Result<Self, NoteError> {
        // The base64 part may itself hold '+', so split twice only.
        let mut parts = vkey.trim().splitn(3, '+');
        let (name, id, key) = match (parts.next(), parts.next(), parts.next()) {
            (Some(name), Some(id), Some(key)) => (name, id, key),
            _ => return Err(NoteError::BadKey("a vkey is name+hex8+base64".into())),
        };
        let public = decode_typed(key, "vkey")?;
        let verifier = Self::new(name, public)?;
        if id != format!("{:08x}", verifier.key_id) {
            let why = format!(
                "the vkey's ID {id:?} is not the key's ID {:08x}",
                verifier.key_id
            );
            return Err(NoteError::BadKey(why));
        }
        Ok(verifier)
    }

    /// The vkey, `name+hex8+base64(0x01 || key)`.
    pub fn vkey(&self) -> String {
        let key = STANDARD.encode(typed(&self.public));
        format!("{}+{:08x}+{key}", self.name, self.key_id)
    }

    /// The key's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key's ID.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The raw 32-byte Ed25519 public key.
    pub fn public_key(&self) -> &[u8; 32] {
        &self.public
    }

    pub(super) fn accepts(&self, text: &str, signature: &[u8]) -> bool {
        let key = UnparsedPublicKey::new(&ED25519, &self.public);
        key.verify(text.as_bytes(), signature).is_ok()
    }
}

impl fmt::Display for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.vkey())
    }
}

fn typed(public: &[u8; 32]) -> Vec<u8> {
    let mut typed = vec![ED25519_TYPE];
    typed.extend_from_slice(public);
    typed
}

/// The 32 bytes of `base64(0x01 || bytes)`.
fn decode_typed(text: &str, what: &str) -> Result<[u8; 32], NoteError> {
    let bytes = STANDARD
        .decode(text)
        .map_err(|e| NoteError::BadKey(format!("the {what}'s key is not base64: {e}")))?;
    match bytes.split_first() {
        Some((&ED25519_TYPE, key)) if key.len() == 32 => Ok(key.try_into().expect("32 bytes")),
        _ => Err(NoteError::BadKey(format!(
            "the {what}'s key is not 0x01 followed by 32 bytes of Ed25519"
        ))),
    }
}

/// An Ed25519 key that signs notes under a name.
pub struct Signer {
    verifier: Verifier,
    pair: Ed25519KeyPair,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The private half is never printed.
        f.debug_struct("Signer")
            .field("verifier", &self.verifier.vkey())
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// A signer named `name` using `pair`.
    pub fn new(name: &str, pair: Ed25519KeyPair) -> Result<Self, NoteError> {
        let public: [u8; 32] = pair.public_key().as_ref().try_into().expect("32 bytes");
        let verifier = Verifier::new(name, public)?;
        Ok(Self { verifier, pair })
    }

    /// A signer named `name` from a 32-byte RFC 8032 seed.
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Self, NoteError> {
        let pair = Ed25519KeyPair::from_seed_unchecked(seed)
            .map_err(|e| NoteError::BadKey(format!("the seed is not an Ed25519 key: {e}")))?;
        Self::new(name, pair)
    }

    /// Reads an skey, `PRIVATE+KEY+name+hex8+base64(0x01 || seed)`,
    /// checking that the ID is the public key's.
    pub fn from_skey(skey: &str) -> Result<Self, NoteError> {
        let rest = skey.trim().strip_prefix("PRIVATE+KEY+");
        let mut parts = rest.into_iter().flat_map(|rest| rest.splitn(3, '+'));
        let (Some(name), Some(id), Some(seed)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(NoteError::BadKey(
                "an skey is PRIVATE+KEY+name+hex8+base64".into(),
            ));
        };
        let signer = Self::from_seed(name, &decode_typed(seed, "skey")?)?;
        if id != format!("{:08x}", signer.verifier.key_id) {
            return Err(NoteError::BadKey(format!(
                "the skey's ID {id:?} is not its key's ID"
            )));
        }
        Ok(signer)
    }

    /// Its public half.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    pub(super) fn signature_line(&self, text: &str) -> String {
        let mut signed = self.verifier.key_id.to_be_bytes().to_vec();
        signed.extend_from_slice(self.pair.sign(text.as_bytes()).as_ref());
        format!(
            "{SIGNATURE_PREFIX}{} {}\n",
            self.verifier.name,
            STANDARD.encode(signed)
        )
    }
}
