//! The line to the upstream MCP server: a child process (its stdin and
//! stdout, stderr left to ours) or a Streamable HTTP endpoint (through the
//! same relay `pausegate mcp` uses). Either way every message the upstream
//! sends arrives on one channel, one line each.

use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::{Mutex, mpsc};

use super::config::Upstream;
use crate::mcp::bridge::Bridge;

/// A started upstream.
pub(super) enum Link {
    /// A child process, killed when the gateway ends.
    Child {
        /// Its stdin, one writer at a time.
        stdin: Mutex<ChildStdin>,
        /// Held so it is killed on drop.
        _child: Box<Child>,
    },
    /// An HTTP endpoint.
    Http(Bridge),
}

impl Link {
    /// Starts `upstream`; what it says goes to `inbound`.
    pub(super) fn start(
        upstream: &Upstream,
        inbound: mpsc::Sender<String>,
    ) -> Result<Self, String> {
        match upstream {
            Upstream::Command(command) => {
                let mut child = Command::new(&command[0])
                    .args(&command[1..])
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .kill_on_drop(true)
                    .spawn()
                    .map_err(|e| format!("cannot start upstream {:?}: {e}", command[0]))?;
                let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
                    return Err("the upstream's stdio could not be opened".to_owned());
                };
                tokio::spawn(async move {
                    let mut lines = BufReader::new(stdout).lines();
                    while let Ok(Some(line)) = lines.next_line().await {
                        if inbound.send(line).await.is_err() {
                            break;
                        }
                    }
                });
                Ok(Self::Child {
                    stdin: Mutex::new(stdin),
                    _child: Box::new(child),
                })
            }
            Upstream::Url { url, bearer } => {
                Ok(Self::Http(Bridge::to_endpoint(url, bearer.as_deref())?))
            }
        }
    }

    /// Sends one message; answers arrive on the inbound channel.
    pub(super) async fn send(&self, line: String, inbound: &mpsc::Sender<String>) {
        match self {
            Self::Child { stdin, .. } => {
                let mut stdin = stdin.lock().await;
                let written = async {
                    stdin.write_all(line.as_bytes()).await?;
                    stdin.write_all(b"\n").await?;
                    stdin.flush().await
                };
                if let Err(error) = written.await {
                    tracing::error!(%error, "the upstream's stdin is closed");
                }
            }
            Self::Http(bridge) => {
                let (bridge, inbound) = (bridge.clone(), inbound.clone());
                tokio::spawn(async move { bridge.relay(&line, &inbound).await });
            }
        }
    }
}
