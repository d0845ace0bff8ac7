//! What `pausegate verify` reads (receipts, or the receipt endpoint's
//! JSON with its `log_proof`) and the check of a log proof: a C2SP
//! tlog-proof (<https://c2sp.org/tlog-proof>) whose checkpoint must be
//! signed by the log key the user trusts ([`LogKey`]) and whose inclusion
//! path (RFC 9162 §2.1.3.2) must lead from the receipt's leaf hash,
//! `SHA-256(0x00 || JWS bytes)`, to that checkpoint's root. So the proof
//! is for exactly this receipt, at that index, in that signed tree.

use std::path::Path;

use serde::Deserialize;

use super::log_key::LogKey;
use crate::tlog::merkle::{leaf_hash, verify_inclusion};
use crate::tlog::proof::TlogProof;

/// The receipts to verify, and a log proof for the one receipt if given.
pub(super) struct Input {
    /// The receipts (JWSs), in chain order.
    pub receipts: Vec<String>,
    /// The proof's text and where it came from.
    proof: Option<(String, String)>,
    /// The endpoint's JSON said the receipt was not in the log yet.
    not_yet_logged: bool,
}

/// The part of `GET /api/v1/pauses/{id}/receipt`'s answer read here.
#[derive(Deserialize)]
struct ReceiptBody {
    receipt: String,
    log_proof: Option<String>,
}

impl Input {
    /// Reads `receipt` (a JWS, a file of JWSs, or a file holding the
    /// receipt endpoint's JSON) and the `--proof` file.
    pub(super) fn read(receipt: &str, proof: Option<&Path>) -> Result<Self, String> {
        let text = match Path::new(receipt).is_file() {
            true => std::fs::read_to_string(receipt)
                .map_err(|e| format!("cannot read {receipt}: {e}"))?,
            false => receipt.to_owned(),
        };
        let mut input = match text.trim_start().starts_with('{') {
            true => Self::from_json(&text, receipt)?,
            false => Self {
                receipts: text.split_whitespace().map(str::to_owned).collect(),
                proof: None,
                not_yet_logged: false,
            },
        };
        if input.receipts.is_empty() {
            return Err("no receipt given".to_owned());
        }
        if let Some(file) = proof {
            let text = std::fs::read_to_string(file)
                .map_err(|e| format!("--proof: cannot read {}: {e}", file.display()))?;
            input.proof = Some((text, format!("the proof in {}", file.display())));
            input.not_yet_logged = false;
        }
        if input.proof.is_some() && input.receipts.len() != 1 {
            return Err("a log proof is for one receipt: give just one".to_owned());
        }
        Ok(input)
    }

    fn from_json(text: &str, name: &str) -> Result<Self, String> {
        let body: ReceiptBody = serde_json::from_str(text).map_err(|e| {
            format!("{name} is not the JSON of GET /api/v1/pauses/{{id}}/receipt: {e}")
        })?;
        Ok(Self {
            receipts: vec![body.receipt],
            not_yet_logged: body.log_proof.is_none(),
            proof: body
                .log_proof
                .map(|proof| (proof, format!("the log_proof in {name}"))),
        })
    }
}

/// Checks the input's log proof, if it has one, with the key `--vkey`
/// gives or else the pinned `issuer`'s; the lines to print.
pub(super) async fn check(
    input: &Input,
    vkey: Option<&str>,
    issuer: Option<&str>,
) -> Result<Vec<String>, String> {
    let Some((text, source)) = &input.proof else {
        return without_proof(input, vkey);
    };
    let key = match (vkey, issuer) {
        (Some(vkey), _) => LogKey::given(vkey)?,
        (None, Some(issuer)) => LogKey::published(issuer, true).await?,
        (None, None) => return Err(no_log_key()),
    };
    let proof = TlogProof::parse(text).map_err(|e| format!("{source}: {e}"))?;
    let head = key.open(
        proof.checkpoint.as_bytes(),
        &format!("the checkpoint in {source}"),
    )?;
    let leaf = leaf_hash(input.receipts[0].as_bytes());
    verify_inclusion(&leaf, proof.index, head.size, &proof.path, &head.root).map_err(|e| {
        format!(
            "{source}: the receipt is not entry {} of the checkpoint's tree of {} entries ({e}): \
             the receipt, or the proof's index or path, was changed",
            proof.index, head.size
        )
    })?;
    Ok(vec![
        format!(
            "log: the receipt is entry {} of {}, in its checkpoint of {} entries (an inclusion \
             proof of {})",
            proof.index,
            head.origin,
            head.size,
            super::count(proof.path.len() as u64, "hash", "hashes")
        ),
        format!("  trusted: {}", key.describe()),
    ])
}

/// What to say of a receipt given with no proof.
fn without_proof(input: &Input, vkey: Option<&str>) -> Result<Vec<String>, String> {
    match (input.not_yet_logged, vkey) {
        (true, _) => Ok(vec![
            "log: not in the log yet when the receipt was fetched (its log_proof is null): \
             fetch it again in a second or so for its proof"
                .to_owned(),
        ]),
        (false, Some(_)) => Err(
            "--vkey checks a log proof: give --proof FILE (the receipt endpoint's log_proof)"
                .to_owned(),
        ),
        (false, None) => Ok(Vec::new()),
    }
}

/// Why a proof cannot be checked without a log key, and how to pin one.
fn no_log_key() -> String {
    "the proof's checkpoint must be signed by the log's key, but nothing says which key to \
     trust: pin it with --vkey VKEY|FILE (the text of the server's /log/vkey, saved when you \
     set up), or pin the server with --issuer URL (its /log/vkey is fetched)"
        .to_owned()
}
