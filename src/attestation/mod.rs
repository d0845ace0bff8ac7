//! Attestations: a settled pause's decision as an in-toto Statement v1
//! (in-toto/attestation `spec/v1/statement.md`) in a DSSE envelope
//! (secure-systems-lab/dsse `envelope.md`), signed with ECDSA P-256, the
//! key type admission controllers and policy engines take. Pure: the
//! statement is a function of the pause, its verified receipt and its log
//! index; [`crate::tlog::statement`] and [`crate::tlog::dsse`] do the
//! formats and the signing; the store keeps the keys ([`keys`]).
//!
//! The statement's `subject` is the artefacts the pause request named in
//! `subjects` (a container image and its digest, say), or else one
//! subject for the pause's data, `pause:<id>/data`, whose SHA-256 is the
//! receipt's `data_sha256` (of the data's compact JSON, keys sorted). The
//! predicate, of type [`PREDICATE_TYPE`], says what was decided: the
//! outcome, every decision with how its actor was identified, the rule
//! met, the policy if one decided, the receipt's SHA-256 and the
//! receipt's index in the transparency log, when it has one. Its JSON
//! Schema is `docs/attestation-predicate.schema.json`.

pub mod keys;

use serde::{Deserialize, Serialize};

use crate::domain::{Pause, Via};
use crate::receipts::ReceiptClaims;
use crate::tlog::statement::{Statement, StatementError, Subject};

/// The `predicateType` of a pausegate decision, version 1.
pub const PREDICATE_TYPE: &str = "https://pausegate.dev/attestation/decision/v1";

/// What a decision attestation says: its predicate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionPredicate {
    /// The pause (`pau_…`).
    pub pause_id: String,
    /// What the approver was asked.
    pub title: String,
    /// `approved`, `rejected`, `expired` or `cancelled`.
    pub outcome: String,
    /// When it settled (RFC 3339, milliseconds).
    pub decided_at: String,
    /// The rule that was met, in words.
    pub rule: String,
    /// The policy that decided it, if one did.
    pub policy: Option<String>,
    /// Every decision, in the order recorded.
    pub decisions: Vec<PredicateDecision>,
    /// Hex SHA-256 of the pause's data (compact JSON, keys sorted).
    pub data_sha256: String,
    /// Hex SHA-256 of the pause's signed receipt (the JWS).
    pub receipt_sha256: String,
    /// The receipt's index in the transparency log, once it is in it.
    pub log_index: Option<u64>,
}

/// One decision as an attestation records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PredicateDecision {
    /// `approve` or `reject`.
    pub decision: String,
    /// Who decided, if known.
    pub actor: Option<String>,
    /// How the actor was identified (`email`, `api_key`, `oidc`,
    /// `sign_in`, `self_declared`, `policy`, or an integration's name).
    pub identified_by: Option<String>,
    /// Through what: `link`, `api`, `timeout` or `policy`.
    pub via: String,
    /// When (RFC 3339, milliseconds).
    pub at: String,
}

/// The predicate of `pause`, settled, whose receipt (hashing to
/// `receipt_sha256`) said `claims`, at `log_index` in the log if it is in
/// it yet. The outcome, rule and decisions are the receipt's, so the
/// attestation says exactly what the receipt signed.
pub fn predicate(
    pause: &Pause,
    claims: &ReceiptClaims,
    receipt_sha256: &str,
    log_index: Option<u64>,
) -> DecisionPredicate {
    let decisions = claims.decisions.iter().map(|decision| PredicateDecision {
        decision: decision.decision.clone(),
        actor: decision.actor.clone(),
        identified_by: decision.identified_by.clone(),
        via: decision.via.clone(),
        at: decision.at.clone(),
    });
    DecisionPredicate {
        pause_id: pause.id.to_string(),
        title: pause.title.to_string(),
        outcome: claims.outcome.clone(),
        decided_at: claims.decided_at.clone(),
        rule: claims.rule.clone(),
        policy: policy_of(pause),
        decisions: decisions.collect(),
        data_sha256: claims.data_sha256.clone(),
        receipt_sha256: receipt_sha256.to_owned(),
        log_index,
    }
}

/// The policy whose decision settled `pause`: policy decisions are
/// recorded with the actor `policy:NAME`.
fn policy_of(pause: &Pause) -> Option<String> {
    let decision = pause.decisions.iter().find(|d| d.via == Via::Policy)?;
    let actor = decision.actor.as_deref()?;
    Some(actor.strip_prefix("policy:").unwrap_or(actor).to_owned())
}

/// The statement's subjects: what the pause request named, or else the
/// pause's data, by the digest its receipt signed.
pub fn subjects(pause: &Pause, data_sha256: &str) -> Result<Vec<Subject>, StatementError> {
    if pause.subjects.is_empty() {
        let name = format!("pause:{}/data", pause.id);
        return Ok(vec![Subject::new(&name, data_sha256)?]);
    }
    let named = pause.subjects.iter();
    named.map(|s| Subject::new(s.name(), s.sha256())).collect()
}

/// The in-toto statement of `pause`'s decision (see [`predicate`]).
pub fn statement(
    pause: &Pause,
    claims: &ReceiptClaims,
    receipt_sha256: &str,
    log_index: Option<u64>,
) -> Result<Statement, StatementError> {
    let predicate = predicate(pause, claims, receipt_sha256, log_index);
    let predicate = serde_json::to_value(predicate).expect("a predicate always serializes");
    let subject = subjects(pause, &claims.data_sha256)?;
    Statement::new(subject, PREDICATE_TYPE, predicate)
}

#[cfg(test)]
mod tests;
