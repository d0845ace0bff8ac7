//! An email address: what a pause notifies and what a personal link, a
//! sign-in or a chat vouches for. Addresses are compared ignoring ASCII
//! case, as mail systems treat them, in one place: [`EmailAddress::same`].

use crate::domain::text::{Lines, readable};
use crate::domain::validation::ValidationError;

checked_text!(
    /// A plain address (`ana@example.com`): one `@`, a dotted domain, no
    /// spaces, at most 254 bytes. Display names are not accepted: the
    /// address is also the actor of a personal link's decision.
    EmailAddress
);

impl EmailAddress {
    /// Reads `text`, given as `field`: one line of readable text, then,
    /// trimmed, a plain address.
    pub fn parse(field: &str, text: &str) -> Result<Self, ValidationError> {
        readable(field, text, Lines::One)?;
        let address = text.trim();
        if is_plain_address(address) {
            Ok(Self(address.to_owned()))
        } else {
            Err(ValidationError::new(
                field,
                format!("{field}: {address:?} is not an email address"),
            ))
        }
    }

    /// Whether `a` and `b` are the same mailbox: the one comparison of
    /// addresses, ignoring ASCII case.
    pub fn same(a: &str, b: &str) -> bool {
        a.eq_ignore_ascii_case(b)
    }

    /// Whether this is the same mailbox as `other` (see [`EmailAddress::same`]).
    pub fn is(&self, other: &str) -> bool {
        Self::same(&self.0, other)
    }

    /// Whether `address` is at `domain` (ASCII case ignored, as in [`EmailAddress::same`]).
    pub fn in_domain(address: &str, domain: &str) -> bool {
        address
            .rsplit_once('@')
            .is_some_and(|(_, at)| Self::same(at, domain))
    }
}

fn is_plain_address(address: &str) -> bool {
    address.len() <= 254
        && !address
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>,;\"".contains(c))
        && match address.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_address_is_taken_trimmed_and_anything_else_is_refused_by_its_field() {
        let address = EmailAddress::parse("notify.email[0]", " ana@example.com ").unwrap();
        assert_eq!(address, "ana@example.com");
        for bad in [
            "ana",
            "ana@example",
            "Ana <ana@example.com>",
            "a@b@c.d",
            "a@.c",
        ] {
            let error = EmailAddress::parse("notify.email[1]", bad).unwrap_err();
            assert_eq!(error.field, "notify.email[1]", "{bad}");
            assert!(error.message.starts_with("notify.email[1]: "), "{bad}");
        }
    }

    #[test]
    fn addresses_are_the_same_whatever_their_ascii_case() {
        let address = EmailAddress::parse("to", "Ana@Example.com").unwrap();
        assert!(address.is("ana@EXAMPLE.COM"));
        assert!(!address.is("ana@example.org"));
        assert!(EmailAddress::in_domain("bo@EXAMPLE.com", "example.com"));
        assert!(!EmailAddress::in_domain(
            "bo@example.com.evil.org",
            "example.com"
        ));
    }
}
