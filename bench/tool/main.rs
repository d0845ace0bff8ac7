//! The benchmark's helper, driven by `bench/run.sh`: it seeds pauses
//! through the API or straight into a database, receives webhooks and
//! counts them, holds thousands of long polls, times start-up, and times
//! MCP calls through the gateway. Every
//! figure it prints is one JSON object per line, for the script to read.

mod fill;
mod load;
mod mcp;
mod probe;
mod sink;
mod waiters;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "Helpers for bench/run.sh")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Creates pauses through the API; writes "id token" lines.
    Seed(load::SeedArgs),
    /// Decides pauses by token through the review form; prints latencies.
    Decide(load::DecideArgs),
    /// Inserts pauses straight into a database (fast filler for scale).
    Fill(fill::FillArgs),
    /// Receives webhooks and counts them by delivery id.
    Sink(sink::SinkArgs),
    /// Holds long polls, decides, and measures wake-ups and CPU.
    Waiters(waiters::WaitersArgs),
    /// Starts the server and times it until it is ready; idle RSS and CPU.
    Startup(probe::StartupArgs),
    /// Times tools/call round trips to an MCP server over stdio.
    McpLatency(mcp::McpLatencyArgs),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Seed(args) => load::seed(args).await,
        Command::Decide(args) => load::decide(args).await,
        Command::Fill(args) => fill::fill(args).await,
        Command::Sink(args) => sink::run(args).await,
        Command::Waiters(args) => waiters::run(args).await,
        Command::Startup(args) => probe::startup(args).await,
        Command::McpLatency(args) => mcp::run(args).await,
    }
}
