//! C2SP tlog-checkpoint (<https://c2sp.org/tlog-checkpoint>, v1.0.0): the
//! note text naming a tree,
//!
//! ```text
//! <origin>\n
//! <size, ASCII decimal, no leading zeroes>\n
//! <base64 of the 32-byte RFC 9162 root>\n
//! [<extension line>\n ...]
//! ```
//!
//! signed as a [`note`]. Every line is non-empty; extension lines are
//! opaque (and their use not recommended, so this log writes none). The
//! empty tree has size `0` and root `SHA-256("")`.
//!
//! The spec says the log's key name SHOULD be the origin; this log makes
//! it a MUST on both sides: [`Checkpoint::sign`] signs only with a key
//! named after the origin, and [`Checkpoint::open`] accepts a checkpoint
//! only if its origin is the name of the key it was verified with, so a
//! checkpoint of one log can never pass as another's.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::merkle::{Hash, empty_root};
use super::note::{self, NoteError, Signer, Verifier};
use super::parse_decimal;

/// Why a checkpoint was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// A line of the checkpoint is not valid; the message names it.
    #[error("the checkpoint's {field} {problem}")]
    Field {
        /// The line: `origin`, `size`, `root`, `extension` or `text`.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// The origin is not the name of the key.
    #[error("the checkpoint's origin {origin:?} is not the key's name {key:?}")]
    OriginNotKey {
        /// The checkpoint's origin.
        origin: String,
        /// The key's name.
        key: String,
    },
    /// The signed note around it was refused.
    #[error(transparent)]
    Note(#[from] NoteError),
}

fn field(field: &'static str, problem: impl Into<String>) -> CheckpointError {
    CheckpointError::Field {
        field,
        problem: problem.into(),
    }
}

/// A tree head: the log's origin, its size and its root hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity, a scheme-less URL such as `example.com/log`.
    pub origin: String,
    /// How many entries the tree has.
    pub size: u64,
    /// The tree's RFC 9162 root hash.
    pub root: Hash,
    /// Opaque extension lines, without their newlines.
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// The checkpoint of a tree of `size` entries with root `root`.
    pub fn new(origin: &str, size: u64, root: Hash) -> Self {
        let origin = origin.to_owned();
        Self {
            origin,
            size,
            root,
            extensions: Vec::new(),
        }
    }

    /// The checkpoint of the empty tree.
    pub fn empty(origin: &str) -> Self {
        Self::new(origin, 0, empty_root())
    }

    /// The note text: origin, size, base64 root and extensions, each
    /// ending in a newline. Refuses an origin or extension that is empty
    /// or holds a newline.
    pub fn to_text(&self) -> Result<String, CheckpointError> {
        check_line("origin", &self.origin)?;
        let mut text = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            STANDARD.encode(self.root)
        );
        for extension in &self.extensions {
            check_line("extension", extension)?;
            text.push_str(extension);
            text.push('\n');
        }
        Ok(text)
    }

    /// Reads a checkpoint's note text (not yet checked against any key).
    pub fn parse(text: &str) -> Result<Self, CheckpointError> {
        let body = text
            .strip_suffix('\n')
            .ok_or_else(|| field("text", "does not end in a newline"))?;
        let mut lines = body.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err(field("text", "has fewer than three lines"));
        };
        check_line("origin", origin)?;
        let checkpoint = Self {
            origin: origin.to_owned(),
            size: parse_size(size)?,
            root: parse_root(root)?,
            extensions: lines.map(str::to_owned).collect(),
        };
        for extension in &checkpoint.extensions {
            check_line("extension", extension)?;
        }
        Ok(checkpoint)
    }

    /// The signed note of this checkpoint, by `signer`, whose key name
    /// must be the origin.
    pub fn sign(&self, signer: &Signer) -> Result<String, CheckpointError> {
        same_name(&self.origin, signer.verifier())?;
        Ok(note::sign(&self.to_text()?, &[signer])?)
    }

    /// Opens a signed checkpoint: a valid signature by `verifier` is
    /// required, and the origin must be the verifier's name. Other
    /// signatures (witnesses' cosignatures) are ignored.
    pub fn open(signed: &[u8], verifier: &Verifier) -> Result<Self, CheckpointError> {
        let opened = note::open(signed, std::slice::from_ref(verifier))?;
        let checkpoint = Self::parse(&opened.text)?;
        same_name(&checkpoint.origin, verifier)?;
        Ok(checkpoint)
    }
}

fn same_name(origin: &str, key: &Verifier) -> Result<(), CheckpointError> {
    if origin != key.name() {
        let (origin, key) = (origin.to_owned(), key.name().to_owned());
        return Err(CheckpointError::OriginNotKey { origin, key });
    }
    Ok(())
}

fn check_line(name: &'static str, line: &str) -> Result<(), CheckpointError> {
    if line.is_empty() {
        return Err(field(name, "is empty"));
    }
    if line.contains('\n') {
        return Err(field(name, "holds a newline"));
    }
    Ok(())
}

fn parse_size(line: &str) -> Result<u64, CheckpointError> {
    parse_decimal(line).ok_or_else(|| {
        field(
            "size",
            format!("{line:?} is not a decimal below 2^64 with no leading zeroes"),
        )
    })
}

fn parse_root(line: &str) -> Result<Hash, CheckpointError> {
    let bytes = STANDARD
        .decode(line)
        .map_err(|e| field("root", format!("{line:?} is not base64: {e}")))?;
    bytes
        .try_into()
        .map_err(|b: Vec<u8>| field("root", format!("is {} bytes, not 32", b.len())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlog::merkle::root_of;
    use crate::tlog::testing::{NOTE, SKEY, VKEY, test_leaves};

    #[test]
    fn the_eight_leaf_checkpoint_is_signed_byte_for_byte_and_opens() {
        let signer = Signer::from_skey(SKEY).unwrap();
        assert_eq!(signer.verifier().vkey(), VKEY);
        let checkpoint = Checkpoint::new("example.com/pausegate-test", 8, root_of(&test_leaves()));
        assert_eq!(checkpoint.sign(&signer).unwrap(), NOTE);
        let verifier = Verifier::from_vkey(VKEY).unwrap();
        assert_eq!(
            Checkpoint::open(NOTE.as_bytes(), &verifier).unwrap(),
            checkpoint
        );
    }

    #[test]
    fn a_changed_size_fails_the_signature() {
        let verifier = Verifier::from_vkey(VKEY).unwrap();
        let changed = NOTE.replace("\n8\n", "\n9\n");
        let refused = Checkpoint::open(changed.as_bytes(), &verifier).unwrap_err();
        assert!(matches!(
            refused,
            CheckpointError::Note(NoteError::InvalidSignature { .. })
        ));
    }

    #[test]
    fn the_empty_tree_has_size_zero_and_the_sha256_of_nothing() {
        let text = Checkpoint::empty("example.com/log").to_text().unwrap();
        assert_eq!(
            text,
            "example.com/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
        );
        assert_eq!(
            Checkpoint::parse(&text).unwrap(),
            Checkpoint::empty("example.com/log")
        );
    }

    #[test]
    fn extension_lines_round_trip() {
        let mut checkpoint = Checkpoint::new("example.com/log", 3, [9; 32]);
        checkpoint.extensions = vec!["first".into(), "second line".into()];
        let text = checkpoint.to_text().unwrap();
        assert_eq!(Checkpoint::parse(&text).unwrap(), checkpoint);
        checkpoint.extensions.push(String::new());
        assert!(checkpoint.to_text().is_err());
    }

    #[test]
    fn bad_lines_are_refused_naming_the_field() {
        let root = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
        let cases = [
            (format!("log\n01\n{root}\n"), "size"),
            (format!("log\n-1\n{root}\n"), "size"),
            (format!("log\n18446744073709551616\n{root}\n"), "size"),
            (format!("log\n\n{root}\n"), "size"),
            ("log\n1\nAAAA\n".to_owned(), "root"),
            ("log\n1\n!!\n".to_owned(), "root"),
            (format!("\n1\n{root}\n"), "origin"),
            (format!("log\n1\n{root}\n\n"), "extension"),
            (format!("log\n1\n{root}"), "text"),
            ("log\n1\n".to_owned(), "text"),
        ];
        for (text, want) in cases {
            match Checkpoint::parse(&text) {
                Err(CheckpointError::Field { field, .. }) => assert_eq!(field, want, "{text:?}"),
                other => panic!("{text:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn a_checkpoint_whose_origin_is_not_the_key_name_is_refused_both_ways() {
        let signer = Signer::from_seed("example.com/other", &[3; 32]).unwrap();
        let checkpoint = Checkpoint::new("example.com/log", 1, [1; 32]);
        assert!(matches!(
            checkpoint.sign(&signer),
            Err(CheckpointError::OriginNotKey { .. })
        ));
        let text = checkpoint.to_text().unwrap();
        let signed = note::sign(&text, &[&signer]).unwrap();
        let refused = Checkpoint::open(signed.as_bytes(), signer.verifier()).unwrap_err();
        assert!(
            matches!(refused, CheckpointError::OriginNotKey { .. }),
            "{refused}"
        );
    }
}
