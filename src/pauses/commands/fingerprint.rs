//! What a repeated idempotency key is compared by: the fingerprint of the
//! command it came with (see `domain::KeyScope` for whose keys meet). A
//! different request under a used key is refused, as the IETF HTTPAPI
//! draft "The Idempotency-Key HTTP Header Field" (§2.7) answers it.

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::PauseRequest;

/// The SHA-256 (hex) of what a caller asked for, as canonical JSON (keys
/// sorted), without the key itself and the callback an orchestrator adds
/// (whose access token may change between its retries).
pub fn request_fingerprint(request: &PauseRequest) -> String {
    let mut value = serde_json::to_value(request).unwrap_or(Value::Null);
    if let Value::Object(fields) = &mut value {
        for relay_field in ["idempotency_key", "callback", "callBackUri"] {
            fields.remove(relay_field);
        }
    }
    // serde_json's map is ordered by key, so the text is canonical.
    hex::encode(Sha256::digest(value.to_string().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(body: Value) -> PauseRequest {
        serde_json::from_value(body).unwrap()
    }

    #[test]
    fn the_fingerprint_ignores_key_order_and_the_key_but_not_the_content() {
        let one = request(json!({"title": "t", "data": {"a": 1, "b": 2}, "idempotency_key": "x"}));
        let same = request(json!({"data": {"b": 2, "a": 1}, "title": "t"}));
        let other = request(json!({"title": "t", "data": {"a": 1, "b": 3}}));
        assert_eq!(request_fingerprint(&one), request_fingerprint(&same));
        assert_ne!(request_fingerprint(&one), request_fingerprint(&other));
    }
}
