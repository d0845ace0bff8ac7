//! `pausegate verify`, `pausegate audit verify` and `pausegate policy
//! test`: checking receipts offline, walking the chain in the database,
//! and asking a policy what it says of a pause. Each exits 0 when all is
//! well and 1 with the reason otherwise.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clap::{Args, Subcommand};

use crate::policies::{Answer, PolicyInput, PolicySet};
use crate::receipts::{Chain, Jwks, ReceiptClaims, data_sha256, receipt_hash, verify};

/// `pausegate verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A receipt (the JWS), or a file holding one or more, one per line, in chain order.
    pub receipt: String,
    /// A JSON file that must be the data the receipt was signed for.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// The keys: a JWK Set file or URL [default: the receipt's issuer's /.well-known/jwks.json].
    #[arg(long)]
    pub jwks: Option<String>,
}

/// `pausegate audit`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the whole receipt chain in the database: signatures, links, and every settled pause.
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

/// `pausegate policy`.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Show what a Rego policy says of a pause, and why.
    Test {
        /// The policy file (package pausegate, rule decision).
        file: PathBuf,
        /// What the policy sees: a JSON file with title, data, tags, target, requester, group.
        #[arg(long)]
        input: PathBuf,
    },
}

fn refuse(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(1)
}

/// Checks the receipts' signatures, their chain and, with `--data`, the data.
pub async fn verify_receipts(args: VerifyArgs) -> ExitCode {
    match check_receipts(&args).await {
        Ok(lines) => {
            lines.iter().for_each(|line| println!("{line}"));
            ExitCode::SUCCESS
        }
        Err(why) => refuse(&why),
    }
}

async fn check_receipts(args: &VerifyArgs) -> Result<Vec<String>, String> {
    let text = match Path::new(&args.receipt).is_file() {
        true => std::fs::read_to_string(&args.receipt)
            .map_err(|e| format!("cannot read {}: {e}", args.receipt))?,
        false => args.receipt.clone(),
    };
    let receipts: Vec<&str> = text.split_whitespace().collect();
    let Some(first) = receipts.first() else {
        return Err("no receipt given".to_owned());
    };
    let jwks = key_set(args.jwks.as_deref(), first).await?;
    let mut lines = Vec::new();
    let mut chain: Option<Chain> = None;
    for jws in &receipts {
        let claims = verify(jws, &jwks)?;
        let chain = chain.get_or_insert_with(|| match (&claims.prev, claims.seq) {
            (Some(prev), seq) => Chain::after(seq - 1, prev.clone()),
            (None, _) => Chain::default(),
        });
        chain.follow(jws, &claims)?;
        lines.push(describe(&claims, jws));
    }
    if let Some(file) = &args.data {
        let [jws] = receipts[..] else {
            return Err("--data checks one receipt: give just one".to_owned());
        };
        let claims = verify(jws, &jwks)?;
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let data: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not JSON: {e}", file.display()))?;
        let hash = data_sha256(&data);
        if hash != claims.data_sha256 {
            return Err(format!(
                "the data in {} changed: its SHA-256 is {hash}, the receipt signed {}",
                file.display(),
                claims.data_sha256
            ));
        }
        lines.push(format!("data: {} matches the receipt", file.display()));
    }
    Ok(lines)
}

fn describe(claims: &ReceiptClaims, jws: &str) -> String {
    let who: Vec<String> = claims
        .decisions
        .iter()
        .map(|d| {
            format!(
                "{} by {}",
                d.decision,
                d.actor.as_deref().unwrap_or("someone")
            )
        })
        .collect();
    format!(
        "receipt {} verifies: pause {} {} via {} ({}){}; hash {}",
        claims.seq,
        claims.sub,
        claims.outcome,
        claims.via,
        claims.rule,
        if who.is_empty() {
            String::new()
        } else {
            format!(": {}", who.join(", "))
        },
        receipt_hash(jws)
    )
}

/// The key set named by `--jwks`, or the receipt's issuer's.
async fn key_set(source: Option<&str>, receipt: &str) -> Result<Jwks, String> {
    let source = match source {
        Some(source) => source.to_owned(),
        None => format!("{}/.well-known/jwks.json", issuer(receipt)?),
    };
    let text = if source.starts_with("http://") || source.starts_with("https://") {
        let response = reqwest::get(&source)
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| format!("cannot fetch the keys from {source}: {e}"))?;
        response
            .text()
            .await
            .map_err(|e| format!("{source}: {e}"))?
    } else {
        std::fs::read_to_string(&source).map_err(|e| format!("cannot read {source}: {e}"))?
    };
    serde_json::from_str(&text).map_err(|e| format!("{source} is not a JWK Set: {e}"))
}

/// The `iss` a receipt claims, read before it is verified (only to find keys).
fn issuer(receipt: &str) -> Result<String, String> {
    let payload = receipt.split('.').nth(1).unwrap_or_default();
    let claims: serde_json::Value = URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or("the receipt is not a JWS")?;
    claims["iss"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| "the receipt names no issuer: give --jwks".to_owned())
}

/// Walks the chain in the database.
pub async fn audit(command: AuditCommand) -> ExitCode {
    let AuditCommand::Verify { database_url } = command;
    let setup = crate::store::ReceiptSetup {
        read_only: true,
        ..Default::default()
    };
    let timeout = std::time::Duration::from_secs(5);
    let store = match crate::store::open_with(&database_url, timeout, setup).await {
        Ok(store) => store,
        Err(error) => return refuse(&error.to_string()),
    };
    let report = crate::pauses::audit::audit(&*store).await;
    store.close().await;
    let report = match report {
        Ok(report) => report,
        Err(error) => return refuse(&error.to_string()),
    };
    if report.before_receipts > 0 {
        println!(
            "{} pauses settled before receipts were signed: not covered",
            report.before_receipts
        );
    }
    if report.problems.is_empty() {
        println!(
            "audit: {} receipts verified; the chain is whole and every settled pause matches its receipt",
            report.receipts
        );
        return ExitCode::SUCCESS;
    }
    for problem in &report.problems {
        eprintln!("{problem}");
    }
    refuse(&format!(
        "audit: {} problems in {} receipts",
        report.problems.len(),
        report.receipts
    ))
}

/// Shows what a policy says of the pause in `--input`.
pub fn policy(command: PolicyCommand) -> ExitCode {
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
