//! What a broken rule reports: [`ValidationError`], the field (as a path
//! into the request) and a sentence, and the limits the rules share.

/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 10_000;
/// Largest `data`, in bytes of compact JSON.
pub const MAX_DATA_BYTES: usize = 256 * 1024;
/// Longest comment on a decision, in characters.
pub const MAX_COMMENT_CHARS: usize = 2_000;
/// Longest actor name or idempotency key, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Most email recipients on one pause.
pub const MAX_RECIPIENTS: usize = 50;
/// Most tags on a pause.
pub const MAX_TAGS: usize = 10;

/// Input that breaks a rule: which field, and a sentence saying why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ValidationError {
    /// The offending field, as a path into the request (`notify.email[1]`,
    /// `input_fields[0].label`), as the caller named it.
    pub field: String,
    /// A sentence naming the field and the problem.
    pub message: String,
}

impl ValidationError {
    /// An error on `field` with a full message.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}
