//! Thousands of long polls at once: what they cost the server (memory
//! while they wait and after they leave, CPU per decision) and how soon
//! each is answered after its pause is decided.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::json;

use crate::load::{in_parallel, percentiles, read_tokens};
use crate::probe::{cpu_seconds, rss_mb};

/// `waiters`: hold long polls and decide.
#[derive(clap::Args)]
pub(crate) struct WaitersArgs {
    #[arg(long)]
    url: String,
    #[arg(long)]
    key: String,
    /// "id token" lines: `baseline` × 2 pauses to decide, then `waiters`
    /// pauses to wait on.
    #[arg(long)]
    tokens: PathBuf,
    #[arg(long, default_value_t = 10_000)]
    waiters: usize,
    /// Decisions timed for their CPU, with and without waiters.
    #[arg(long, default_value_t = 2_000)]
    baseline: usize,
    /// The server's process id, for its CPU time and memory.
    #[arg(long)]
    pid: u32,
}

pub(crate) async fn run(args: WaitersArgs) -> anyhow::Result<()> {
    let pauses = read_tokens(&args.tokens)?;
    let ids: Vec<String> = pauses.into_iter().map(|(id, _)| id).collect();
    let (quiet, busy) = (
        &ids[..args.baseline],
        &ids[args.baseline..args.baseline * 2],
    );
    let waited = &ids[args.baseline * 2..args.baseline * 2 + args.waiters];
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;
    let rss_before = rss_mb(args.pid)?;
    let cpu_quiet = decide_all(&client, &args, quiet).await?;

    let polls: Vec<_> = waited
        .iter()
        .map(|id| {
            let request = client
                .get(format!("{}/api/v1/pauses/{id}/wait?timeout=60s", args.url))
                .bearer_auth(&args.key)
                .send();
            tokio::spawn(async move {
                let answer = request.await?.error_for_status()?;
                let woken = Instant::now();
                let pause: serde_json::Value = answer.json().await?;
                anyhow::Ok((woken, pause["state"] == "approved"))
            })
        })
        .collect();
    wait_for_waiters(&client, &args.url, args.waiters).await?;
    let rss_waiting = rss_mb(args.pid)?;
    let cpu_busy = decide_all(&client, &args, busy).await?;

    let decided = decide_timed(&client, &args, waited).await?;
    let mut lags = Vec::with_capacity(polls.len());
    for (poll, decided_at) in polls.into_iter().zip(decided) {
        let (woken, approved) = poll.await??;
        anyhow::ensure!(approved, "a waiter was answered before its approval");
        lags.push(woken.saturating_duration_since(decided_at));
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let report = json!({
        "rss_before_mb": rss_before,
        "rss_waiting_mb": rss_waiting,
        "rss_after_mb": rss_mb(args.pid)?,
        "decision_cpu_us_without": cpu_quiet,
        "decision_cpu_us_with": cpu_busy,
        "wake": percentiles(lags),
    });
    println!("{report}");
    Ok(())
}

/// Approves `ids` through the API; the server's CPU per decision, in µs.
async fn decide_all(
    client: &reqwest::Client,
    args: &WaitersArgs,
    ids: &[String],
) -> anyhow::Result<f64> {
    let before = cpu_seconds(args.pid)?;
    decide_timed(client, args, ids).await?;
    let spent = cpu_seconds(args.pid)? - before;
    Ok(spent / ids.len() as f64 * 1e6)
}

/// Approves `ids`, 32 at a time; when each approval was answered.
async fn decide_timed(
    client: &reqwest::Client,
    args: &WaitersArgs,
    ids: &[String],
) -> anyhow::Result<Vec<Instant>> {
    in_parallel(ids.len(), 32, |i| {
        let request = client
            .post(format!("{}/api/v1/pauses/{}/approve", args.url, ids[i]))
            .bearer_auth(&args.key)
            .send();
        async move {
            request.await?.error_for_status()?;
            anyhow::Ok(Instant::now())
        }
    })
    .await
    .into_iter()
    .collect()
}

/// Waits until the server reports `count` long polls waiting.
async fn wait_for_waiters(client: &reqwest::Client, url: &str, count: usize) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let metrics = client
            .get(format!("{url}/metrics"))
            .send()
            .await?
            .text()
            .await?;
        let waiting = metrics
            .lines()
            .find_map(|line| line.strip_prefix("pausegate_waiting_requests "))
            .and_then(|value| value.trim().parse::<f64>().ok())
            .unwrap_or(0.0);
        if waiting as usize >= count {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    None.context("the long polls never all arrived")
}
