//! Short names a pause is labelled and routed by: its tags and group
//! ([`Tag`]), the targets it starts ([`TargetName`]) and the channels it
//! posts to ([`ChannelName`]). A target or channel name is also checked
//! against the configuration, which the caller does: these types only
//! know the text is fit to show and to look up.

use crate::domain::text::{Lines, readable};
use crate::domain::validation::ValidationError;

checked_text!(
    /// A label (`team:data`, `deploy:prod`): 1–50 ASCII letters, digits or
    /// `._:/-`. A pause's tags and its group are tags.
    Tag
);

checked_text!(
    /// The name of a configured target, as a request gives it: one line
    /// of readable text.
    TargetName
);

checked_text!(
    /// The name of a configured channel, as a request gives it: one line
    /// of readable text.
    ChannelName
);

impl Tag {
    /// Reads `text`, given as `field` (`tags[1]`, `group`, `tag`).
    pub fn parse(field: &str, text: &str) -> Result<Self, ValidationError> {
        readable(field, text, Lines::One)?;
        let allowed = |c: char| c.is_ascii_alphanumeric() || "._:/-".contains(c);
        if text.is_empty() || text.len() > 50 || !text.chars().all(allowed) {
            return Err(ValidationError::new(
                field,
                format!("{field} {text:?} must be 1-50 letters, digits or ._:/- characters"),
            ));
        }
        Ok(Self(text.to_owned()))
    }
}

impl TargetName {
    /// Reads `text`, given as `field` (`target`, `on_reject`).
    pub fn parse(field: &str, text: &str) -> Result<Self, ValidationError> {
        readable(field, text, Lines::One)?;
        Ok(Self(text.to_owned()))
    }
}

impl ChannelName {
    /// Reads `text`, given as `field` (`notify.channels[0]`).
    pub fn parse(field: &str, text: &str) -> Result<Self, ValidationError> {
        readable(field, text, Lines::One)?;
        Ok(Self(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_is_a_short_plain_label_and_an_error_names_the_field_it_came_as() {
        assert_eq!(Tag::parse("tags[0]", "team:data").unwrap(), "team:data");
        for (field, bad) in [
            ("tags[1]", "has space"),
            ("group", ""),
            ("tag", &"x".repeat(51)),
        ] {
            let error = Tag::parse(field, bad).unwrap_err();
            assert_eq!(error.field, field);
            assert!(error.message.starts_with(field), "{}", error.message);
        }
    }

    #[test]
    fn target_and_channel_names_are_one_readable_line() {
        assert!(TargetName::parse("target", "sales-part2").is_ok());
        assert_eq!(
            TargetName::parse("on_reject", "a\nb").unwrap_err().field,
            "on_reject"
        );
        let error = ChannelName::parse("notify.channels[2]", "ops\u{202e}").unwrap_err();
        assert_eq!(error.field, "notify.channels[2]");
    }
}
