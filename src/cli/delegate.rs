//! `pausegate delegate`: an operator records that someone is away and who
//! decides for them meanwhile (`POST /api/v1/delegations`), and prints
//! what was recorded on one line.

use std::process::ExitCode;

use serde_json::json;

use super::client::Client;
use super::commands::api_failure;
use super::output::print_json;
use super::{ClientArgs, exit, fail};

/// `pausegate delegate`.
#[derive(Debug, clap::Args)]
pub(crate) struct DelegateArgs {
    /// Who is away (an address).
    #[arg(long)]
    pub person: String,
    /// Who decides for them meanwhile (an address).
    #[arg(long = "to")]
    pub delegate: String,
    /// Until when, RFC 3339 (2026-12-24T09:00:00+01:00).
    #[arg(long)]
    pub until: String,
    /// From when, RFC 3339; now when left out.
    #[arg(long)]
    pub from: Option<String>,
    /// Only pauses with this tag.
    #[arg(long)]
    pub tag: Option<String>,
    #[command(flatten)]
    pub client: ClientArgs,
}

/// Records the delegation; exit 2 with the server's reason when refused.
pub(crate) async fn run(args: DelegateArgs) -> ExitCode {
    let client = match Client::new(&args.client) {
        Ok(client) => client,
        Err(error) => return fail(&error),
    };
    let body = json!({"person": args.person, "delegate": args.delegate, "ends_at": args.until,
        "starts_at": args.from, "tag": args.tag});
    match client.post("/api/v1/delegations", &body).await {
        Ok(recorded) if args.client.json => {
            print_json(&recorded);
            ExitCode::from(exit::APPROVED)
        }
        Ok(d) => {
            let tag = d["tag"]
                .as_str()
                .map(|t| format!(" (tag {t})"))
                .unwrap_or_default();
            println!(
                "{}: {} decides for {} from {} until {}{tag}",
                d["id"].as_str().unwrap_or_default(),
                d["delegate"].as_str().unwrap_or_default(),
                d["person"].as_str().unwrap_or_default(),
                d["starts_at"].as_str().unwrap_or_default(),
                d["ends_at"].as_str().unwrap_or_default(),
            );
            ExitCode::from(exit::APPROVED)
        }
        Err(error) => api_failure(error),
    }
}
