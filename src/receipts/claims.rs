//! What a receipt says: built from a settled pause, and compared with a
//! pause as stored, naming each difference. Pure: no keys, no I/O.
//!
//! # What is signed as a value and what as a digest
//!
//! The title is signed as it is: at most 200 characters, it is what the
//! approver was asked, and it lets a receipt read on its own
//! (`pausegate verify` shows it). The description (up to 10,000
//! characters), each decision's comment (free text, one per decider of a
//! quorum) and the data (up to 256 KiB) are signed as hex SHA-256 digests
//! of their UTF-8 text (the data: of its compact JSON, keys sorted). A
//! receipt travels with the outcome as a workflow input, a pipeline
//! parameter or a callback field, whose sizes are limited; digests keep it
//! small whatever people wrote, and copy no free text to every receiver.
//! Anyone holding the text checks it against the digest.
//!
//! Receipts signed before the title, description and comments were covered
//! have no `title` claim; [`ReceiptClaims::covers_text`] tells them apart,
//! and they still verify: those fields are simply not covered by them.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::domain::{
    Decision, DeliveryKind, DeliveryState, OnCallResolution, Pause, PauseState, Via,
};

/// The signed content of a receipt (the JWS payload).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReceiptClaims {
    /// The server's public URL, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// The pause id.
    pub sub: String,
    /// When the pause settled, in seconds since the epoch.
    pub iat: i64,
    /// Its place in the chain, from 1: only in receipts signed before the
    /// transparency log, whose index (in the inclusion proof) replaced it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
    /// Hex SHA-256 of the receipt before it in the chain (`null` for the
    /// first); only in receipts signed before the transparency log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
    /// `approved`, `rejected`, `expired` or `cancelled`.
    pub outcome: String,
    /// How it settled: `link`, `api`, `timeout` or `policy` (the last
    /// decision's channel), `expiry`, `supersession` or `cancel`.
    pub via: String,
    /// The rule that was met, in words.
    pub rule: String,
    /// Hex SHA-256 of the pause's `data` as compact JSON, keys sorted.
    pub data_sha256: String,
    /// Every decision, in the order recorded.
    pub decisions: Vec<ReceiptDecision>,
    /// When it settled (RFC 3339, milliseconds).
    pub decided_at: String,
    /// The pause's title. Absent from receipts signed before titles,
    /// descriptions and comments were covered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Hex SHA-256 of the description's UTF-8 text (of `""` when empty).
    /// Absent from receipts signed before it was covered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description_sha256: Option<String>,
    /// Whom each `oncall:` approver stood for when the pause was created;
    /// absent when it named none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub on_call: Vec<OnCallResolution>,
    /// When what the outcome starts (a trigger, or an approval's callback)
    /// was due, when a change window held it past the settlement: the
    /// window's opening, as known then (RFC 3339, milliseconds). Absent
    /// when nothing was held. An operator's early release, recorded on the
    /// pause as `released`, may start it sooner; deliveries move after
    /// settlement, so it is not compared with the database.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<String>,
}

/// One decision as a receipt records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReceiptDecision {
    /// `approve` or `reject`.
    pub decision: String,
    /// Who decided, if known.
    pub actor: Option<String>,
    /// Through what.
    pub via: String,
    /// How the actor was identified.
    pub identified_by: Option<String>,
    /// When (RFC 3339, milliseconds).
    pub at: String,
    /// Hex SHA-256 of the comment's UTF-8 text; absent when the decider
    /// left none (or, in a receipt without a `title`, when comments were
    /// not yet covered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment_sha256: Option<String>,
    /// The person a delegate decided for; absent when they decided for
    /// themselves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
}

/// The hash a receipt records for `data`: SHA-256 (hex) of its compact
/// JSON with object keys sorted and numbers as they were written.
pub fn data_sha256(data: &Value) -> String {
    let text = serde_json::to_string(data).unwrap_or_default();
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Hex SHA-256 of `text`'s UTF-8 bytes: how a receipt signs the
/// description and each comment.
pub fn text_sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Hex SHA-256 of a receipt (the chain's `prev` named it so).
pub fn receipt_hash(jws: &str) -> String {
    hex::encode(Sha256::digest(jws.as_bytes()))
}

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl ReceiptClaims {
    /// The claims for `pause`, just settled; `seq` and `prev` only to
    /// compare with a receipt of the chain that came before the log.
    pub fn for_pause(
        pause: &Pause,
        seq: Option<i64>,
        prev: Option<String>,
        iss: Option<String>,
    ) -> Self {
        let decided_at = pause.decided_at.unwrap_or(pause.created_at);
        Self {
            iss,
            sub: pause.id.to_string(),
            iat: decided_at.timestamp(),
            seq,
            prev,
            outcome: pause.state.as_str().to_owned(),
            via: via_of(pause).to_owned(),
            rule: rule_met(pause),
            data_sha256: data_sha256(&pause.data),
            decisions: pause.decisions.iter().map(ReceiptDecision::of).collect(),
            decided_at: stamp(decided_at),
            title: Some(pause.title.to_string()),
            description_sha256: Some(text_sha256(&pause.description)),
            on_call: (pause.rules.as_ref()).map_or_else(Vec::new, |r| r.on_call.clone()),
            starts_at: held_past(pause, decided_at).map(stamp),
        }
    }

    /// Whether this receipt signs the title, the description and the
    /// comments: receipts signed before they were covered have no `title`.
    pub fn covers_text(&self) -> bool {
        self.title.is_some()
    }

    /// How `pause` as stored differs from what this receipt says, one
    /// sentence per difference; empty when they agree. The title,
    /// description and comments are compared only when the receipt covers
    /// them ([`ReceiptClaims::covers_text`]).
    pub fn differences(&self, pause: &Pause) -> Vec<String> {
        let stored = Self::for_pause(pause, self.seq, self.prev.clone(), self.iss.clone());
        let mut found = Vec::new();
        let mut compare = |what: &str, receipt: Option<&str>, now: Option<&str>| {
            if receipt != now {
                let (receipt, now) = (shown(receipt), shown(now));
                found.push(format!(
                    "{what} is {now} in the database, {receipt} in the receipt"
                ));
            }
        };
        let text = self.covers_text();
        compare("the outcome", Some(&self.outcome), Some(&stored.outcome));
        let named =
            |on_call: &[OnCallResolution]| serde_json::to_string(on_call).unwrap_or_default();
        let (signed, now) = (named(&self.on_call), named(&stored.on_call));
        compare(
            "whom the on-call schedules named",
            Some(&signed),
            Some(&now),
        );
        if text {
            compare("the title", self.title.as_deref(), stored.title.as_deref());
            let (signed, now) = (&self.description_sha256, &stored.description_sha256);
            compare(
                "the description's SHA-256",
                signed.as_deref(),
                now.as_deref(),
            );
        }
        let (signed, now) = (&self.data_sha256, &stored.data_sha256);
        compare("the data's SHA-256", Some(signed), Some(now));
        compare(
            "decided_at",
            Some(&self.decided_at),
            Some(&stored.decided_at),
        );
        let (signed, now) = (
            self.decisions.len().to_string(),
            stored.decisions.len().to_string(),
        );
        compare("the number of decisions", Some(&signed), Some(&now));
        for (n, (signed, row)) in self.decisions.iter().zip(&stored.decisions).enumerate() {
            signed.compare(row, text, &mut |field, a, b| {
                compare(&format!("decision {}'s {field}", n + 1), a, b);
            });
        }
        found
    }
}

/// The soonest trigger or callback of `pause`, not yet tried, due after
/// `decided_at`: a start a change window held at settlement.
fn held_past(pause: &Pause, decided_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    (pause.deliveries.iter())
        .filter(|d| matches!(d.kind, DeliveryKind::Trigger | DeliveryKind::Callback))
        .filter(|d| d.state == DeliveryState::Pending && d.attempts == 0)
        .filter_map(|d| d.next_attempt_at)
        // In milliseconds, as stored: a start due at once is due at the
        // settlement's own millisecond.
        .filter(|at| at.timestamp_millis() > decided_at.timestamp_millis())
        .min()
}

/// A value in a sentence: quoted, or "nothing".
fn shown(value: Option<&str>) -> String {
    value.map_or_else(|| "nothing".to_owned(), |v| format!("{v:?}"))
}

/// Reports one field that may differ: its name, the receipt's value, the
/// database's.
type Compare<'a> = dyn FnMut(&str, Option<&str>, Option<&str>) + 'a;

impl ReceiptDecision {
    fn of(decision: &Decision) -> Self {
        Self {
            decision: decision.decision.as_str().to_owned(),
            actor: decision.actor.as_deref().map(str::to_owned),
            via: decision.via.as_str().to_owned(),
            identified_by: decision.identified_by.map(|i| i.as_str().to_owned()),
            at: stamp(decision.at),
            comment_sha256: decision.comment.as_deref().map(text_sha256),
            on_behalf_of: decision.on_behalf_of.clone(),
        }
    }

    /// Hands each field of this signed decision and of `row` (the same
    /// decision as stored) to `compare`; the comment only when `text`.
    fn compare(&self, row: &Self, text: bool, compare: &mut Compare<'_>) {
        compare("verdict", Some(&self.decision), Some(&row.decision));
        compare("actor", self.actor.as_deref(), row.actor.as_deref());
        let (a, b) = (&self.on_behalf_of, &row.on_behalf_of);
        compare("on_behalf_of", a.as_deref(), b.as_deref());
        compare("via", Some(&self.via), Some(&row.via));
        let (a, b) = (&self.identified_by, &row.identified_by);
        compare("identified_by", a.as_deref(), b.as_deref());
        compare("time", Some(&self.at), Some(&row.at));
        if text {
            let (a, b) = (&self.comment_sha256, &row.comment_sha256);
            compare("comment's SHA-256", a.as_deref(), b.as_deref());
        }
    }
}

fn via_of(pause: &Pause) -> &'static str {
    match (pause.decisions.last(), pause.state) {
        (Some(decision), _) => decision.via.as_str(),
        (None, PauseState::Expired) => "expiry",
        (None, _) if pause.superseded_by.is_some() => "supersession",
        (None, _) => "cancel",
    }
}

/// The rule that settled `pause`, in words.
fn rule_met(pause: &Pause) -> String {
    let last = pause.decisions.last();
    match (pause.state, last) {
        (PauseState::Expired, _) => "expired with no decision".to_owned(),
        (PauseState::Cancelled, _) => match &pause.superseded_by {
            Some(newer) => format!("superseded by {newer}"),
            None => "cancelled".to_owned(),
        },
        (_, Some(d)) if d.via == Via::Timeout => {
            format!("on_expire = {}", pause.on_expire.as_str())
        }
        (_, Some(d)) if d.via == Via::Policy => {
            format!("policy {}", d.actor.as_deref().unwrap_or("?"))
        }
        (_, Some(d)) => match (&pause.rules, d.decision.as_str()) {
            (Some(rules), "approve") => format!(
                "{} approval(s) from {}",
                rules.approvals_required,
                if rules.approvers.is_empty() {
                    "any identified person".to_owned()
                } else {
                    rules.approvers.join(", ")
                }
            ),
            (Some(_), _) => "one rejection from an allowed approver".to_owned(),
            (None, _) => "one decision by a holder of a link or the API key".to_owned(),
        },
        _ => "settled".to_owned(),
    }
}
