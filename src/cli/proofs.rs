//! The commands that check what a server signed, each exiting 0 when all
//! is well and 1 with one sentence per problem otherwise:
//!
//! - [`verify`]: `pausegate verify`, receipts offline against keys the
//!   user pinned ([`trust`]), with a log proof ([`inclusion`]) against
//!   the log key ([`log_key`]);
//! - [`log`]: `pausegate log verify`, the whole transparency log from a
//!   server's tiles ([`rebuild`], fetched by [`fetch`]), consistent with
//!   a checkpoint saved earlier, or straight from the database;
//! - [`audit`]: `pausegate audit verify`, every receipt in the database
//!   against its pause, and the log;
//! - [`policy`]: `pausegate policy test`, what a Rego policy says of a
//!   pause.

mod audit;
mod fetch;
mod inclusion;
mod log;
mod log_key;
mod policy;
mod rebuild;
mod trust;
mod verify;

use std::process::ExitCode;

pub(crate) use audit::{AuditCommand, audit};
pub(crate) use log::{LogCommand, log};
pub(crate) use policy::{PolicyCommand, policy};
pub(crate) use verify::{VerifyArgs, verify_receipts};

/// `n` and the noun, singular or plural: `1 hash`, `3 hashes`.
fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Prints `message` as the error and returns exit code 1.
fn refuse(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(1)
}
