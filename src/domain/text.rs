//! Rules for free text that people will read (titles, descriptions,
//! comments, names) and for short names that end up in requests to other
//! systems. What a real name, ref or id contains is accepted; what can only
//! hide or disguise text is refused, naming the field.

use super::input::{MAX_COMMENT_CHARS, MAX_NAME_CHARS, ValidationError};

/// Characters that reorder text as displayed (embeddings, overrides and
/// isolates): a title can be made to read differently from what it says.
const BIDI_CONTROLS: [char; 9] = [
    '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}',
    '\u{2069}',
];

/// Refuses NUL (no text: PostgreSQL cannot store it) and bidirectional
/// controls in text a person will read.
pub fn refuse_hidden(field: &str, text: &str) -> Result<(), ValidationError> {
    if text.contains('\0') {
        return Err(ValidationError::new(
            field,
            format!("{field} must not contain NUL characters"),
        ));
    }
    if text.contains(BIDI_CONTROLS) {
        return Err(ValidationError::new(
            field,
            format!(
                "{field} must not contain bidirectional control characters (U+202A–U+202E, \
                 U+2066–U+2069): they make text display differently from what it says"
            ),
        ));
    }
    Ok(())
}

/// Refuses line breaks and other control characters in one-line text, and
/// anything [`refuse_hidden`] refuses.
pub fn refuse_controls(field: &str, text: &str) -> Result<(), ValidationError> {
    refuse_hidden(field, text)?;
    if text.chars().any(char::is_control) {
        return Err(ValidationError::new(
            field,
            format!("{field} must be one line, without control characters"),
        ));
    }
    Ok(())
}

/// Trims a comment; empty becomes `None`; too long or hidden text is refused.
pub fn validate_comment(comment: Option<String>) -> Result<Option<String>, ValidationError> {
    let comment = comment
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    if let Some(c) = &comment {
        refuse_hidden("comment", c)?;
    }
    match comment {
        Some(c) if c.chars().count() > MAX_COMMENT_CHARS => Err(ValidationError::new(
            "comment",
            format!("comment is longer than {MAX_COMMENT_CHARS} characters"),
        )),
        other => Ok(other),
    }
}

/// Trims an actor name given as `field`; empty becomes `None`; several
/// lines, hidden text or too long is refused.
pub fn validate_name(field: &str, name: Option<String>) -> Result<Option<String>, ValidationError> {
    let name = name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if let Some(n) = &name {
        refuse_controls(field, n)?;
    }
    match name {
        Some(n) if n.chars().count() > MAX_NAME_CHARS => Err(ValidationError::new(
            field,
            format!("{field} is longer than {MAX_NAME_CHARS} characters"),
        )),
        other => Ok(other),
    }
}

/// A value that becomes part of a request to another system (a pipeline,
/// workflow or DAG name, a git ref): one line of visible text, not `.` or
/// `..` (a path segment that would climb). Slashes are fine: refs have
/// them, and path segments are percent-encoded when sent.
pub fn plain_name(field: &str, value: &str) -> Result<(), ValidationError> {
    refuse_controls(field, value)?;
    if value.trim().is_empty() || value == "." || value == ".." {
        return Err(ValidationError::new(
            field,
            format!("{field} must be a non-empty name other than . and .."),
        ));
    }
    if value.chars().count() > MAX_NAME_CHARS {
        return Err(ValidationError::new(
            field,
            format!("{field} is longer than {MAX_NAME_CHARS} characters"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_hides_or_reorders_is_refused_naming_the_field() {
        assert_eq!(
            refuse_hidden("title", "a\u{202E}b").unwrap_err().field,
            "title"
        );
        assert!(refuse_hidden("comment", "nul\0").is_err());
        assert!(refuse_controls("actor", "two\nlines").is_err());
        assert!(refuse_hidden("description", "Müller — 東京 ✓\n2 lines").is_ok());
    }

    #[test]
    fn names_for_other_systems_keep_slashes_and_refuse_controls() {
        assert!(plain_name("target_params.ref", "release/1.2").is_ok());
        assert!(plain_name("target_params.dag_id", "nightly_load-v2").is_ok());
        for bad in ["a\tb", "..", ".", " ", "x\u{2066}y"] {
            assert!(
                plain_name("target_params.pipeline", bad).is_err(),
                "{bad:?}"
            );
        }
    }
}
