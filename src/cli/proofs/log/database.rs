//! `pausegate log verify --database-url`: the audit `pausegate audit
//! verify` runs ([`super::super::audit`]), then the database's newest
//! checkpoint opened with its log key (which must be `--vkey`'s, when
//! given), checked to extend `--since` by a consistency proof the database
//! makes, and saved with `--save`.

use std::process::ExitCode;

use super::super::audit;
use super::super::log_key::LogKey;
use super::super::refuse;
use super::{Findings, LogVerifyArgs, consistent, save, signed_by, since};
use crate::store::Store;

/// The audit of `pausegate audit verify`, and the log key, `--since` and
/// `--save` on the database's newest checkpoint.
pub(super) async fn in_database(url: &str, args: &LogVerifyArgs) -> ExitCode {
    let store = match audit::open(url).await {
        Ok(store) => store,
        Err(why) => return refuse(&why),
    };
    let report = crate::pauses::audit::audit(&*store).await;
    let mut found = Findings::default();
    if let Err(why) = database_head(&*store, args, &mut found).await {
        found.problems.push(why);
    }
    store.close().await;
    let report = match report {
        Ok(report) => report,
        Err(error) => return refuse(&error.to_string()),
    };
    found.lines.iter().for_each(|line| println!("{line}"));
    let verdict = audit::conclude(&report, &found.problems);
    match verdict == ExitCode::SUCCESS {
        true => save(args.save.as_deref(), found.note.as_deref()),
        false => verdict,
    }
}

/// Opens the database's newest checkpoint with its log key (which must
/// be `--vkey`'s when given) and checks it extends `--since`.
async fn database_head(
    store: &dyn Store,
    args: &LogVerifyArgs,
    found: &mut Findings,
) -> Result<(), String> {
    let stored = LogKey {
        verifier: store.log_verifier(),
        source: "the database".to_owned(),
    };
    let key = match &args.vkey {
        None => stored,
        Some(vkey) => {
            let pinned = LogKey::given(vkey)?;
            if pinned.verifier != stored.verifier {
                return Err(format!(
                    "the database's log key is {}, not the pinned {}",
                    stored.verifier, pinned.verifier
                ));
            }
            pinned
        }
    };
    let Some(newest) = store.log_checkpoint().await.map_err(|e| e.to_string())? else {
        found.lines.push("log: nothing integrated yet".to_owned());
        return Ok(());
    };
    let head = key.open(newest.note.as_bytes(), "the database's newest checkpoint")?;
    found.lines.push(signed_by(&head, &key));
    if let Some((old, file)) = args.since.as_deref().map(|f| since(f, &key)).transpose()? {
        let proof = match old.size > 0 && old.size <= head.size {
            true => store.log_consistency(old.size, head.size).await,
            false => Ok(Vec::new()),
        };
        let proof = proof.map_err(|e| format!("the consistency proof from {}: {e}", old.size))?;
        found.lines.push(consistent(&old, &head, &proof, file)?);
    }
    found.note = Some(newest.note);
    Ok(())
}
