//! `pausegate policy test`: what a Rego policy says of a pause, and why.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use super::refuse;
use crate::policies::{Answer, PolicyInput, PolicySet};

/// `pausegate policy`.
#[derive(Debug, Subcommand)]
pub(crate) enum PolicyCommand {
    /// Show what a Rego policy says of a pause, and why.
    Test {
        /// The policy file (package pausegate, rule decision).
        file: PathBuf,
        /// What the policy sees: a JSON file with title, data, tags, target, requester, group.
        #[arg(long)]
        input: PathBuf,
    },
}

/// Shows what a policy says of the pause in `--input`.
pub(crate) fn policy(command: PolicyCommand) -> ExitCode {
    let PolicyCommand::Test { file, input } = command;
    let name = file
        .file_stem()
        .map_or("policy".to_owned(), |s| s.to_string_lossy().into_owned());
    let set = match PolicySet::load(&[(name, file.clone())]) {
        Ok(set) => set,
        Err(why) => return refuse(&why),
    };
    let seen: PolicyInput = match std::fs::read_to_string(&input)
        .map_err(|e| e.to_string())
        .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()))
    {
        Ok(seen) => seen,
        Err(why) => return refuse(&format!("{}: {why}", input.display())),
    };
    match set.evaluate(&seen) {
        Ok(Answer::Settle {
            policy,
            verdict,
            reason,
        }) => {
            println!("{}: {policy} settles the pause at once", verdict.as_str());
            println!("why: {reason}");
        }
        Ok(Answer::Ask(ask)) => {
            println!("ask: people decide");
            ask.reasons.iter().for_each(|r| println!("why: {r}"));
            if let Some(approvers) = &ask.approvers {
                println!("approvers: {}", approvers.join(", "));
            }
            if let Some(n) = ask.approvals_required {
                println!("approvals_required: {n}");
            }
            if let Some(expires_in) = &ask.expires_in {
                println!("expires_in: {expires_in}");
            }
        }
        Err(why) => return refuse(&why),
    }
    ExitCode::SUCCESS
}
