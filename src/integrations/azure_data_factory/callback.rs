//! `callBackUri` (kind `adf_webhook`): Data Factory's WebHook activity.
//! Azure Data Factory, "Webhook activity", section "Additional notes"
//! (learn.microsoft.com/azure/data-factory/control-flow-webhook-activity):
//! the activity adds `callBackUri` to the JSON body it POSTs, waits up to
//! its `timeout` (default 10 minutes) for a POST there with a JSON body,
//! and with `reportStatusOnCallBack` reads `Output`, `Error` (`ErrorCode`,
//! `Message`) and `StatusCode` (a string; ≥ 400 fails the activity).

use async_trait::async_trait;
use serde_json::{Value, json};

use crate::domain::{Callback, DeliveryId, Pause, failure, outcome, outcome_message};
use crate::integrations::kit::{CallbackKind, Kit, post_to_url};
use crate::outbox::{SendError, Sent};

/// The callback kind.
pub(crate) const KIND: &str = "adf_webhook";

/// Answers a WebHook activity.
pub(crate) struct WebhookActivity;

#[async_trait]
impl CallbackKind for WebhookActivity {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn what(&self) -> &'static str {
        "Azure Data Factory Webhook activity"
    }

    async fn answer(
        &self,
        kit: &Kit,
        callback: &Callback,
        delivery: &DeliveryId,
        pause: &Pause,
    ) -> Result<Sent, SendError> {
        post_to_url(kit, callback, delivery, &body(pause), None).await
    }
}

/// What the activity reads: the outcome, and for anything but an
/// approval an error with a status that fails it.
fn body(pause: &Pause) -> Value {
    let outcome = outcome(pause);
    match failure(pause.state) {
        None => json!({"Output": outcome, "StatusCode": "200"}),
        Some((status, code)) => json!({
            "Output": outcome,
            "Error": {"ErrorCode": code, "Message": outcome_message(pause)},
            "StatusCode": status,
        }),
    }
}
