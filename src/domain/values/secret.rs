//! Text that carries its own authority: a callback URL (a signed URL), a
//! task token, a run's access token. Whoever reads it can answer for the
//! orchestrator, so its `Debug` never shows it, and using it takes an
//! explicit [`SecretText::expose`].

use std::fmt;

/// A secret from a request, kept as sent; serialized as its text (for the
/// stored callback), never shown by `Debug`.
#[derive(Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct SecretText(String);

impl SecretText {
    /// Wraps `text`.
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The secret itself, for the one place that checks or sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The secret itself, owned.
    pub fn into_exposed(self) -> String {
        self.0
    }
}

impl fmt::Debug for SecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_secret_and_serde_keeps_it() {
        let secret = SecretText::new("https://h.example.com/cb?sig=s3cret");
        assert!(!format!("{secret:?}").contains("s3cret"));
        let json = serde_json::to_string(&secret).unwrap();
        assert_eq!(json, "\"https://h.example.com/cb?sig=s3cret\"");
        assert_eq!(serde_json::from_str::<SecretText>(&json).unwrap(), secret);
    }
}
