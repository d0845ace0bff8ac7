//! `[targets.NAME] kind = "webhook"`: POST `{"event", "pause", "receipt"}`
//! with `Pausegate-Event`, `Pausegate-Delivery` and, with a secret,
//! `Pausegate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
//! "<t>.<body>")>` (the scheme receivers verify in a few lines).

use std::sync::Arc;

use async_trait::async_trait;
use hmac::{Hmac, KeyInit, Mac};
use reqwest::Url;
use reqwest::header::CONTENT_TYPE;
use serde::Deserialize;
use serde_json::json;
use sha2::Sha256;

use super::kit::{Kit, Raw, Starter, Target, TargetParts, Trigger};
use super::registry::{Integration, Register};
use super::{Registry, Sections, Setup};
use crate::config::{Env, Secret, parse_url};
use crate::outbox::{SendError, Sent, check, transport};

/// The registry's entry.
pub(crate) const INTEGRATION: Integration = Integration {
    register: register as Register,
    openapi: None,
};

/// Registers the `webhook` target kind.
fn register(registry: &mut Registry, _: &mut Sections, _: &Setup) -> Result<(), String> {
    registry.target_kind("webhook", resolve);
    Ok(())
}

/// `kind = "webhook"` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookFile {
    url: String,
    secret_env: Option<String>,
    max_per_hour: Option<u32>,
}

fn resolve(name: &str, raw: &Raw, env: &Env) -> Result<TargetParts, String> {
    let key = |k: &str| format!("targets.{name}.{k}");
    let file: WebhookFile = raw.parse(&format!("targets.{name}"))?;
    let starter = Webhook {
        url: parse_url(&key("url"), &file.url)?,
        secret: file
            .secret_env
            .map(|var| env.secret(&key("secret_env"), &var))
            .transpose()?,
    };
    Ok(TargetParts {
        starter: Arc::new(starter),
        overridable: Vec::new(),
        max_per_hour: file.max_per_hour,
        allowed: &[],
    })
}

/// POST the event to `url`, signed when a secret is set.
struct Webhook {
    url: Url,
    secret: Option<Secret>,
}

#[async_trait]
impl Starter for Webhook {
    fn kind(&self) -> &'static str {
        "webhook"
    }

    fn what(&self) -> &'static str {
        "webhook"
    }

    async fn start(&self, kit: &Kit, _: &Target, trigger: Trigger<'_>) -> Result<Sent, SendError> {
        let body = json!({
            "event": trigger.event.as_str(),
            "pause": trigger.pause,
            "receipt": trigger.pause.receipt,
        })
        .to_string();
        let mut request = kit
            .client
            .post(self.url.clone())
            .header(CONTENT_TYPE, "application/json")
            .header("Pausegate-Event", trigger.event.as_str())
            .header("Pausegate-Delivery", trigger.delivery_id.as_str());
        if let Some(secret) = &self.secret {
            let signature = signature(secret, kit.clock.now().timestamp(), &body);
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
}

/// `t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
pub(crate) fn signature(secret: &Secret, t: i64, body: &str) -> String {
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
