//! Times `tools/call` round trips to an MCP server started as a command
//! (stdio): the upstream alone, or `pausegate mcp-gate` in front of it, so
//! the gateway's added latency is the difference. One client, one call at
//! a time, after the `initialize` handshake and a warm-up.

use std::process::Stdio;
use std::time::Instant;

use anyhow::{Context, bail};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{ChildStdin, ChildStdout, Command};

/// `bench-tool mcp-latency`.
#[derive(clap::Args)]
pub(crate) struct McpLatencyArgs {
    /// Calls timed (after 20 not timed).
    #[arg(long, default_value_t = 500)]
    calls: usize,
    /// The tool called.
    #[arg(long)]
    tool: String,
    /// Its arguments, as JSON.
    #[arg(long)]
    arguments: String,
    /// The server's command and arguments.
    #[arg(last = true, required = true)]
    command: Vec<String>,
}

struct Stdio2 {
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Stdio2 {
    async fn send(&mut self, message: &Value) -> anyhow::Result<()> {
        self.stdin
            .write_all(format!("{message}\n").as_bytes())
            .await?;
        Ok(self.stdin.flush().await?)
    }

    /// Reads until the answer to request `id`, skipping notifications.
    async fn answer(&mut self, id: u64) -> anyhow::Result<Value> {
        while let Some(line) = self.lines.next_line().await? {
            let message: Value = serde_json::from_str(&line)?;
            if message["id"] == json!(id) {
                if message.get("error").is_some() {
                    bail!("the server answered an error: {message}");
                }
                return Ok(message);
            }
        }
        bail!("the server closed its stdout")
    }
}

pub(crate) async fn run(args: McpLatencyArgs) -> anyhow::Result<()> {
    let mut child = Command::new(&args.command[0])
        .args(&args.command[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("starting the server")?;
    let mut io = Stdio2 {
        stdin: child.stdin.take().context("stdin")?,
        lines: BufReader::new(child.stdout.take().context("stdout")?).lines(),
    };
    io.send(
        &json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "bench", "version": "1"}}}),
    )
    .await?;
    io.answer(0).await?;
    io.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        .await?;
    let arguments: Value = serde_json::from_str(&args.arguments)?;
    let mut micros = Vec::with_capacity(args.calls);
    for id in 1..=(args.calls as u64 + 20) {
        let call = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": {"name": args.tool, "arguments": arguments}});
        let started = Instant::now();
        io.send(&call).await?;
        io.answer(id).await?;
        if id > 20 {
            micros.push(started.elapsed().as_micros() as f64);
        }
    }
    micros.sort_by(f64::total_cmp);
    let at = |q: f64| micros[((micros.len() as f64 * q) as usize).min(micros.len() - 1)] / 1000.0;
    println!(
        "{}",
        json!({"calls": micros.len(), "p50_ms": at(0.50), "p99_ms": at(0.99)})
    );
    Ok(())
}
