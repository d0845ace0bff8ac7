//! Review-link tokens. A [`Token`] is the secret itself and exists only in
//! memory between minting and handing it out; what is stored and looked up is
//! its [`TokenHash`]. Neither prints its value through `Debug`. The random
//! bytes are drawn by the caller (see `clock::Mint`), never here.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// Bytes of randomness in a token.
pub const TOKEN_BYTES: usize = 64;
/// Length of a token in base64url without padding.
pub(crate) const TOKEN_LEN: usize = 86;

/// The secret in a review link: 64 bytes from the OS CSPRNG, base64url.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// The token made of `random` bytes, which must come from a CSPRNG
    /// (the operating system's, through `clock::Mint`).
    pub fn from_random(random: &[u8; TOKEN_BYTES]) -> Self {
        Self(URL_SAFE_NO_PAD.encode(random))
    }

    /// Accepts text that has the shape of a token. Anything else cannot name
    /// a stored token, so callers answer "unknown" without a lookup.
    pub fn parse(text: &str) -> Option<Self> {
        let decoded = URL_SAFE_NO_PAD.decode(text.as_bytes()).ok()?;
        (text.len() == TOKEN_LEN && decoded.len() == TOKEN_BYTES).then(|| Self(text.to_owned()))
    }

    /// The token as it appears in a link. Handle with care: never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The SHA-256 that is stored in place of the token.
    pub fn hash(&self) -> TokenHash {
        TokenHash(Sha256::digest(self.0.as_bytes()).into())
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token([redacted])")
    }
}

/// SHA-256 of a token: what the store keeps and indexes. A lookup by this
/// value goes through an index on a hash the caller cannot steer, so response
/// time says nothing about how close a guess was.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TokenHash([u8; 32]);

impl TokenHash {
    /// Wraps a hash read back from storage.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The raw hash bytes, for storage.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenHash([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A token from bytes that differ with `n`.
    fn token_of(n: u8) -> Token {
        let mut random = [0u8; TOKEN_BYTES];
        for (i, b) in random.iter_mut().enumerate() {
            *b = n.wrapping_mul(31).wrapping_add(i as u8);
        }
        Token::from_random(&random)
    }

    #[test]
    fn a_minted_token_is_86_url_safe_characters() {
        let token = token_of(1);
        assert_eq!(token.expose().len(), TOKEN_LEN);
        assert!(
            token
                .expose()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_ne!(token, token_of(2));
    }

    #[test]
    fn parse_accepts_only_token_shaped_text() {
        let token = token_of(3);
        assert_eq!(Token::parse(token.expose()), Some(token.clone()));
        assert_eq!(Token::parse("short"), None);
        assert_eq!(Token::parse(&"!".repeat(TOKEN_LEN)), None);
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let token = token_of(4);
        let shown = format!("{token:?} {:?}", token.hash());
        assert!(!shown.contains(token.expose()));
        assert!(shown.contains("redacted"));
    }

    #[test]
    fn the_hash_is_stable_for_one_token() {
        let token = token_of(5);
        assert_eq!(token.hash(), Token::parse(token.expose()).unwrap().hash());
        assert_ne!(token.hash(), token_of(6).hash());
    }
}
