//! Timestamps in the API: RFC 3339, UTC, whole seconds (`2026-11-23T19:00:00Z`).

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serializer};

/// Formats a time as the API shows it.
pub fn rfc3339(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Serde adapter for a required timestamp.
pub mod required {
    use super::*;

    /// Writes the time as RFC 3339 UTC.
    pub fn serialize<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&rfc3339(at))
    }

    /// Reads any RFC 3339 time.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        DateTime::<Utc>::deserialize(d)
    }
}

/// Serde adapter for an optional timestamp (`null` when absent).
pub mod optional {
    use super::*;

    /// Writes the time as RFC 3339 UTC, or `null`.
    pub fn serialize<S: Serializer>(at: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => s.serialize_str(&rfc3339(at)),
            None => s.serialize_none(),
        }
    }

    /// Reads an RFC 3339 time or `null`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        Option::<DateTime<Utc>>::deserialize(d)
    }
}
