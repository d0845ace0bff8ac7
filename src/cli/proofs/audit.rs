//! `pausegate audit verify`, and the same audit for `pausegate log verify
//! --database-url`: [`crate::pauses::audit`] run on the database opened
//! read-only, its summary printed, and a sentence per problem.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Subcommand;

use super::refuse;
use crate::pauses::audit::AuditReport;
use crate::store::{ReceiptSetup, Store};

/// `pausegate audit`.
#[derive(Debug, Subcommand)]
pub(crate) enum AuditCommand {
    /// Walk every receipt in the database and the log: signatures, links, the log's entries
    /// and checkpoints, and every settled pause.
    Verify {
        /// Database URL.
        #[arg(
            long,
            env = "PAUSEGATE_DATABASE_URL",
            default_value = "sqlite://pausegate.db"
        )]
        database_url: String,
    },
}

/// Audits the database.
pub(crate) async fn audit(command: AuditCommand) -> ExitCode {
    let AuditCommand::Verify { database_url } = command;
    let store = match open(&database_url).await {
        Ok(store) => store,
        Err(why) => return refuse(&why),
    };
    let report = crate::pauses::audit::audit(&*store).await;
    store.close().await;
    match report {
        Ok(report) => conclude(&report, &[]),
        Err(error) => refuse(&error.to_string()),
    }
}

/// The database at `url`, opened to read only.
pub(super) async fn open(url: &str) -> Result<Arc<dyn Store>, String> {
    let setup = ReceiptSetup {
        read_only: true,
        ..Default::default()
    };
    let timeout = std::time::Duration::from_secs(5);
    crate::store::open_with(url, timeout, setup)
        .await
        .map_err(|error| error.to_string())
}

/// Prints what the audit covered and each problem, with `more` found
/// beside it; exits 0 when there is none.
pub(super) fn conclude(report: &AuditReport, more: &[String]) -> ExitCode {
    if report.before_receipts > 0 {
        println!(
            "{} pauses settled before receipts were signed: not covered",
            report.before_receipts
        );
    }
    if report.text_not_covered > 0 {
        println!(
            "{} receipts were signed before titles, descriptions and comments were covered: \
             those fields are not covered for their pauses",
            report.text_not_covered
        );
    }
    if report.not_yet_logged > 0 {
        println!(
            "{} receipts are not in the log yet (the integrator takes them within a second)",
            report.not_yet_logged
        );
    }
    let problems: Vec<&String> = report.problems.iter().chain(more).collect();
    if problems.is_empty() {
        println!(
            "audit: {} receipts verified; every settled pause matches its receipt, and the log's \
             {} entries match its {} checkpoints",
            report.receipts, report.log.size, report.log.checkpoints
        );
        return ExitCode::SUCCESS;
    }
    for problem in &problems {
        eprintln!("{problem}");
    }
    refuse(&format!(
        "audit: {} problems in {} receipts",
        problems.len(),
        report.receipts
    ))
}
