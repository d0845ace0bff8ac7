//! `pausegate audit verify`: walks the whole receipt chain in the database,
//! checking each receipt's signature, its link to the one before, and that
//! the pause as stored (outcome, data, every decision row) still says what
//! its receipt says; then that no settled pause lacks its receipt.

use crate::domain::PauseId;
use crate::receipts::{Chain, Jwks, receipt_hash, verify};
use crate::store::{Store, StoreError};

/// What the walk found.
#[derive(Debug, Default)]
pub struct AuditReport {
    /// Receipts checked.
    pub receipts: u64,
    /// Pauses that settled before this database signed receipts.
    pub before_receipts: u64,
    /// Every problem, one sentence each naming the receipt or pause.
    pub problems: Vec<String>,
}

/// Receipts read per page.
const PAGE: u32 = 500;

/// Walks the chain in `store`. Reads only.
pub async fn audit(store: &dyn Store) -> Result<AuditReport, StoreError> {
    let jwks = Jwks::of(&store.receipt_keys().await?);
    let mut report = AuditReport::default();
    let mut chain = Chain::default();
    let mut first_settled = None;
    let mut after = 0;
    loop {
        let page = store.receipts(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for receipt in page {
            report.receipts += 1;
            let name = format!("receipt {} (pause {})", receipt.seq, receipt.pause_id);
            let hash = receipt_hash(&receipt.jws);
            if receipt.hash != hash {
                report.problems.push(format!(
                    "{name}: its stored hash does not match its content: the receipt was changed"
                ));
            }
            let claims = match verify(&receipt.jws, &jwks) {
                Ok(claims) => claims,
                Err(why) => {
                    report.problems.push(format!("{name}: {why}"));
                    // Later receipts are checked against what is stored now.
                    chain = Chain::after(receipt.seq, hash);
                    continue;
                }
            };
            first_settled.get_or_insert(claims.iat);
            if let Err(why) = chain.follow(&receipt.jws, &claims) {
                report.problems.push(format!("{name}: {why}"));
                chain = Chain::after(claims.seq, hash);
            }
            if claims.sub != receipt.pause_id {
                report
                    .problems
                    .push(format!("{name}: it is signed for pause {}", claims.sub));
            }
            let id = PauseId::from_stored(receipt.pause_id.clone());
            match store.pause(&id).await? {
                None => report.problems.push(format!("{name}: the pause is gone")),
                Some(pause) => report.problems.extend(
                    claims
                        .differences(&pause)
                        .into_iter()
                        .map(|d| format!("{name}: {d}")),
                ),
            }
        }
    }
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
