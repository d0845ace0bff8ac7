//! Identifiers: a short prefix saying what the id names, then 24 lowercase
//! base32 characters: 10 of the creation time in milliseconds, 14 (70
//! bits) random. Ids are names, not secrets (links carry tokens); leading
//! with the time makes each new id sort after the last, so inserting one
//! appends to the end of its indexes instead of touching a random page.
//! The time part is for locality only and never read back.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Crockford's base32 in lowercase: its letters sort in ASCII order, so
/// ids sort by time.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// Characters of the time part; 50 bits of milliseconds last past AD 30,000.
const TIME_CHARS: u32 = 10;

fn random_id(prefix: &str) -> String {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let time = (0..TIME_CHARS)
        .rev()
        .map(|i| ALPHABET[((millis >> (5 * i)) & 31) as usize] as char);
    let mut bytes = [0u8; 14];
    getrandom::fill(&mut bytes).expect("the OS random source failed");
    let random = bytes.iter().map(|b| ALPHABET[(b & 31) as usize] as char);
    let mut id = String::with_capacity(prefix.len() + 24);
    id.push_str(prefix);
    id.extend(time.chain(random));
    id
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

            /// Wraps an id read back from storage.
            pub fn from_stored(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// Accepts an id as a caller sends it: the prefix, then 1 to 64
            /// lowercase letters and digits. Anything else names nothing,
            /// so callers answer "not found" without asking the store.
            pub fn parse(text: &str) -> Option<Self> {
                let rest = text.strip_prefix($prefix)?;
                let plain = (1..=64).contains(&rest.len())
                    && rest.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
                plain.then(|| Self(text.to_owned()))
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

    #[test]
    fn parse_accepts_generated_ids_and_nothing_strange() {
        let id = PauseId::generate();
        assert_eq!(PauseId::parse(id.as_str()), Some(id));
        assert!(
            PauseId::parse("pau_abcdefghijklmnopqrstuvwx").is_some(),
            "older ids"
        );
        for bad in [
            "", "pau_", "pau_x\0", "pau_X", "del_abc", "pau_a/b", "pau_é", "%00",
        ] {
            assert_eq!(PauseId::parse(bad), None, "{bad:?}");
        }
        assert!(DeliveryId::parse("del_0123").is_some());
    }

    #[test]
    fn a_later_id_sorts_after_an_earlier_one() {
        let earlier = PauseId::generate();
        std::thread::sleep(std::time::Duration::from_millis(2));
        assert!(PauseId::generate().as_str() > earlier.as_str());
    }
}
