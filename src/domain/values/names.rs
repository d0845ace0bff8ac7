//! Text a person reads as one line: a pause's [`Title`], who decided
//! ([`ActorName`]), and the [`IdempotencyKey`] a caller retries with.

use crate::domain::text::{Lines, readable};
use crate::domain::validation::{MAX_NAME_CHARS, MAX_TITLE_CHARS, ValidationError};

checked_text!(
    /// One line saying what waits: trimmed, 1–200 characters of readable
    /// text. It becomes an email subject and a log line.
    Title
);

checked_text!(
    /// Who decided, or asked: an address, an API caller's name, an
    /// `oidc:` identity or a name a link's holder typed. Trimmed, 1–200
    /// characters, one line of readable text.
    ActorName
);

checked_text!(
    /// Makes a retried create return the first pause: 1–200 characters,
    /// one line of readable text, kept as sent.
    IdempotencyKey
);

impl Title {
    /// Reads `text`, given as `field`.
    pub fn parse(field: &str, text: &str) -> Result<Self, ValidationError> {
        let title = text.trim();
        if title.is_empty() {
            return Err(ValidationError::new(
                field,
                format!("{field} must not be empty"),
            ));
        }
        readable(field, title, Lines::One)?;
        let chars = title.chars().count();
        if chars > MAX_TITLE_CHARS {
            return Err(ValidationError::new(
                field,
                format!(
                    "{field} is {chars} characters long; the most allowed is {MAX_TITLE_CHARS}"
                ),
            ));
        }
        Ok(Self(title.to_owned()))
    }
}

impl ActorName {
    /// Reads `text`, given as `field`; blank is refused.
    pub fn parse(field: &str, text: &str) -> Result<Self, ValidationError> {
        match Self::parse_optional(field, Some(text.to_owned()))? {
            Some(name) => Ok(name),
            None => Err(ValidationError::new(
                field,
                format!("{field} must not be empty"),
            )),
        }
    }

    /// Reads a name that may be left out, given as `field`: absent or
    /// blank is `None`.
    pub fn parse_optional(
        field: &str,
        text: Option<String>,
    ) -> Result<Option<Self>, ValidationError> {
        let Some(name) = text.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()) else {
            return Ok(None);
        };
        readable(field, &name, Lines::One)?;
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(ValidationError::new(
                field,
                format!("{field} is longer than {MAX_NAME_CHARS} characters"),
            ));
        }
        Ok(Some(Self(name)))
    }
}

impl IdempotencyKey {
    /// Reads `text`, given as `field`.
    pub fn parse(field: &str, text: &str) -> Result<Self, ValidationError> {
        readable(field, text, Lines::One)?;
        if text.is_empty() || text.chars().count() > MAX_NAME_CHARS {
            return Err(ValidationError::new(
                field,
                format!("{field} must be 1 to {MAX_NAME_CHARS} characters"),
            ));
        }
        Ok(Self(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_is_trimmed_and_must_be_one_short_line() {
        assert_eq!(Title::parse("title", " Load? ").unwrap(), "Load?");
        for bad in [" ".to_owned(), "two\nlines".to_owned(), "x".repeat(201)] {
            assert_eq!(Title::parse("title", &bad).unwrap_err().field, "title");
        }
    }

    #[test]
    fn an_actor_name_may_be_left_out_but_not_be_hidden_text_or_too_long() {
        assert_eq!(
            ActorName::parse_optional("actor", Some("  ".into())),
            Ok(None)
        );
        let name = ActorName::parse_optional("name", Some(" ana ".into())).unwrap();
        assert_eq!(name.unwrap(), "ana");
        for bad in ["a\u{200B}b".to_owned(), "x".repeat(201)] {
            let error = ActorName::parse_optional("name", Some(bad)).unwrap_err();
            assert_eq!(error.field, "name");
        }
        assert!(ActorName::parse("actor", "").is_err());
    }

    #[test]
    fn an_idempotency_key_is_kept_as_sent_within_its_length() {
        let key = IdempotencyKey::parse("Idempotency-Key", " k ").unwrap();
        assert_eq!(key, " k ");
        for bad in [String::new(), "x".repeat(201), "k\u{0}".to_owned()] {
            let error = IdempotencyKey::parse("idempotency_key", &bad).unwrap_err();
            assert_eq!(error.field, "idempotency_key");
        }
    }
}
