//! `pausegate healthcheck`: for a container's `HEALTHCHECK` or a probe,
//! asks the server's `/readyz` (or `/healthz` with `--live`) and exits 0
//! when it answers 200, 1 otherwise, within a few seconds.

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

/// `pausegate healthcheck`.
#[derive(Debug, Args)]
pub(crate) struct HealthcheckArgs {
    /// Server URL.
    #[arg(long, env = "PAUSEGATE_URL", default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// Only check that the process answers (`/healthz`), not its database.
    #[arg(long)]
    pub live: bool,
}

/// Exits 0 when the server is ready (or alive, with `--live`).
pub(crate) async fn run(args: HealthcheckArgs) -> ExitCode {
    let path = if args.live { "healthz" } else { "readyz" };
    let url = format!("{}/{path}", args.url.trim_end_matches('/'));
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .build()
    {
        Ok(client) => client,
        Err(error) => return unhealthy(&format!("cannot build a client: {error}")),
    };
    match client.get(&url).send().await {
        Ok(answer) if answer.status().is_success() => ExitCode::SUCCESS,
        Ok(answer) => unhealthy(&format!("{url} answered {}", answer.status())),
        Err(error) => unhealthy(&format!("{url} did not answer: {}", error.without_url())),
    }
}

fn unhealthy(why: &str) -> ExitCode {
    eprintln!("unhealthy: {why}");
    ExitCode::FAILURE
}
