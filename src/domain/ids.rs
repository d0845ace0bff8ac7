//! Identifiers: a short prefix saying what the id names, then 120 random bits
//! in lowercase base32, so ids are unguessable and safe in URLs.

use std::fmt;

use serde::{Deserialize, Serialize};

const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

fn random_id(prefix: &str) -> String {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).expect("the OS random source failed");
    let suffix: String = bytes
        .iter()
        .map(|b| ALPHABET[(b & 31) as usize] as char)
        .collect();
    format!("{prefix}{suffix}")
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A new random id.
            pub fn generate() -> Self {
                Self(random_id($prefix))
            }

            /// Wraps an id read back from storage or a URL.
            pub fn from_stored(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// Names one pause: `pau_…`.
    PauseId,
    "pau_"
);
id_type!(
    /// Names one delivery; receivers de-duplicate on it: `del_…`.
    DeliveryId,
    "del_"
);
id_type!(
    /// Names one claim of a delivery, so only the lease holder records its outcome.
    LeaseId,
    "lse_"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_carry_their_prefix_and_differ() {
        let a = PauseId::generate();
        let b = PauseId::generate();
        assert!(a.as_str().starts_with("pau_"));
        assert_eq!(a.as_str().len(), 28);
        assert_ne!(a, b);
        assert!(DeliveryId::generate().as_str().starts_with("del_"));
    }
}
