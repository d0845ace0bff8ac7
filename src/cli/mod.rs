//! The `pausegate` command: `serve` runs the server; the other commands are
//! a client of its API for any CI system (create a pause, wait for it,
//! read, list, decide, cancel). Each returns the process exit code.

mod attestation;
pub(crate) mod client;
mod commands;
mod delegate;
mod healthcheck;
mod outage;
mod output;
mod pause_body;
mod proofs;
mod serve;
mod wait;

use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::config::ServeArgs;

/// Exit codes of the client commands.
pub mod exit {
    /// `wait`: the pause was approved. Other commands: success.
    pub const APPROVED: u8 = 0;
    /// `wait`: rejected, expired or cancelled.
    pub const NOT_APPROVED: u8 = 1;
    /// A usage, auth or connection error, or a request the server refused
    /// (unknown pause, bad input, already decided).
    pub const FAILED: u8 = 2;
    /// `wait`: its own `--timeout` passed first.
    pub const TIMED_OUT: u8 = 3;
}

/// pausegate: pause a pipeline until a person approves, then resume it.
#[derive(Debug, Parser)]
#[command(name = "pausegate", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (SQLite file pausegate.db on 127.0.0.1:8080 unless told otherwise).
    Serve(ServeArgs),
    /// Create a pause; with --wait, block until it is decided.
    Pause(Box<commands::PauseArgs>),
    /// Block until a pause is decided: exit 0 approved, 1 rejected/expired/cancelled, 3 timeout.
    Wait(WaitArgs),
    /// Show a pause.
    Status(IdArgs),
    /// List pauses, newest first.
    List(commands::ListArgs),
    /// Approve a pause.
    Approve(commands::DecideArgs),
    /// Reject a pause.
    Reject(commands::DecideArgs),
    /// Cancel a pending pause.
    Cancel(IdArgs),
    /// Record that someone is away and who approves for them until then
    Delegate(delegate::DelegateArgs),
    /// Send a failed delivery again (same delivery id), e.g. after the receiver was down
    Redeliver(commands::RedeliverArgs),
    /// Exit 0 when the server is ready (for a container HEALTHCHECK or a probe)
    Healthcheck(healthcheck::HealthcheckArgs),
    /// Print a settled pause's attestation: its decision, signed, as a DSSE envelope (one line of JSON)
    Attestation(IdArgs),
    /// Check signed receipts offline: signature, chain, data and log proof; exit 0 or 1 with the reason
    Verify(proofs::VerifyArgs),
    /// Check the transparency log of receipts, from its server or its database
    #[command(subcommand)]
    Log(proofs::LogCommand),
    /// Check every receipt in the database against its pause, and the log
    #[command(subcommand)]
    Audit(proofs::AuditCommand),
    /// Try a Rego policy on a pause
    #[command(subcommand)]
    Policy(proofs::PolicyCommand),
    /// The approval tools for an MCP client over stdio, relayed to a pausegate server
    Mcp(McpArgs),
    /// A gateway in front of another MCP server: calls of guarded tools wait for approval
    McpGate(McpGateArgs),
}

/// `pausegate mcp-gate`.
#[derive(Debug, Args)]
pub struct McpGateArgs {
    /// The gateway's file: the upstream server and the tools it guards.
    #[arg(long, env = "PAUSEGATE_GATE_CONFIG")]
    pub config: std::path::PathBuf,
    /// The pausegate server and the key the gateway asks it with.
    #[command(flatten)]
    pub server: McpArgs,
}

/// Runs the gateway until its client closes stdin.
async fn mcp_gate(args: McpGateArgs) -> ExitCode {
    let settings = match crate::mcp::gate::GateSettings::load(&args.config) {
        Ok(settings) => settings,
        Err(why) => return fail(&why),
    };
    let client_args = ClientArgs {
        url: args.server.url,
        api_key: args.server.api_key,
        json: false,
    };
    let pausegate = match client::Client::new(&client_args) {
        Ok(client) => client,
        Err(why) => return fail(&why),
    };
    match crate::mcp::gate::run(settings, pausegate).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&format!("mcp-gate: {error}")),
    }
}

/// `pausegate mcp`.
#[derive(Debug, Args)]
pub struct McpArgs {
    /// Server URL.
    #[arg(long, env = "PAUSEGATE_URL", default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// API key (or OpenID Connect token) the tools are called with.
    #[arg(long, env = "PAUSEGATE_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
}

/// Relays stdio to the server until stdin closes.
async fn mcp(args: McpArgs) -> ExitCode {
    let bridge = match crate::mcp::bridge::Bridge::new(&args.url, args.api_key.as_deref()) {
        Ok(bridge) => bridge,
        Err(why) => return fail(&why),
    };
    match bridge.run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&format!("stdio: {error}")),
    }
}

/// Where the server is and how to talk to it.
#[derive(Debug, Clone, Args)]
pub struct ClientArgs {
    /// Server URL.
    #[arg(long, env = "PAUSEGATE_URL", default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// API key for the management API.
    #[arg(long, env = "PAUSEGATE_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// Print the API's JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// A command on one pause.
#[derive(Debug, Args)]
pub struct IdArgs {
    /// The pause id (pau_…).
    pub id: String,
    /// Where the server is and the key to call it with.
    #[command(flatten)]
    pub client: ClientArgs,
}

/// `pausegate wait`.
#[derive(Debug, Args)]
pub struct WaitArgs {
    /// The pause id (pau_…).
    pub id: String,
    /// Give up after this long (exit 3), e.g. 4h; default: until the pause is decided or expires.
    #[arg(long, value_parser = parse_timeout)]
    pub timeout: Option<Duration>,
    /// Where the server is and the key to call it with.
    #[command(flatten)]
    pub client: ClientArgs,
}

/// Parses `90s`, `15m`, `4h`, `7d` or whole seconds for `--timeout`.
pub fn parse_timeout(text: &str) -> Result<Duration, String> {
    crate::domain::parse_duration(text)?
        .to_std()
        .map_err(|e| e.to_string())
}

/// Parses the command line and runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => return fail(&format!("cannot start the async runtime: {error}")),
    };
    runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve::run(args).await,
            Command::Pause(args) => commands::pause(*args).await,
            Command::Wait(args) => commands::wait(args).await,
            Command::Status(args) => commands::status(args).await,
            Command::List(args) => commands::list(args).await,
            Command::Approve(args) => commands::decide(args, "approve").await,
            Command::Reject(args) => commands::decide(args, "reject").await,
            Command::Cancel(args) => commands::cancel(args).await,
            Command::Redeliver(args) => commands::redeliver(args).await,
            Command::Delegate(args) => delegate::run(args).await,
            Command::Healthcheck(args) => healthcheck::run(args).await,
            Command::Attestation(args) => attestation::run(args).await,
            Command::Verify(args) => proofs::verify_receipts(args).await,
            Command::Log(command) => proofs::log(command).await,
            Command::Audit(command) => proofs::audit(command).await,
            Command::Policy(command) => proofs::policy(command),
            Command::Mcp(args) => mcp(args).await,
            Command::McpGate(args) => mcp_gate(args).await,
        }
    })
}

/// Prints `message` as an error and returns the usage/auth/connection code.
pub fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(exit::FAILED)
}
