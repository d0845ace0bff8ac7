//! A guarded call's way through the gateway.
//!
//! 1. Its arguments are made canonical (keys sorted, no spaces) and
//!    hashed (SHA-256). The pause for it is found by a tag made from the
//!    server, the tool and that hash, so the same call retried finds the
//!    same pause; otherwise a new one is asked for, showing the tool and
//!    its arguments (`data.mcp`) to the approvers.
//! 2. With a client that declares the Tasks extension, the call is
//!    answered at once with a task (its id the pause id); `tasks/get`
//!    shows it working, then completed with the upstream's result. Without
//!    it, the call is held up to `hold`, with progress notifications when
//!    the client asked for them, then answered with the pause id (and the
//!    review link when this call asked) and a hint to call again.
//! 3. Once settled, the gateway redeems the pause (one redemption per
//!    pause, kept by the server) and only then forwards, with the
//!    arguments the approvers saw after checking they hash as recorded.
//!    A pause already redeemed (a replay) asks anew; a refusal is a tool
//!    error saying who refused and why. The forwarded call's result
//!    carries the receipt in `_meta`.
//!
//! Progress: <https://modelcontextprotocol.io/specification/2025-11-25/basic/utilities/progress>;
//! tool errors: <https://modelcontextprotocol.io/specification/2025-11-25/server/tools#error-handling>.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use tokio::time::Instant;

use super::Gate;
use super::release::{task, tool_error, unavailable};
use crate::cli::client::ClientError;
use crate::mcp::jsonrpc::{self, RpcError, UNAVAILABLE};

/// How often a held call reports progress.
const PROGRESS_EVERY: Duration = Duration::from_secs(5);

/// A guarded call, as bound to its pause.
pub(super) struct Bound {
    tool: String,
    arguments: Value,
    /// SHA-256 of the canonical arguments, hex.
    pub(super) sha256: String,
    tag: String,
}

impl Bound {
    pub(super) fn new(server: &str, tool: &str, arguments: Value) -> Self {
        // serde_json's map keeps keys sorted: this is the canonical form.
        let canonical = arguments.to_string();
        let sha256 = hex::encode(Sha256::digest(canonical.as_bytes()));
        let key = Sha256::digest(format!("{server}\0{tool}\0{sha256}").as_bytes());
        Self {
            tool: tool.to_owned(),
            arguments,
            sha256,
            tag: format!("mcp:{}", &hex::encode(key)[..40]),
        }
    }
}

/// Where a guarded call stands with its pause.
enum Standing {
    /// Pending; the review link when this call asked for it.
    Waiting(Value, Option<String>),
    /// Settled and redeemed by this call: act on it now.
    Redeemed(Value),
}

impl Gate {
    /// Answers guarded call `id` (a task, a held answer, or the result).
    pub(super) async fn hold(self: Arc<Self>, id: Value, params: Map<String, Value>) {
        let meta = params.get("_meta").cloned().unwrap_or_default();
        let modern = meta
            .get("io.modelcontextprotocol/protocolVersion")
            .is_some();
        let tool = params
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let arguments = params
            .get("arguments")
            .cloned()
            .unwrap_or_else(|| json!({}));
        let bound = Bound::new(&self.settings.name, tool, arguments);
        let tasks = meta["io.modelcontextprotocol/clientCapabilities"]["extensions"]
            [super::EXTENSION]
            .is_object();
        let answer = match self.standing(&bound).await {
            Err(why) => Err(RpcError::new(UNAVAILABLE, why)),
            Ok(Standing::Redeemed(pause)) => self.finish(&pause, &meta).await,
            Ok(Standing::Waiting(pause, _)) if tasks => {
                let mut created = task(&pause, None);
                created["resultType"] = json!("task");
                Ok(created)
            }
            Ok(Standing::Waiting(pause, link)) => self.held(pause, link, &meta).await,
        };
        let message = match answer {
            Ok(mut result) => {
                if modern && result.get("resultType").is_none() {
                    result["resultType"] = json!("complete");
                }
                jsonrpc::result(&id, result)
            }
            Err(error) => jsonrpc::error(&id, &error),
        };
        let _ = self.to_client.send(message.to_string()).await;
    }

    /// The pause for `bound`: the newest with its tag if pending, or
    /// settled and redeemable; otherwise a new one.
    async fn standing(&self, bound: &Bound) -> Result<Standing, String> {
        let page = self
            .pausegate
            .list(None, Some(&bound.tag), None)
            .await
            .map_err(|e| e.to_string())?;
        if let Some(newest) = page["items"].get(0) {
            if newest["state"] == "pending" {
                return Ok(Standing::Waiting(newest.clone(), None));
            }
            match self
                .pausegate
                .redeem(newest["id"].as_str().unwrap_or_default())
                .await
            {
                Ok(redeemed) => return Ok(Standing::Redeemed(redeemed)),
                Err(ClientError::Declined(_)) => {} // used before: this is a new call
                Err(other) => return Err(other.to_string()),
            }
        }
        let ask = self.ask(bound);
        let created = self
            .pausegate
            .create(&ask)
            .await
            .map_err(|e| e.to_string())?;
        let link = created["review_url"].as_str().map(str::to_owned);
        if created["state"] == "pending" {
            return Ok(Standing::Waiting(created, link));
        }
        // A policy settled it at once.
        let id = created["id"].as_str().unwrap_or_default();
        self.pausegate
            .redeem(id)
            .await
            .map(Standing::Redeemed)
            .map_err(|e| e.to_string())
    }

    /// The pause a guarded call asks for.
    fn ask(&self, bound: &Bound) -> Value {
        let server = &self.settings.name;
        let mut title: String = format!("{server}: {}", bound.tool);
        if title.chars().count() > 200 {
            title = title.chars().take(199).collect::<String>() + "…";
        }
        let mut ask = self.settings.ask.clone();
        ask["title"] = json!(title);
        ask["description"] = json!(format!(
            "An AI agent asks to call the tool {} on {server} with the arguments below. \
             Approving lets this exact call run once.",
            bound.tool
        ));
        ask["data"] = json!({"mcp": {"server": server, "tool": bound.tool,
            "arguments": bound.arguments, "arguments_sha256": bound.sha256}});
        ask["tags"] = json!([bound.tag, "mcp-gate"]);
        ask
    }

    /// Holds a call for a client without tasks: up to `hold`, reporting
    /// progress if asked, then the outcome or a hint to call again.
    async fn held(
        &self,
        pause: Value,
        link: Option<String>,
        meta: &Value,
    ) -> Result<Value, RpcError> {
        let id = pause["id"].as_str().unwrap_or_default().to_owned();
        let token = meta.get("progressToken").cloned();
        let hold = self.settings.hold;
        let deadline = Instant::now() + hold;
        let mut pause = pause;
        while pause["state"] == "pending" {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(still_pending(&id, link));
            }
            pause = self
                .pausegate
                .wait(&id, left.min(PROGRESS_EVERY))
                .await
                .map_err(unavailable)?;
            if let (Some(token), true) = (&token, pause["state"] == "pending") {
                let waited =
                    hold.saturating_sub(deadline.saturating_duration_since(Instant::now()));
                let note = jsonrpc::notification(
                    "notifications/progress",
                    json!({"progressToken": token,
                    "progress": waited.as_secs_f64(), "total": hold.as_secs_f64(),
                    "message": format!("waiting for approval ({id})")}),
                );
                let _ = self.to_client.send(note.to_string()).await;
            }
        }
        match self.pausegate.redeem(&id).await {
            Ok(redeemed) => self.finish(&redeemed, meta).await,
            Err(ClientError::Declined(why)) => Ok(tool_error(
                &format!("{why}; call again to ask anew"),
                json!({}),
            )),
            Err(other) => Err(unavailable(other)),
        }
    }
}

fn still_pending(id: &str, link: Option<String>) -> Value {
    let text = format!(
        "Waiting for a person to approve this call (approval {id}). Call the tool again with the \
         same arguments later: it runs once approved."
    );
    tool_error(
        &text,
        json!({"pause_id": id, "state": "pending", "review_url": link, "retry_after_seconds": 60}),
    )
}
