//! C2SP tlog-proof (<https://c2sp.org/tlog-proof>): an offline proof that
//! an entry is in the log, as newline-separated text:
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra <base64>          (optional, unauthenticated)
//! index <decimal, no leading zeroes>
//! <base64 hash>           (0 or more: the RFC 9162 inclusion path, leaf's sibling first)
//!                         (an empty line)
//! <the checkpoint's signed note, verbatim>
//! ```
//!
//! Verifying it (the spec's steps): compute the entry's leaf hash, open
//! the checkpoint with the log's key (which fixes the origin, see
//! [`Checkpoint::open`]), then check the inclusion path against the
//! checkpoint's root. Witness cosignatures, if any, are carried verbatim
//! and not checked here. The `extra` data is never trusted.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::checkpoint::{Checkpoint, CheckpointError};
use super::merkle::{Hash, VerifyError, leaf_hash, verify_inclusion};
use super::note::Verifier;
use super::parse_decimal;

/// The first line of every proof.
pub const PROOF_HEADER: &str = "c2sp.org/tlog-proof@v1";

/// The most hashes an inclusion path in a tree of a `u64` size can have.
pub const MAX_PATH: usize = 64;

/// Why a proof was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// A line of the proof is not valid; the message names it.
    #[error("the proof's {field} {problem}")]
    Format {
        /// The line: `header`, `extra`, `index`, `hash` or `checkpoint`.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// The checkpoint is not signed by the log's key, or does not parse.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The inclusion path does not lead to the checkpoint's root.
    #[error("the entry's inclusion in the checkpointed tree does not verify: {0}")]
    Inclusion(#[from] VerifyError),
}

fn format_error(field: &'static str, problem: impl Into<String>) -> ProofError {
    ProofError::Format {
        field,
        problem: problem.into(),
    }
}

/// An inclusion proof with its signed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogProof {
    /// Opaque application data; unauthenticated.
    pub extra: Option<Vec<u8>>,
    /// The entry's index in the log.
    pub index: u64,
    /// The inclusion path, the leaf's sibling first.
    pub path: Vec<Hash>,
    /// The checkpoint's signed note, verbatim.
    pub checkpoint: String,
}

impl TlogProof {
    /// The proof of entry `index` by `path` in the tree of the signed
    /// `checkpoint`.
    pub fn new(index: u64, path: Vec<Hash>, checkpoint: String) -> Self {
        Self {
            extra: None,
            index,
            path,
            checkpoint,
        }
    }

    /// The proof as text.
    pub fn format(&self) -> String {
        let mut text = format!("{PROOF_HEADER}\n");
        if let Some(extra) = &self.extra {
            text.push_str(&format!("extra {}\n", STANDARD.encode(extra)));
        }
        text.push_str(&format!("index {}\n", self.index));
        for hash in &self.path {
            text.push_str(&STANDARD.encode(hash));
            text.push('\n');
        }
        text.push('\n');
        text.push_str(&self.checkpoint);
        text
    }

    /// Reads a proof (nothing checked but its form).
    pub fn parse(text: &str) -> Result<Self, ProofError> {
        let mut lines = Lines(text);
        if lines.next("header")? != PROOF_HEADER {
            return Err(format_error("header", format!("is not {PROOF_HEADER}")));
        }
        let mut line = lines.next("index")?;
        let extra = match line.strip_prefix("extra ") {
            Some(extra) => {
                line = lines.next("index")?;
                let decoded = STANDARD.decode(extra);
                Some(decoded.map_err(|e| format_error("extra", format!("is not base64: {e}")))?)
            }
            None => None,
        };
        let index = line
            .strip_prefix("index ")
            .and_then(parse_decimal)
            .ok_or_else(|| format_error("index", "is not \"index\" and a decimal"))?;
        let mut path = Vec::new();
        loop {
            match lines.next("checkpoint")? {
                "" => break,
                _ if path.len() == MAX_PATH => {
                    return Err(format_error("hash", "lines are too many"));
                }
                hash => path.push(parse_hash(hash)?),
            }
        }
        if lines.0.is_empty() {
            return Err(format_error("checkpoint", "is missing"));
        }
        Ok(Self {
            extra,
            index,
            path,
            checkpoint: lines.0.to_owned(),
        })
    }

    /// Checks the proof for the entry whose leaf hash is `leaf`: the
    /// checkpoint must be signed by `log` (and name it as origin), and the
    /// path must lead from the leaf to the checkpoint's root. The
    /// checkpoint it proves inclusion in.
    pub fn verify(&self, leaf: &Hash, log: &Verifier) -> Result<Checkpoint, ProofError> {
        let checkpoint = Checkpoint::open(self.checkpoint.as_bytes(), log)?;
        verify_inclusion(
            leaf,
            self.index,
            checkpoint.size,
            &self.path,
            &checkpoint.root,
        )?;
        Ok(checkpoint)
    }

    /// [`TlogProof::verify`] for the entry's bytes.
    pub fn verify_entry(&self, entry: &[u8], log: &Verifier) -> Result<Checkpoint, ProofError> {
        self.verify(&leaf_hash(entry), log)
    }
}

/// The text's lines, one at a time; what is left is the checkpoint.
struct Lines<'a>(&'a str);

impl<'a> Lines<'a> {
    fn next(&mut self, field: &'static str) -> Result<&'a str, ProofError> {
        let (line, rest) = self
            .0
            .split_once('\n')
            .ok_or_else(|| format_error(field, "is missing"))?;
        self.0 = rest;
        Ok(line)
    }
}

fn parse_hash(line: &str) -> Result<Hash, ProofError> {
    let bytes = STANDARD
        .decode(line)
        .map_err(|e| format_error("hash", format!("{line:?} is not base64: {e}")))?;
    bytes.try_into().map_err(|b: Vec<u8>| {
        format_error("hash", format!("{line:?} is {} bytes, not 32", b.len()))
    })
}

#[cfg(test)]
mod tests;
