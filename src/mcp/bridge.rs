//! `pausegate mcp`: the approval tools over stdio, for desktop clients
//! that start a command rather than reach a URL. Each line read on stdin
//! (one JSON-RPC message) is POSTed to a pausegate server's `/mcp` with
//! the API key and the routing headers the message implies; each message
//! that comes back (one JSON answer, or progress notifications and then
//! the answer from an event stream) is written to stdout as one line, as
//! it arrives. Requests run side by side, so a long `get_approval` wait
//! holds up nothing else. Nothing is kept here: the server holds it all.
//!
//! stdio transport (newline-delimited messages, stdout for protocol only,
//! stderr for logs, exit when stdin closes):
//! <https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#stdio>.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

use super::jsonrpc::{self, RpcError, UNAVAILABLE};

const SESSION_HEADER: &str = "mcp-session-id";

/// Relays stdio to one MCP endpoint over Streamable HTTP.
#[derive(Clone)]
pub struct Bridge {
    http: reqwest::Client,
    endpoint: String,
    authorization: Option<String>,
    /// The `Mcp-Session-Id` a server of the handshake revisions assigned,
    /// sent back on every later message.
    session: Arc<Mutex<Option<String>>>,
}

impl Bridge {
    /// A bridge to the pausegate server at `url`, calling it with `api_key`.
    pub fn new(url: &str, api_key: Option<&str>) -> Result<Self, String> {
        Self::to_endpoint(&format!("{}/mcp", url.trim_end_matches('/')), api_key)
    }

    /// A bridge to any MCP `endpoint`, with `bearer` if given.
    pub fn to_endpoint(endpoint: &str, bearer: Option<&str>) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| format!("cannot make an HTTP client: {e}"))?;
        Ok(Self {
            http,
            endpoint: endpoint.to_owned(),
            authorization: bearer.map(|key| format!("Bearer {key}")),
            session: Arc::default(),
        })
    }

    /// Relays until stdin closes and every answer is written.
    pub async fn run(self) -> std::io::Result<()> {
        let (sender, mut lines_out) = mpsc::channel::<String>(64);
        let writer = tokio::spawn(async move {
            let mut stdout = tokio::io::stdout();
            while let Some(line) = lines_out.recv().await {
                stdout.write_all(line.as_bytes()).await?;
                stdout.write_all(b"\n").await?;
                stdout.flush().await?;
            }
            Ok::<_, std::io::Error>(())
        });
        let mut lines = BufReader::new(tokio::io::stdin()).lines();
        while let Some(line) = lines.next_line().await? {
            if line.trim().is_empty() {
                continue;
            }
            let (bridge, sender) = (self.clone(), sender.clone());
            tokio::spawn(async move { bridge.relay(&line, &sender).await });
        }
        drop(sender);
        writer.await.map_err(std::io::Error::other)?
    }

    /// Sends one message and writes what comes back.
    pub async fn relay(&self, line: &str, out: &mpsc::Sender<String>) {
        let message: Value = serde_json::from_str(line).unwrap_or(Value::Null);
        let id = message.get("id").cloned();
        let mut request = self
            .http
            .post(&self.endpoint)
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json, text/event-stream")
            .body(line.to_owned());
        for (name, value) in routing_headers(&message) {
            request = request.header(name, value);
        }
        if let Some(authorization) = &self.authorization {
            request = request.header(AUTHORIZATION, authorization);
        }
        let session = self
            .session
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(session) = session {
            request = request.header(SESSION_HEADER, session);
        }
        let answered = match request.send().await {
            Ok(response) => self.read_answer(response, out).await,
            Err(error) => Err(format!("{} is out of reach: {error}", self.endpoint)),
        };
        if let (Err(why), Some(id)) = (answered, id) {
            let _ = out
                .send(jsonrpc::error(&id, &RpcError::new(UNAVAILABLE, why)).to_string())
                .await;
        }
    }

    /// Writes the messages of `response`; an answer that is not JSON-RPC
    /// (a refused key, a proxy's error page) is the error to report.
    async fn read_answer(
        &self,
        mut response: reqwest::Response,
        out: &mpsc::Sender<String>,
    ) -> Result<(), String> {
        let status = response.status();
        if let Some(session) = response
            .headers()
            .get(SESSION_HEADER)
            .and_then(|v| v.to_str().ok())
        {
            *self.session.lock().unwrap_or_else(|e| e.into_inner()) = Some(session.to_owned());
        }
        if status == reqwest::StatusCode::ACCEPTED {
            return Ok(());
        }
        let streamed = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        if streamed {
            let mut buffer = String::new();
            while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
                buffer.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buffer.find("\n\n") {
                    let event: String = buffer.drain(..end + 2).collect();
                    send_event(&event, out).await;
                }
            }
            return Ok(());
        }
        let body = response.text().await.map_err(|e| e.to_string())?;
        match serde_json::from_str::<Value>(&body) {
            Ok(message) if message.get("jsonrpc").is_some() => {
                let _ = out.send(message.to_string()).await;
                Ok(())
            }
            Ok(error) => Err(format!(
                "{} answered {status}: {}",
                self.endpoint,
                error["error"]["message"].as_str().unwrap_or(&body)
            )),
            Err(_) => Err(format!("{} answered {status}", self.endpoint)),
        }
    }
}

/// The message in one server-sent event, written as one line.
async fn send_event(event: &str, out: &mpsc::Sender<String>) {
    let data: Vec<&str> = event
        .lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .map(str::trim_start)
        .collect();
    if let Ok(message) = serde_json::from_str::<Value>(&data.join("\n")) {
        let _ = out.send(message.to_string()).await;
    }
}

/// `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name` for a message in
/// the 2026-07-28 envelope, read from the message itself.
pub fn routing_headers(message: &Value) -> Vec<(&'static str, String)> {
    let params = &message["params"];
    let Some(version) = params["_meta"]["io.modelcontextprotocol/protocolVersion"].as_str() else {
        return Vec::new();
    };
    let mut headers = vec![("mcp-protocol-version", version.to_owned())];
    if let Some(method) = message["method"].as_str() {
        headers.push(("mcp-method", method.to_owned()));
        let name = match method {
            "tools/call" => params["name"].as_str(),
            "tasks/get" | "tasks/cancel" | "tasks/update" => params["taskId"].as_str(),
            _ => None,
        };
        if let Some(name) = name.filter(|n| n.is_ascii() && !n.contains(['\r', '\n'])) {
            headers.push(("mcp-name", name.to_owned()));
        }
    }
    headers
}
