//! C2SP signed-note (<https://c2sp.org/signed-note>, v1.0.0) with Ed25519
//! keys, signature type `0x01`: a text ending in a newline, a blank line,
//! then lines `— <key name> base64(key ID || signature)`.
//!
//! - A key ID is `SHA-256(name || 0x0A || 0x01 || 32-byte key)[:4]`, big
//!   endian; a verifier key ("vkey") is `name+<8 lowercase hex>+base64(0x01
//!   || key)`. The signer's "skey" form `PRIVATE+KEY+name+hex+base64(0x01
//!   || seed)` is golang.org/x/mod/sumdb/note's, accepted for convenience.
//! - Key names are non-empty, with no Unicode space and no `+`.
//! - A note is valid UTF-8 with no ASCII control character but the
//!   newline; its text ends at the *last* blank line.
//! - Opening a note: signatures by unknown (name, ID) pairs are ignored; a
//!   known key whose signature fails rejects the whole note; at least one
//!   known key must have signed. Repeated signatures are dropped, and at
//!   most [`MAX_SIGNATURES`] lines are read (the spec asks for at least
//!   16; golang.org/x/mod/sumdb/note reads 100).
//!
//! Ed25519 is pure RFC 8032 from `aws-lc-rs`, over the note text
//! including its final newline.

mod keys;

use std::collections::HashSet;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

pub use keys::{Signer, Verifier, is_valid_name, key_id};

/// The signature type byte of a plain Ed25519 note signature.
pub const ED25519_TYPE: u8 = 0x01;

/// The most signature lines a note may carry.
pub const MAX_SIGNATURES: usize = 100;

/// The prefix of every signature line: an em dash and a space.
const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// Why a key or a note was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// A key name breaks the naming rules.
    #[error("the key name {0:?} is not valid: it must be non-empty, with no spaces and no '+'")]
    BadName(String),
    /// A verifier or signer key does not parse or its ID does not match.
    #[error("the key is not valid: {0}")]
    BadKey(String),
    /// The note's text cannot be signed or the note cannot be read.
    #[error("the note is malformed: {0}")]
    Malformed(String),
    /// A known key's signature does not verify.
    #[error("the signature by {name}+{key_id:08x} does not verify")]
    InvalidSignature {
        /// The key's name.
        name: String,
        /// The key's ID.
        key_id: u32,
    },
    /// No known key signed the note.
    #[error("the note has no signature by a known key")]
    Unverified,
}

fn malformed(why: &str) -> NoteError {
    NoteError::Malformed(why.to_owned())
}

/// Signs `text` (one or more lines, each ending in a newline) with every
/// signer, in order: the signed note.
pub fn sign(text: &str, signers: &[&Signer]) -> Result<String, NoteError> {
    if !text.ends_with('\n') {
        return Err(malformed("the text must end in a newline"));
    }
    check_characters(text)?;
    if signers.is_empty() {
        return Err(malformed("a note needs at least one signer"));
    }
    let lines: String = signers.iter().map(|s| s.signature_line(text)).collect();
    Ok(format!("{text}\n{lines}"))
}

/// One signature line, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// The key name it claims.
    pub name: String,
    /// The key ID it claims.
    pub key_id: u32,
    /// The base64 of key ID and signature, as written.
    pub base64: String,
}

/// A note whose signatures were checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The signed text, with its final newline.
    pub text: String,
    /// Signatures by known keys, all of which verified.
    pub verified: Vec<NoteSignature>,
    /// Signatures by keys not known, not checked.
    pub unverified: Vec<NoteSignature>,
}

/// Reads `note` and checks its signatures against the `known` keys.
pub fn open(note: &[u8], known: &[Verifier]) -> Result<Note, NoteError> {
    let note = std::str::from_utf8(note).map_err(|_| malformed("the note is not UTF-8"))?;
    check_characters(note)?;
    let split = note
        .rfind("\n\n")
        .ok_or_else(|| malformed("no blank line before the signatures"))?;
    let (text, signatures) = (&note[..split + 1], &note[split + 2..]);
    let Some(lines) = signatures.strip_suffix('\n') else {
        return Err(malformed("the signatures must end in a newline"));
    };
    let mut opened = Note {
        text: text.to_owned(),
        verified: Vec::new(),
        unverified: Vec::new(),
    };
    let mut seen = HashSet::new();
    for (count, line) in lines.split('\n').enumerate() {
        if count == MAX_SIGNATURES {
            return Err(malformed("too many signatures"));
        }
        let (signature, raw) = parse_signature_line(line)?;
        if !seen.insert((signature.name.clone(), signature.key_id, raw.clone())) {
            continue;
        }
        check_signature(&mut opened, signature, &raw, known)?;
    }
    if opened.verified.is_empty() {
        return Err(NoteError::Unverified);
    }
    Ok(opened)
}

/// Files one signature as verified (failing the note if a known key's
/// does not verify) or as unverified.
fn check_signature(
    opened: &mut Note,
    signature: NoteSignature,
    raw: &[u8],
    known: &[Verifier],
) -> Result<(), NoteError> {
    let mut keys = known
        .iter()
        .filter(|v| v.name() == signature.name && v.key_id() == signature.key_id);
    let Some(key) = keys.next() else {
        opened.unverified.push(signature);
        return Ok(());
    };
    if keys.next().is_some() {
        return Err(NoteError::BadKey(format!(
            "two known keys are {}+{:08x}",
            key.name(),
            key.key_id()
        )));
    }
    if !key.accepts(&opened.text, raw) {
        let (name, key_id) = (signature.name, signature.key_id);
        return Err(NoteError::InvalidSignature { name, key_id });
    }
    if !opened
        .verified
        .iter()
        .any(|v| v.name == signature.name && v.key_id == signature.key_id)
    {
        opened.verified.push(signature);
    }
    Ok(())
}

/// `— name base64` into the signature and its bytes after the key ID.
fn parse_signature_line(line: &str) -> Result<(NoteSignature, Vec<u8>), NoteError> {
    let rest = line
        .strip_prefix(SIGNATURE_PREFIX)
        .ok_or_else(|| malformed("a signature line must start with an em dash and a space"))?;
    let (name, base64) = rest
        .split_once(' ')
        .ok_or_else(|| malformed("a signature line is a key name, a space, then base64"))?;
    if !is_valid_name(name) {
        return Err(NoteError::BadName(name.to_owned()));
    }
    let bytes = STANDARD
        .decode(base64)
        .map_err(|_| malformed("a signature is not base64"))?;
    if bytes.len() < 5 {
        return Err(malformed(
            "a signature is shorter than a key ID and one byte",
        ));
    }
    let key_id = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    let signature = NoteSignature {
        name: name.to_owned(),
        key_id,
        base64: base64.to_owned(),
    };
    Ok((signature, bytes[4..].to_vec()))
}

/// No ASCII control character but the newline.
fn check_characters(text: &str) -> Result<(), NoteError> {
    match text.chars().find(|&c| c < ' ' && c != '\n') {
        Some(c) => Err(NoteError::Malformed(format!(
            "control character {c:?} in the note"
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests;
