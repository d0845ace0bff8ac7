//! `pausegate mcp-gate`: a gateway in front of another MCP server. An MCP
//! client starts it as its server (stdio); it starts the upstream (a
//! command) or reaches it (a URL) and passes every message through both
//! ways, except `tools/call` for the tools it guards (by name, or by a
//! Rego policy that sees the server, the tool, its arguments and the
//! client). Such a call becomes a pause showing the tool and its
//! arguments, bound to the SHA-256 of the canonical arguments; it is
//! forwarded only once approved, only with those arguments, only once
//! (the gateway redeems the approval first). See [`guard`] for the rest.
//!
//! MCP: the messages it relays are the specification's (stdio and
//! Streamable HTTP, <https://modelcontextprotocol.io/specification/2025-11-25/basic/transports>);
//! it adds the Tasks extension (`io.modelcontextprotocol/tasks`) to the
//! capabilities the upstream announces, since it answers tasks for the
//! calls it holds.

mod config;
mod guard;
mod release;
mod upstream;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::{mpsc, oneshot};

pub use config::{GUARD_RULE, GateSettings, Upstream};

use super::task::EXTENSION;
use crate::cli::client::Client;
use crate::domain::PauseId;
use upstream::Link;

/// A running gateway.
pub(crate) struct Gate {
    settings: GateSettings,
    policy: Option<Mutex<regorus::Engine>>,
    link: Link,
    pausegate: Client,
    to_client: mpsc::Sender<String>,
    inbound: mpsc::Sender<String>,
    /// Forwarded calls waiting for the upstream's answer, by the id the gateway gave them.
    forwarded: Mutex<HashMap<String, oneshot::Sender<Value>>>,
    /// Requests whose answers announce the server (`initialize`, `server/discover`).
    announcing: Mutex<HashSet<String>>,
    /// Results of guarded calls answered as tasks, by pause id.
    results: Mutex<HashMap<String, Value>>,
    next_id: AtomicU64,
}

/// Runs the gateway on stdio until the client closes stdin.
pub(crate) async fn run(mut settings: GateSettings, pausegate: Client) -> std::io::Result<()> {
    let (to_client, mut client_out) = mpsc::channel::<String>(64);
    let (inbound, mut from_upstream) = mpsc::channel::<String>(64);
    let link = Link::start(&settings.upstream, inbound.clone()).map_err(std::io::Error::other)?;
    let policy = settings.policy.take().map(Mutex::new);
    let gate = Arc::new(Gate {
        settings,
        policy,
        link,
        pausegate,
        to_client,
        inbound,
        forwarded: Mutex::default(),
        announcing: Mutex::default(),
        results: Mutex::default(),
        next_id: AtomicU64::new(1),
    });
    tokio::spawn(async move {
        let mut stdout = tokio::io::stdout();
        while let Some(line) = client_out.recv().await {
            let written = async {
                stdout.write_all(line.as_bytes()).await?;
                stdout.write_all(b"\n").await?;
                stdout.flush().await
            };
            if written.await.is_err() {
                break;
            }
        }
    });
    let listener = gate.clone();
    tokio::spawn(async move {
        while let Some(line) = from_upstream.recv().await {
            listener.heard_from_upstream(line).await;
        }
    });
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = lines.next_line().await? {
        if !line.trim().is_empty() {
            gate.clone().heard_from_client(line).await;
        }
    }
    Ok(())
}

impl Gate {
    /// A message from the client: held when it calls a guarded tool or
    /// asks about a held call's task, else passed on.
    async fn heard_from_client(self: Arc<Self>, line: String) {
        let message: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
        let (Some(id), Some(method)) = (message.get("id").cloned(), message["method"].as_str())
        else {
            return self.link.send(line, &self.inbound).await;
        };
        let params = message["params"].as_object().cloned().unwrap_or_default();
        if method == "tools/call" && self.guards(&params) {
            tokio::spawn(async move { self.hold(id, params).await });
            return;
        }
        if matches!(method, "tasks/get" | "tasks/cancel")
            && let Some(task) = params
                .get("taskId")
                .and_then(Value::as_str)
                .and_then(PauseId::parse)
        {
            let method = method.to_owned();
            tokio::spawn(async move { self.task(id, &method, task, &params).await });
            return;
        }
        if matches!(method, "initialize" | "server/discover") {
            self.announcing
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(id.to_string());
        }
        self.link.send(line, &self.inbound).await;
    }

    /// A message from the upstream: the answer to a forwarded call goes
    /// to the call waiting for it; the rest to the client.
    async fn heard_from_upstream(&self, line: String) {
        let Ok(mut message) = serde_json::from_str::<Value>(&line) else {
            let _ = self.to_client.send(line).await;
            return;
        };
        let answer = message
            .get("method")
            .is_none()
            .then(|| message.get("id"))
            .flatten();
        if let Some(key) = answer.map(Value::to_string) {
            let waiter = self
                .forwarded
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&key);
            if let Some(waiter) = waiter {
                let _ = waiter.send(message);
                return;
            }
            let announced = self
                .announcing
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&key);
            if announced && message["result"]["capabilities"].is_object() {
                let capabilities = &mut message["result"]["capabilities"];
                if !capabilities["extensions"].is_object() {
                    capabilities["extensions"] = json!({});
                }
                capabilities["extensions"][EXTENSION] = json!({});
            }
        }
        let _ = self.to_client.send(message.to_string()).await;
    }

    /// Whether this call waits for approval: its tool is named in the
    /// file, or the policy's `guard` rule holds for it. A policy that
    /// fails guards the call rather than let it through.
    fn guards(&self, params: &Map<String, Value>) -> bool {
        let tool = params
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if self.settings.names(tool) {
            return true;
        }
        let Some(policy) = &self.policy else {
            return false;
        };
        let meta = &params.get("_meta").cloned().unwrap_or_default();
        let input = json!({
            "server": self.settings.name,
            "tool": tool,
            "arguments": params.get("arguments").cloned().unwrap_or_else(|| json!({})),
            // Declared by the client itself, so a hint, never a proof.
            "client": meta.get("io.modelcontextprotocol/clientInfo").cloned().unwrap_or_default(),
        });
        let mut engine = policy.lock().unwrap_or_else(|e| e.into_inner());
        let verdict = engine
            .set_input_json(&input.to_string())
            .and_then(|()| engine.eval_rule(GUARD_RULE.to_owned()));
        match verdict {
            Ok(value) => value != regorus::Value::Bool(false) && value != regorus::Value::Undefined,
            Err(error) => {
                tracing::error!(%error, tool, "the gateway's policy failed: the call is guarded");
                true
            }
        }
    }
}
