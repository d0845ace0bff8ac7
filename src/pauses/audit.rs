//! `pausegate audit verify`: walks every receipt in the database, checking
//! each one's signature, its link to the one before (receipts chained
//! before the transparency log), and that the pause as stored (outcome,
//! title, description, data, every decision row and its comment) still
//! says what its receipt says; then that no settled pause lacks its
//! receipt, and the log itself ([`crate::receipt_log::audit`]). Receipts signed before titles,
//! descriptions and comments were covered are counted, their other fields
//! still checked. The keys are the database's own: this catches edits by
//! someone who cannot sign, not by someone holding the key.

use crate::domain::PauseId;
use crate::receipt_log::audit::LogAudit;
use crate::receipts::{Chain, Jwks, Receipt, receipt_hash, verify};
use crate::store::{Store, StoreError};

/// What the walk found.
#[derive(Debug, Default)]
pub struct AuditReport {
    /// Receipts checked.
    pub receipts: u64,
    /// Pauses that settled before this database signed receipts.
    pub before_receipts: u64,
    /// Receipts signed before titles, descriptions and comments were
    /// covered: those fields of their pauses are not checked.
    pub text_not_covered: u64,
    /// Every problem, one sentence each naming the receipt or pause.
    pub problems: Vec<String>,
    /// What the transparency log's audit covered.
    pub log: LogAudit,
    /// Receipts not yet in the log (signed in the last second or so).
    pub not_yet_logged: u64,
}

/// Receipts read per page.
const PAGE: u32 = 500;

/// Walks the chain in `store`. Reads only.
pub async fn audit(store: &dyn Store) -> Result<AuditReport, StoreError> {
    let mut walk = Walk {
        jwks: Jwks::of(&store.receipt_keys().await?),
        report: AuditReport::default(),
        chain: Chain::default(),
        first_settled: None,
    };
    let mut after = 0;
    loop {
        let page = store.receipts(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for receipt in page {
            walk.check(store, receipt).await?;
        }
    }
    let Walk {
        mut report,
        first_settled,
        ..
    } = walk;
    report.log = crate::receipt_log::audit::audit(store, &mut report.problems).await?;
    for (id, settled_at) in store.unreceipted().await? {
        match first_settled {
            Some(first) if settled_at.timestamp() >= first => report.problems.push(format!(
                "pause {id} settled with no receipt: its receipt was removed"
            )),
            _ => report.before_receipts += 1,
        }
    }
    Ok(report)
}

/// The walk so far.
struct Walk {
    jwks: Jwks,
    report: AuditReport,
    chain: Chain,
    /// When the first receipt's pause settled.
    first_settled: Option<i64>,
}

impl Walk {
    /// Checks one receipt: its stored hash, signature, link, and pause.
    async fn check(&mut self, store: &dyn Store, receipt: Receipt) -> Result<(), StoreError> {
        self.report.receipts += 1;
        if receipt.log_index.is_none() {
            self.report.not_yet_logged += 1;
        }
        let name = format!("receipt {} (pause {})", receipt.seq, receipt.pause_id);
        let problems = &mut self.report.problems;
        let hash = receipt_hash(&receipt.jws);
        if receipt.hash != hash {
            problems.push(format!(
                "{name}: its stored hash does not match its content: the receipt was changed"
            ));
        }
        let claims = match verify(&receipt.jws, &self.jwks) {
            Ok(claims) => claims,
            Err(why) => {
                problems.push(format!("{name}: {why}"));
                // Later receipts are checked against what is stored now.
                self.chain = Chain::after(receipt.seq, hash);
                return Ok(());
            }
        };
        self.first_settled.get_or_insert(claims.iat);
        if !claims.covers_text() {
            self.report.text_not_covered += 1;
        }
        if let Err(why) = self.chain.follow(&receipt.jws, &claims) {
            problems.push(format!("{name}: {why}"));
            self.chain = Chain::after(claims.seq.unwrap_or(receipt.seq), hash);
        }
        if claims.sub != receipt.pause_id {
            problems.push(format!("{name}: it is signed for pause {}", claims.sub));
        }
        let id = PauseId::from_stored(receipt.pause_id.clone());
        match store.pause(&id).await? {
            None => problems.push(format!("{name}: the pause is gone")),
            Some(pause) => problems.extend(
                claims
                    .differences(&pause)
                    .into_iter()
                    .map(|d| format!("{name}: {d}")),
            ),
        }
        Ok(())
    }
}
