//! `pausegate verify`, `pausegate audit verify` and `pausegate policy
//! test`: checking receipts offline against keys the user trusts (see
//! [`trust`]), walking the chain in the database, and asking a policy what
//! it says of a pause. Each exits 0 when all is well and 1 with the reason
//! otherwise.

mod trust;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::policies::{Answer, PolicyInput, PolicySet};
use crate::receipts::trust::Trusted;
use crate::receipts::{Chain, ReceiptClaims, data_sha256, receipt_hash};

/// `pausegate verify`.
#[derive(Debug, Args)]
#[command(after_help = "\
Trust: the keys come only from what you pin, never from the issuer a receipt names \
itself. Pin at least one of --issuer, --jwks, --key, or PAUSEGATE_TRUSTED_ISSUERS \
(comma-separated issuer URLs, used when --issuer is not given). With an issuer pinned, \
a receipt naming another issuer is refused. See docs/receipts.md.")]
pub(crate) struct VerifyArgs {
    /// A receipt (the JWS), or a file holding one or more, one per line, in chain order.
    pub receipt: String,
    /// A JSON file that must be the data the receipt was signed for.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Trust the pausegate server at URL (its public URL): the receipt's `iss` must be it, and
    /// its keys are fetched from URL/.well-known/jwks.json unless --jwks or --key gives them.
    /// Repeatable. [env: PAUSEGATE_TRUSTED_ISSUERS, comma-separated]
    #[arg(long = "issuer", value_name = "URL")]
    pub issuers: Vec<String>,
    /// Trust the keys in this JWK Set: a file you keep, or an https URL.
    #[arg(long, value_name = "FILE|URL", conflicts_with = "keys")]
    pub jwks: Option<String>,
    /// Trust this Ed25519 public key: a PEM (`openssl pkey -pubout`) or a JWK file. Repeatable.
    #[arg(long = "key", value_name = "FILE")]
    pub keys: Vec<PathBuf>,
}

/// `pausegate audit`.
#[derive(Debug, Subcommand)]
pub(crate) enum AuditCommand {
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

fn refuse(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(1)
}

/// Checks the receipts' signatures against the pinned keys, their chain
/// and, with `--data`, the data.
pub(crate) async fn verify_receipts(args: VerifyArgs) -> ExitCode {
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
    if receipts.is_empty() {
        return Err("no receipt given".to_owned());
    }
    if args.data.is_some() && receipts.len() != 1 {
        return Err("--data checks one receipt: give just one".to_owned());
    }
    let mut trust =
        trust::Trust::from_args(&args.keys, args.jwks.as_deref(), &args.issuers).await?;
    let mut lines = Vec::new();
    let mut chain: Option<Chain> = None;
    for jws in &receipts {
        let (trusted, source) = trust.check(jws).await?;
        let claims = &trusted.claims;
        let chain = chain.get_or_insert_with(|| match (&claims.prev, claims.seq) {
            (Some(prev), Some(seq)) => Chain::after(seq - 1, prev.clone()),
            _ => Chain::default(),
        });
        chain.follow(jws, claims)?;
        lines.push(describe(claims, jws));
        lines.push(trusted_through(&trusted, &source));
        if !claims.covers_text() {
            lines.push(
                "  not covered: the title, description and comments (signed before receipts \
                 covered them)"
                    .to_owned(),
            );
        }
        if let Some(file) = &args.data {
            lines.push(check_data(file, claims)?);
        }
    }
    Ok(lines)
}

/// Whom the verdict trusted: the issuer and the key, and where the key came from.
fn trusted_through(trusted: &Trusted, source: &str) -> String {
    let issuer = match (&trusted.issuer, &trusted.claims.iss) {
        (Some(pinned), _) => format!("issuer {pinned} (pinned)"),
        (None, Some(named)) => format!("issuer {named} (as the receipt says; not pinned)"),
        (None, None) => "no issuer named (not pinned)".to_owned(),
    };
    format!("  trusted: {issuer}, key {} from {source}", trusted.kid)
}

/// Checks that `file` holds the data the receipt signed.
fn check_data(file: &Path, claims: &ReceiptClaims) -> Result<String, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let data: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", file.display()))?;
    let hash = data_sha256(&data);
    if hash != claims.data_sha256 {
        return Err(format!(
            "the data in {} changed: its SHA-256 is {hash}, the receipt signed {}",
            file.display(),
            claims.data_sha256
        ));
    }
    Ok(format!("data: {} matches the receipt", file.display()))
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
    let title = claims
        .title
        .as_ref()
        .map_or_else(String::new, |title| format!(" {title:?}"));
    let number = claims.seq.map_or_else(String::new, |seq| format!(" {seq}"));
    format!(
        "receipt{number} verifies: pause {}{title} {} via {} ({}){}; hash {}",
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

/// Walks the chain in the database.
pub(crate) async fn audit(command: AuditCommand) -> ExitCode {
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
    if report.problems.is_empty() {
        println!(
            "audit: {} receipts verified; every settled pause matches its receipt, and the log's \
             {} entries match its {} checkpoints",
            report.receipts, report.log.size, report.log.checkpoints
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
