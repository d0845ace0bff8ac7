//! `pausegate verify`: receipts checked offline against the keys the user
//! pinned ([`super::trust`]), in chain order for receipts signed before
//! the log, with `--data` the data, and with a log proof (`--proof`, or
//! the `log_proof` of the receipt endpoint's JSON) that the receipt is an
//! entry of the log under a checkpoint signed by the log's key
//! ([`super::inclusion`]).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::inclusion::{self, Input};
use super::refuse;
use super::trust::Trust;
use crate::receipts::trust::Trusted;
use crate::receipts::{Chain, ReceiptClaims, data_sha256, receipt_hash};

/// `pausegate verify`.
#[derive(Debug, Args)]
#[command(after_help = "\
Trust: the keys come only from what you pin, never from the issuer a receipt names \
itself. Pin at least one of --issuer, --jwks, --key, or PAUSEGATE_TRUSTED_ISSUERS \
(comma-separated issuer URLs, used when --issuer is not given). With an issuer pinned, \
a receipt naming another issuer is refused. A log proof is checked against --vkey, or \
else the pinned issuer's /log/vkey. See docs/receipts.md.")]
pub(crate) struct VerifyArgs {
    /// A receipt (the JWS); a file holding one or more, one per line, in chain order; or a
    /// file holding the JSON of GET /api/v1/pauses/{id}/receipt (its log_proof is checked too).
    pub receipt: String,
    /// A JSON file that must be the data the receipt was signed for.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Trust the pausegate server at URL (its public URL): the receipt's `iss` must be it, and
    /// its keys are fetched from URL/.well-known/jwks.json unless --jwks or --key gives them;
    /// a log proof's key from URL/log/vkey unless --vkey gives it.
    /// Repeatable. [env: PAUSEGATE_TRUSTED_ISSUERS, comma-separated]
    #[arg(long = "issuer", value_name = "URL")]
    pub issuers: Vec<String>,
    /// Trust the keys in this JWK Set: a file you keep, or an https URL.
    #[arg(long, value_name = "FILE|URL", conflicts_with = "keys")]
    pub jwks: Option<String>,
    /// Trust this Ed25519 public key: a PEM (`openssl pkey -pubout`) or a JWK file. Repeatable.
    #[arg(long = "key", value_name = "FILE")]
    pub keys: Vec<PathBuf>,
    /// The receipt's inclusion proof in the log (C2SP tlog-proof, the endpoint's log_proof).
    #[arg(long, value_name = "FILE")]
    pub proof: Option<PathBuf>,
    /// Trust this log key for the proof's checkpoint: the text of /log/vkey, or a file holding it.
    #[arg(long, value_name = "VKEY|FILE")]
    pub vkey: Option<String>,
}

/// Checks the receipts' signatures against the pinned keys, their chain,
/// with `--data` the data, and with a proof their place in the log.
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
    let input = Input::read(&args.receipt, args.proof.as_deref())?;
    let receipts = &input.receipts;
    if args.data.is_some() && receipts.len() != 1 {
        return Err("--data checks one receipt: give just one".to_owned());
    }
    let mut trust = Trust::from_args(&args.keys, args.jwks.as_deref(), &args.issuers).await?;
    let mut lines = Vec::new();
    let mut chain: Option<Chain> = None;
    let mut last_issuer = None;
    for jws in receipts {
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
        last_issuer = trusted.issuer;
    }
    let pinned = last_issuer.as_deref();
    lines.extend(inclusion::check(&input, args.vkey.as_deref(), pinned).await?);
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
