//! The server as a process: how long it takes to be ready, and what it
//! costs sitting idle (memory, and CPU over ten seconds).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};

/// `startup`: start the server, time it, watch it idle.
#[derive(clap::Args)]
pub(crate) struct StartupArgs {
    /// The pausegate binary.
    #[arg(long)]
    binary: PathBuf,
    #[arg(long)]
    database_url: String,
    /// Seconds to watch it idle.
    #[arg(long, default_value_t = 10)]
    idle_seconds: u64,
}

pub(crate) async fn startup(args: StartupArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut child = tokio::process::Command::new(&args.binary)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            &args.database_url,
        ])
        .env("PAUSEGATE_API_KEY", "bench-key")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let mut lines = BufReader::new(child.stdout.take().context("no stdout")?).lines();
    let address = loop {
        let line = lines.next_line().await?.context("the server stopped")?;
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break rest.trim().to_owned();
        }
    };
    let client = reqwest::Client::new();
    while !client
        .get(format!("http://{address}/readyz"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let ready_ms = started.elapsed().as_secs_f64() * 1000.0;
    // Keep reading its output so it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let pid = child.id().context("no pid")?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let cpu_before = cpu_seconds(pid)?;
    tokio::time::sleep(Duration::from_secs(args.idle_seconds)).await;
    let idle_cpu = (cpu_seconds(pid)? - cpu_before) / args.idle_seconds as f64 * 100.0;
    let report = json!({
        "ready_ms": ready_ms,
        "idle_rss_mb": rss_mb(pid)?,
        "idle_cpu_percent": idle_cpu,
    });
    println!("{report}");
    child.kill().await?;
    Ok(())
}

/// User and system CPU time the process has used, in seconds.
pub(crate) fn cpu_seconds(pid: u32) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name (which may hold spaces) end with ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .context("odd /proc stat")?
        .1
        .split_whitespace()
        .collect();
    let ticks: f64 = fields[11].parse::<f64>()? + fields[12].parse::<f64>()?;
    Ok(ticks / 100.0)
}

/// Resident memory, in MiB.
pub(crate) fn rss_mb(pid: u32) -> anyhow::Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .context("no VmRSS")?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()?;
    Ok(kib / 1024.0)
}
