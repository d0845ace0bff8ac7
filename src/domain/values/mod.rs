//! Validated values, each a type with a `parse(field, text)` constructor
//! that applies its rule and names the field it was given as (so an error
//! keeps its path, `notify.email[1]`), and `as_str()`. Once parsed, a
//! value is known to follow its rule wherever it goes: the use cases take
//! these, never a bare `String`, for titles, addresses, names and keys.
//!
//! Each serializes as its text, so the JSON and the stored format are
//! what they were as plain strings. Reading one back (from the store, or
//! an answer of this server) trusts what was checked when it was written:
//! `from_stored` and `Deserialize` apply no rule, because a rule made
//! stricter later must not make old pauses unreadable.

/// The parts every validated text shares: the text itself behind
/// `as_str`, `Deref<Target = str>` and `Display`, comparison with plain
/// text, and serde as a plain string.
macro_rules! checked_text {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// A value read back from where it was stored after its rule
            /// was applied (see the module docs): no rule is applied again.
            pub fn from_stored(text: String) -> Self {
                Self(text)
            }

            /// The text, owned.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&self.0, f)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }
    };
}

mod email;
mod labels;
mod names;
mod secret;

pub use email::EmailAddress;
pub use labels::{ChannelName, Tag, TargetName};
pub use names::{ActorName, IdempotencyKey, Title};
pub use secret::SecretText;
