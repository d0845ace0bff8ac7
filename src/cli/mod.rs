//! The `pausegate` command. `serve` runs the server; each command lives in
//! its own module and returns the process exit code.

mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::ServeArgs;

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
}

/// Parses the command line and runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(2);
        }
    };
    match cli.command {
        Command::Serve(args) => runtime.block_on(serve::run(args)),
    }
}
