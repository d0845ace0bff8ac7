//! The transparency log's formats and proofs, as a pure library: no I/O,
//! no database, no HTTP. Storage and the web face build on it; everything
//! here is a function of its arguments.
//!
//! - [`merkle`]: the RFC 9162 §2.1 tree (the same as RFC 6962 §2.1): leaf
//!   and node hashes, roots, inclusion and consistency proofs made from a
//!   [`merkle::HashReader`] (any store of complete-subtree hashes), and
//!   their verification per RFC 9162 §2.1.3.2 and §2.1.4.2.
//! - [`note`]: C2SP signed-note (<https://c2sp.org/signed-note>) with
//!   Ed25519 keys (signature type `0x01`): key IDs, verifier keys
//!   (`name+hex8+base64(0x01||key)`), signing and opening a note.
//! - [`checkpoint`]: C2SP tlog-checkpoint (<https://c2sp.org/tlog-checkpoint>),
//!   the signed note that names a tree by origin, size and root.
//! - [`tiles`]: C2SP tlog-tiles (<https://c2sp.org/tlog-tiles>): tile
//!   paths, which tiles a tree has, a hash tile's contents, entry bundles,
//!   and [`tiles::Tiled`], a hash reader over the hashes a log stores per
//!   tile level, so proofs never load the whole tree.
//! - [`proof`]: C2SP tlog-proof (<https://c2sp.org/tlog-proof>), an
//!   offline inclusion proof carrying its signed checkpoint.
//! - [`dsse`] and [`statement`]: DSSE v1.0.2 envelopes
//!   (secure-systems-lab/dsse, `envelope.md` and `protocol.md`) signed
//!   with ECDSA P-256 (DER signatures), carrying an in-toto Statement v1
//!   (in-toto/attestation, `spec/v1/statement.md`).
//!
//! How they fit: each entry's leaf hash ([`merkle::leaf_hash`]) goes into
//! the tree; a [`checkpoint::Checkpoint`] of the tree's size and root is
//! signed as a note; an entry's [`proof::TlogProof`] is its inclusion path
//! to that root plus the signed checkpoint, which anyone holding the log's
//! verifier key checks offline. A later checkpoint proves it extends an
//! earlier one with [`merkle::consistency_proof`]. The same tree is served
//! as tiles, from which a client can rebuild every proof itself.
//!
//! Hashing is SHA-256 from `sha2`; signatures are `aws-lc-rs`; base64 is
//! the standard alphabet with padding (RFC 4648 §4) everywhere the C2SP
//! formats use it.

pub mod checkpoint;
pub mod dsse;
pub mod merkle;
pub mod note;
pub mod proof;
pub mod statement;
pub mod tiles;

pub use merkle::{Hash, HashReader, Subtree};

/// An ASCII decimal with no leading zeroes (`0` itself allowed), as every
/// number in the C2SP formats is written.
fn parse_decimal(text: &str) -> Option<u64> {
    let canonical = text == "0" || !text.starts_with('0');
    let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    (canonical && digits).then(|| text.parse().ok()).flatten()
}

#[cfg(test)]
mod testing;
