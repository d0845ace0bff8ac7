//! `kind = "webhook"`: POST `{"event", "pause"}` with `Pausegate-Event`,
//! `Pausegate-Delivery` and, with a secret, `Pausegate-Signature:
//! t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.

use hmac::{Hmac, KeyInit, Mac};
use reqwest::Url;
use reqwest::header::CONTENT_TYPE;
use serde_json::json;
use sha2::Sha256;

use super::Trigger;
use super::response::{SendError, Sent, check, transport};
use crate::clock::Clock;
use crate::config::Secret;

/// Sends the event to `url`.
pub async fn send(
    client: &reqwest::Client,
    clock: &dyn Clock,
    url: &Url,
    secret: Option<&Secret>,
    trigger: Trigger<'_>,
) -> Result<Sent, SendError> {
    let body = json!({
        "event": trigger.event.as_str(),
        "pause": trigger.pause,
        "receipt": trigger.pause.receipt,
    })
    .to_string();
    let mut request = client
        .post(url.clone())
        .header(CONTENT_TYPE, "application/json")
        .header("Pausegate-Event", trigger.event.as_str())
        .header("Pausegate-Delivery", trigger.delivery_id.as_str());
    if let Some(secret) = secret {
        let signature = signature(secret, clock.now().timestamp(), &body);
        request = request.header("Pausegate-Signature", signature);
    }
    let response = request
        .body(body)
        .send()
        .await
        .map_err(|e| transport("the webhook", e))?;
    check("the webhook", response).await?;
    Ok(Sent::default())
}

/// `t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
pub fn signature(secret: &Secret, t: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(format!("{t}.{body}").as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_matches_a_known_vector() {
        // HMAC-SHA256(key="key", "1.{}"), computed with Python's hmac module.
        assert_eq!(
            signature(&Secret::new("key"), 1, "{}"),
            "t=1,v1=1ba6b8171186efc613e8bcc0cbdab2748f24984d7c5a84faa2637afa0e40d224"
        );
    }
}
