//! Idempotency keys belong to whoever sent them. A key is looked up only
//! among the pauses of the same scope (the caller that sent it, the server's
//! own key, or an orchestrator's callback), so another caller sending the
//! same key makes a pause of its own instead of opening the first caller's.
//! A repeated key must come with the same request: its fingerprint
//! (`pauses::commands::request_fingerprint`) is stored, and a different
//! body under a used key is refused rather than answered with a pause that
//! was made for something else (the rule of the IETF HTTPAPI draft "The
//! Idempotency-Key HTTP Header Field", §2.7, which answers such a request
//! 422).

/// Whose keys a key is compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyScope {
    /// Requests made with the server's own (unnamed) API key.
    Server,
    /// Requests of one identified caller, by its name.
    Caller(String),
    /// Keys derived from an orchestrator's callback (its URL or task
    /// token): the orchestrator's retry finds its pause whoever relays it.
    Callback,
}

impl KeyScope {
    /// The scope of a key sent by `requester` (`None`: the server's key),
    /// or of one derived from a callback.
    pub fn of(requester: Option<&str>, derived_from_callback: bool) -> Self {
        match (derived_from_callback, requester) {
            (true, _) => Self::Callback,
            (false, Some(name)) => Self::Caller(name.to_owned()),
            (false, None) => Self::Server,
        }
    }

    /// `key` as stored: the scope's length, the scope and the key, so that
    /// no two (scope, key) pairs are written the same way.
    pub fn stored_key(&self, key: &str) -> String {
        let scope = match self {
            Self::Server => "server".to_owned(),
            Self::Caller(name) => format!("caller:{name}"),
            Self::Callback => "callback".to_owned(),
        };
        // Characters, as SQL's length() counts them in the migration.
        format!("{}:{scope}:{key}", scope.chars().count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_never_write_the_same_stored_key() {
        let a = KeyScope::Caller("a:b".to_owned()).stored_key("c");
        let b = KeyScope::Caller("a".to_owned()).stored_key("b:c");
        assert_ne!(a, b);
        assert_ne!(
            KeyScope::Server.stored_key("k"),
            KeyScope::Caller("server".to_owned()).stored_key("k")
        );
        assert_ne!(
            KeyScope::Callback.stored_key("k"),
            KeyScope::Caller("callback".to_owned()).stored_key("k")
        );
    }
}
