//! Identifiers: a short prefix saying what the id names, then 24 lowercase
//! base32 characters: 10 of the creation time in milliseconds, 14 (70
//! bits) random. Ids are names, not secrets (links carry tokens); leading
//! with the time makes each new id sort after the last, so inserting one
//! appends to the end of its indexes instead of touching a random page.
//! The time part is for locality only and never read back. Both parts
//! are given by the caller (see `clock::Mint`): nothing here reads a
//! clock or a random source.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Crockford's base32 in lowercase: its letters sort in ASCII order, so
/// ids sort by time.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// Characters of the time part; 50 bits of milliseconds last past AD 30,000.
const TIME_CHARS: u32 = 10;

/// Random bytes an id is made with: each gives one character (5 bits).
pub const ID_RANDOM_BYTES: usize = 14;

/// `prefix`, the time part from `millis`, the random part from `random`.
fn id_from_parts(prefix: &str, millis: u64, random: &[u8; ID_RANDOM_BYTES]) -> String {
    let time = (0..TIME_CHARS)
        .rev()
        .map(|i| ALPHABET[((millis >> (5 * i)) & 31) as usize] as char);
    let random = random.iter().map(|b| ALPHABET[(b & 31) as usize] as char);
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
            /// The id made at `millis` since the epoch with `random`
            /// bytes, which the caller draws (see `clock::Mint`).
            pub fn from_parts(millis: u64, random: &[u8; ID_RANDOM_BYTES]) -> Self {
                Self(id_from_parts($prefix, millis, random))
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
    /// Names one delegation: `dlg_…`.
    DelegationId,
    "dlg_"
);
id_type!(
    /// Names one claim of a delivery, so only the lease holder records its outcome.
    LeaseId,
    "lse_"
);

#[cfg(test)]
mod tests {
    use super::*;

    /// Milliseconds of 2023-11-14.
    const T: u64 = 1_700_000_000_000;

    #[test]
    fn generated_ids_carry_their_prefix_and_differ() {
        let a = PauseId::from_parts(T, &[1; ID_RANDOM_BYTES]);
        let b = PauseId::from_parts(T, &[2; ID_RANDOM_BYTES]);
        assert!(a.as_str().starts_with("pau_"));
        assert_eq!(a.as_str().len(), 28);
        assert_ne!(a, b);
        assert!(
            DeliveryId::from_parts(T, &[0; ID_RANDOM_BYTES])
                .as_str()
                .starts_with("del_")
        );
    }

    #[test]
    fn an_id_is_its_time_then_its_random_bytes_in_base32() {
        let mut random = [0u8; ID_RANDOM_BYTES];
        random[0] = 31;
        random[13] = 32 + 10; // only the low 5 bits count
        let id = LeaseId::from_parts(T, &random);
        assert_eq!(id.as_str(), "lse_01hf7yat00z000000000000a");
    }

    #[test]
    fn parse_accepts_generated_ids_and_nothing_strange() {
        let id = PauseId::from_parts(T, &[7; ID_RANDOM_BYTES]);
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
        let earlier = PauseId::from_parts(T, &[31; ID_RANDOM_BYTES]);
        let later = PauseId::from_parts(T + 1, &[0; ID_RANDOM_BYTES]);
        assert!(later.as_str() > earlier.as_str());
    }
}
