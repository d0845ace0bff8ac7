//! `pausegate log verify`: the transparency log checked whole.
//!
//! - `URL`: the server's newest checkpoint (`/log/checkpoint`, C2SP
//!   tlog-checkpoint) opened with the log key (`--vkey`, else the server's
//!   own `/log/vkey`, said to be unpinned), the tree rebuilt from every
//!   tile ([`super::rebuild`]) to its root, each entry a receipt signed by
//!   the server's keys (`--jwks`, else `/.well-known/jwks.json`).
//! - `--database-url`: the audit of `pausegate audit verify` (each
//!   receipt against its pause, each log entry against its stored hash,
//!   every checkpoint's root rebuilt), shared with it ([`super::audit`]).
//! - Either way, `--since FILE` opens a checkpoint saved earlier with the
//!   same key and checks the log only grew since: an RFC 9162 §2.1.4
//!   consistency proof, made from the tiles fetched (or by the database)
//!   and verified here; `--save FILE` keeps the checkpoint verified for
//!   the next run.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};

mod database;
mod server;

use super::log_key::LogKey;
use super::{count, refuse};
use crate::tlog::checkpoint::Checkpoint;
use crate::tlog::merkle::{Hash, verify_consistency};

/// `pausegate log`.
#[derive(Debug, Subcommand)]
pub(crate) enum LogCommand {
    /// Check the transparency log: its checkpoint, every entry and tile, and that it only grew.
    Verify(LogVerifyArgs),
}

/// `pausegate log verify`.
#[derive(Debug, Args)]
#[command(after_help = "\
Without --vkey the log key is the server's own /log/vkey, which proves nothing against \
that server: save it once (curl URL/log/vkey) and pin it with --vkey. Keep the checkpoint \
of each run (--save FILE) and pass it to the next (--since FILE). See docs/receipts.md.")]
pub(crate) struct LogVerifyArgs {
    /// The server's URL (its public URL): its /log/… is read.
    #[arg(required_unless_present = "database_url")]
    pub url: Option<String>,
    /// Check the log in this database instead, with every receipt against its pause.
    #[arg(long, value_name = "URL", conflicts_with_all = ["url", "jwks"])]
    pub database_url: Option<String>,
    /// Trust this log key: the text of /log/vkey, or a file holding it.
    #[arg(long, value_name = "VKEY|FILE")]
    pub vkey: Option<String>,
    /// A checkpoint saved earlier (see --save): the log must extend it.
    #[arg(long, value_name = "FILE")]
    pub since: Option<PathBuf>,
    /// Save the checkpoint verified to FILE (when all is well), for the next run's --since.
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,
    /// Check the entries with the keys in this JWK Set (a file, or an https URL) instead of
    /// URL/.well-known/jwks.json.
    #[arg(long, value_name = "FILE|URL")]
    pub jwks: Option<String>,
}

/// What a check found: lines to print, and one sentence per problem.
#[derive(Default)]
struct Findings {
    lines: Vec<String>,
    problems: Vec<String>,
    /// The checkpoint verified, to save.
    note: Option<String>,
}

/// Runs `pausegate log verify`.
pub(crate) async fn log(command: LogCommand) -> ExitCode {
    let LogCommand::Verify(args) = command;
    match (&args.database_url, &args.url) {
        (Some(database_url), _) => database::in_database(database_url, &args).await,
        (None, Some(url)) => {
            let mut found = Findings::default();
            if let Err(why) = server::from_server(url, &args, &mut found).await {
                found.problems.push(why);
            }
            found.lines.iter().for_each(|line| println!("{line}"));
            if found.problems.is_empty() {
                return save(args.save.as_deref(), found.note.as_deref());
            }
            found.problems.iter().for_each(|p| eprintln!("{p}"));
            refuse(&format!(
                "log verify: {} in the log at {url}",
                count(found.problems.len() as u64, "problem", "problems")
            ))
        }
        (None, None) => refuse("give the server's URL, or --database-url"),
    }
}

/// Which log signed `head`, and with which key.
fn signed_by(head: &Checkpoint, key: &LogKey) -> String {
    format!(
        "log: {}'s checkpoint of {} entries is signed by the {}",
        head.origin,
        head.size,
        key.describe()
    )
}

/// The checkpoint saved in `file`, opened with `key`.
fn since<'f>(file: &'f Path, key: &LogKey) -> Result<(Checkpoint, &'f Path), String> {
    let note =
        std::fs::read(file).map_err(|e| format!("--since: cannot read {}: {e}", file.display()))?;
    let what = format!("the checkpoint in {} (--since)", file.display());
    Ok((key.open(&note, &what)?, file))
}

/// Checks that `old`, saved in `file`, is a prefix of `new` by `proof`.
fn consistent(
    old: &Checkpoint,
    new: &Checkpoint,
    proof: &[Hash],
    file: &Path,
) -> Result<String, String> {
    let saved = format!(
        "the checkpoint of {} entries in {}",
        old.size,
        file.display()
    );
    if old.size > new.size {
        return Err(format!(
            "{saved} is larger than the log's {}: the log shrank or was replaced",
            new.size
        ));
    }
    if old.size > 0 {
        verify_consistency(old.size, new.size, proof, &old.root, &new.root).map_err(|e| {
            format!(
                "{saved} is not a prefix of the log's {} entries ({e}): the log was rewritten",
                new.size
            )
        })?;
    }
    Ok(format!(
        "log: {saved} is a prefix of its {} (a consistency proof of {})",
        new.size,
        count(proof.len() as u64, "hash", "hashes")
    ))
}

/// Writes the checkpoint verified to `file`, if one was asked for.
fn save(file: Option<&Path>, note: Option<&str>) -> ExitCode {
    let (Some(file), Some(note)) = (file, note) else {
        return ExitCode::SUCCESS;
    };
    if let Err(e) = std::fs::write(file, note) {
        return refuse(&format!("--save: cannot write {}: {e}", file.display()));
    }
    println!(
        "log: saved the checkpoint to {}: pass it as --since next time",
        file.display()
    );
    ExitCode::SUCCESS
}
