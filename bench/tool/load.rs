//! Load through the API: creating pauses (keeping their tokens) and
//! deciding them, each request timed.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

/// `seed`: create pauses.
#[derive(clap::Args)]
pub(crate) struct SeedArgs {
    #[arg(long)]
    url: String,
    #[arg(long)]
    key: String,
    #[arg(long)]
    count: usize,
    /// File to write "id token" lines to.
    #[arg(long)]
    out: PathBuf,
    /// Target to start on approval.
    #[arg(long)]
    target: Option<String>,
    #[arg(long, default_value = "24h")]
    expires_in: String,
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
}

/// `decide`: approve pauses by token, timing each request.
#[derive(clap::Args)]
pub(crate) struct DecideArgs {
    #[arg(long)]
    url: String,
    /// A file of "id token" lines, as `seed` writes.
    #[arg(long)]
    tokens: PathBuf,
    /// How many to decide (from the start of the file).
    #[arg(long)]
    count: usize,
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
}

/// Runs `count` jobs, `concurrency` at a time; their results in order.
pub(crate) async fn in_parallel<T, F, Fut>(count: usize, concurrency: usize, job: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(concurrency));
    let mut handles = Vec::with_capacity(count);
    for i in 0..count {
        let permit = permits
            .clone()
            .acquire_owned()
            .await
            .expect("open semaphore");
        let running = job(i);
        handles.push(tokio::spawn(async move {
            let result = running.await;
            drop(permit);
            result
        }));
    }
    let mut results = Vec::with_capacity(count);
    for handle in handles {
        results.push(handle.await.expect("a job panicked"));
    }
    results
}

pub(crate) async fn seed(args: SeedArgs) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let started = Instant::now();
    let url = format!("{}/api/v1/pauses", args.url);
    let mut body =
        json!({"title": "bench", "data": {"rows": 12345}, "expires_in": args.expires_in});
    if let Some(target) = &args.target {
        body["target"] = json!(target);
    }
    let created = in_parallel(args.count, args.concurrency, |_| {
        let request = client.post(&url).bearer_auth(&args.key).json(&body).send();
        async move {
            let answer: Value = request.await?.error_for_status()?.json().await?;
            let id = answer["id"].as_str().context("no id")?.to_owned();
            let token = answer["token"].as_str().context("no token")?.to_owned();
            anyhow::Ok(format!("{id} {token}\n"))
        }
    })
    .await;
    let lines: String = created.into_iter().collect::<anyhow::Result<_>>()?;
    std::fs::write(&args.out, lines)?;
    let seconds = started.elapsed().as_secs_f64();
    println!("{}", json!({"seeded": args.count, "seconds": seconds}));
    Ok(())
}

pub(crate) async fn decide(args: DecideArgs) -> anyhow::Result<()> {
    let tokens = read_tokens(&args.tokens)?;
    if tokens.len() < args.count {
        bail!(
            "{} tokens in the file; {} asked for",
            tokens.len(),
            args.count
        );
    }
    let client = reqwest::Client::new();
    let started = Instant::now();
    let latencies = in_parallel(args.count, args.concurrency, |i| {
        let request = client
            .post(format!("{}/r/{}", args.url, tokens[i].1))
            .form(&[("decision", "approve")])
            .send();
        async move {
            let sent = Instant::now();
            let status = request.await?.status();
            if !status.is_success() {
                bail!("a decision answered {status}");
            }
            anyhow::Ok(sent.elapsed())
        }
    })
    .await
    .into_iter()
    .collect::<anyhow::Result<Vec<_>>>()?;
    let rate = args.count as f64 / started.elapsed().as_secs_f64();
    let mut report = percentiles(latencies);
    report["per_second"] = json!(rate);
    println!("{report}");
    Ok(())
}

/// "id token" lines.
pub(crate) fn read_tokens(path: &PathBuf) -> anyhow::Result<Vec<(String, String)>> {
    let text = std::fs::read_to_string(path)?;
    text.lines()
        .map(|line| {
            let (id, token) = line.split_once(' ').context("a line without a token")?;
            Ok((id.to_owned(), token.to_owned()))
        })
        .collect()
}

/// p50, p99 and max of `samples`, in milliseconds.
pub(crate) fn percentiles(mut samples: Vec<Duration>) -> Value {
    samples.sort();
    let at = |q: f64| {
        let index = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples.get(index).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    json!({"count": samples.len(), "p50_ms": at(0.5), "p99_ms": at(0.99), "max_ms": at(1.0)})
}
