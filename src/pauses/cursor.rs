//! The list cursor: the position of the last pause on a page, opaque to
//! callers (base64url of `created_at_ms:id`).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::DateTime;

use crate::domain::{PauseId, ValidationError};
use crate::store::Cursor;

/// Writes a cursor for the API.
pub fn encode(cursor: &Cursor) -> String {
    let raw = format!("{}:{}", cursor.created_at.timestamp_millis(), cursor.id);
    URL_SAFE_NO_PAD.encode(raw)
}

/// Reads a cursor the API handed out; anything else is a 400 on `cursor`.
pub fn decode(text: &str) -> Result<Cursor, ValidationError> {
    let invalid = || {
        ValidationError::new(
            "cursor",
            "cursor is not one this server handed out; pass next_cursor from the previous page",
        )
    };
    let raw = URL_SAFE_NO_PAD.decode(text).map_err(|_| invalid())?;
    let raw = String::from_utf8(raw).map_err(|_| invalid())?;
    let (millis, id) = raw.split_once(':').ok_or_else(invalid)?;
    let created_at = millis
        .parse()
        .ok()
        .and_then(DateTime::from_timestamp_millis)
        .ok_or_else(invalid)?;
    let id = PauseId::parse(id).ok_or_else(invalid)?;
    Ok(Cursor { created_at, id })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Mint;
    use chrono::Utc;

    #[test]
    fn a_cursor_reads_back_as_written() {
        let cursor = Cursor {
            created_at: DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap(),
            id: Mint::system().pause_id(),
        };
        assert_eq!(decode(&encode(&cursor)).unwrap(), cursor);
    }

    #[test]
    fn a_made_up_cursor_is_refused_naming_the_field() {
        let nul = URL_SAFE_NO_PAD.encode("123:pau_\0x");
        for bad in ["", "!!", "bm9wZQ", "MTIzOnh5eg", nul.as_str()] {
            assert_eq!(decode(bad).unwrap_err().field, "cursor");
        }
    }
}
