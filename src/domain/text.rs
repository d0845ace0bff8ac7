//! The one rule for text people read (titles, descriptions, comments,
//! names, approvers, labels, choices, tags, the names of targets and
//! channels), and for short names that end up in requests to other systems.
//! What a real name, sentence or ref contains is accepted; what can only
//! hide, reorder or break text is refused, naming the field and the code
//! point.
//!
//! Refused, by Unicode general category (UAX #44, "General_Category
//! Values", as the `unicode-properties` tables give it):
//! - `Cc` controls, C0 and C1, except the line feed, carriage return and
//!   tab of a field that may hold several lines;
//! - `Cf` format characters: the bidirectional controls (U+061C, U+200E,
//!   U+200F, U+202A–U+202E, U+2066–U+2069), zero-width characters
//!   (U+200B–U+200D, U+2060–U+2064, U+FEFF), the soft hyphen U+00AD,
//!   U+180E, the tag characters U+E0000–U+E007F and the rest of the
//!   category;
//! - `Zl` and `Zp`, the line and paragraph separators U+2028 and U+2029;
//! - `Co` private use and `Cn` unassigned code points, which show as
//!   nothing or as whatever a font decides.
//!
//! Beside the categories, [`INVISIBLE`] lists the default-ignorable code
//! points (DerivedCoreProperties.txt, `Default_Ignorable_Code_Point`) that
//! are letters or marks yet show as nothing: a name made of them looks
//! empty. Variation selectors stay allowed: emoji need them.

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

use super::validation::{MAX_COMMENT_CHARS, MAX_NAME_CHARS, ValidationError};

/// Whether a field may hold several lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// One line: a title, a name, a label.
    One,
    /// Several lines, with tabs: a description, a comment.
    Many,
}

/// Default-ignorable code points outside `Cf` that show as nothing:
/// U+034F COMBINING GRAPHEME JOINER, the Hangul fillers U+115F, U+1160,
/// U+3164 and U+FFA0, and the Khmer inherent vowels U+17B4 and U+17B5.
const INVISIBLE: [char; 7] = [
    '\u{034F}', '\u{115F}', '\u{1160}', '\u{17B4}', '\u{17B5}', '\u{3164}', '\u{FFA0}',
];

/// The bidirectional controls (all `Cf`), named apart in messages because
/// they make text read differently from what it says.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// What is wrong with `c` in a field of `lines`, if anything.
fn hidden(c: char, lines: Lines) -> Option<&'static str> {
    if matches!(c, '\n' | '\r' | '\t') {
        return (lines == Lines::One).then_some("a line break or tab: it must be one line");
    }
    if is_bidi_control(c) {
        return Some(
            "a bidirectional control character: it makes text display differently from what it says",
        );
    }
    match c.general_category() {
        GeneralCategory::Control => Some("a control character"),
        GeneralCategory::Format => {
            Some("an invisible formatting character: it hides or joins text unseen")
        }
        GeneralCategory::LineSeparator | GeneralCategory::ParagraphSeparator => {
            Some("a line or paragraph separator")
        }
        GeneralCategory::PrivateUse => Some("a private-use character, which has no agreed look"),
        GeneralCategory::Unassigned | GeneralCategory::Surrogate => {
            Some("an unassigned code point")
        }
        _ if INVISIBLE.contains(&c) => Some("an invisible filler character"),
        _ => None,
    }
}

/// The one rule for text a person reads: refuses, naming `field` and the
/// code point, any character that hides, reorders or breaks text (see the
/// module docs); line breaks and tabs only where `lines` allows them.
pub fn readable(field: &str, text: &str, lines: Lines) -> Result<(), ValidationError> {
    let Some((c, why)) = text
        .chars()
        .find_map(|c| hidden(c, lines).map(|why| (c, why)))
    else {
        return Ok(());
    };
    Err(ValidationError::new(
        field,
        format!("{field} must not contain U+{:04X}, {why}", u32::from(c)),
    ))
}

/// `text` with every character [`readable`] refuses in several lines
/// written as a JSON escape (`\u202e`), for showing text that is not
/// checked (a pause's `data`) without letting it hide or reorder anything.
pub fn escape_hidden(text: &str) -> String {
    let mut shown = String::with_capacity(text.len());
    for c in text.chars() {
        if hidden(c, Lines::Many).is_none() {
            shown.push(c);
            continue;
        }
        let mut units = [0u16; 2];
        for unit in c.encode_utf16(&mut units) {
            shown.push_str(&format!("\\u{unit:04x}"));
        }
    }
    shown
}

/// Trims a comment; empty becomes `None`; too long or hidden text is refused.
pub fn validate_comment(comment: Option<String>) -> Result<Option<String>, ValidationError> {
    let comment = comment
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    if let Some(c) = &comment {
        readable("comment", c, Lines::Many)?;
    }
    match comment {
        Some(c) if c.chars().count() > MAX_COMMENT_CHARS => Err(ValidationError::new(
            "comment",
            format!("comment is longer than {MAX_COMMENT_CHARS} characters"),
        )),
        other => Ok(other),
    }
}

/// A value that becomes part of a request to another system (a pipeline,
/// workflow or DAG name, a git ref): one line of visible text, not `.` or
/// `..` (a path segment that would climb). Slashes are fine: refs have
/// them, and path segments are percent-encoded when sent.
pub fn plain_name(field: &str, value: &str) -> Result<(), ValidationError> {
    readable(field, value, Lines::One)?;
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

    /// Each character the rule must refuse, in every kind of field.
    const HOSTILE: [char; 22] = [
        '\0',
        '\u{7}',
        '\u{1B}',
        '\u{7F}',
        '\u{85}',
        '\u{9B}',
        '\u{AD}',
        '\u{34F}',
        '\u{61C}',
        '\u{180E}',
        '\u{200B}',
        '\u{200D}',
        '\u{200F}',
        '\u{2028}',
        '\u{2029}',
        '\u{202E}',
        '\u{2060}',
        '\u{2066}',
        '\u{3164}',
        '\u{FEFF}',
        '\u{E000}',
        '\u{E0041}',
    ];

    #[test]
    fn every_hidden_character_is_refused_naming_the_field_and_code_point() {
        for c in HOSTILE.into_iter().chain(['\u{378}', '\u{10FFFF}']) {
            for lines in [Lines::One, Lines::Many] {
                let error = readable("approvers[1]", &format!("a{c}b"), lines).unwrap_err();
                assert_eq!(error.field, "approvers[1]");
                let code = format!("U+{:04X}", u32::from(c));
                assert!(error.message.contains(&code), "{}", error.message);
                assert!(error.message.starts_with("approvers[1] "));
            }
        }
        let bidi = readable("title", "a\u{202E}b", Lines::One).unwrap_err();
        assert!(bidi.message.contains("bidirectional"), "{}", bidi.message);
    }

    #[test]
    fn real_text_in_any_script_and_emoji_pass() {
        for text in [
            "Müller — 東京 ✓",
            "שלום עולם",
            "مرحبا",
            "नमस्ते",
            "❤\u{FE0F} deploy 🚀",
            "a\u{00A0}b",
        ] {
            assert_eq!(readable("title", text, Lines::One), Ok(()), "{text}");
        }
        assert!(readable("description", "two\r\nlines\tand a tab", Lines::Many).is_ok());
        for one_line_only in ["two\nlines", "a\tb", "a\rb"] {
            assert!(readable("actor", one_line_only, Lines::One).is_err());
        }
    }

    #[test]
    fn escaping_shows_hidden_characters_and_keeps_the_rest() {
        assert_eq!(
            escape_hidden("a\u{202E}b\n\u{E0041}é"),
            "a\\u202eb\n\\udb40\\udc41é"
        );
    }

    #[test]
    fn names_for_other_systems_keep_slashes_and_refuse_controls() {
        assert!(plain_name("target_params.ref", "release/1.2").is_ok());
        assert!(plain_name("target_params.dag_id", "nightly_load-v2").is_ok());
        for bad in ["a\tb", "..", ".", " ", "x\u{2066}y", "x\u{200B}"] {
            assert!(
                plain_name("target_params.pipeline", bad).is_err(),
                "{bad:?}"
            );
        }
    }
}
