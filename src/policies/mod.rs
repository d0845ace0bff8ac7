//! Policies: Rego files named in the config, evaluated in-process by
//! `regorus` when a pause is created. Each answers `approve` or `reject`
//! (the pause settles at once, recorded `via: "policy"`) or `ask` (people
//! decide, optionally with other approvers, quorum or expiry). Owns
//! loading (a file that does not compile stops start-up, naming file and
//! line), the input a policy sees, and reading its answer; no HTTP, no store.
//!
//! A policy is a module in `package pausegate` defining `decision`, an
//! object: `{"outcome": "approve" | "reject" | "ask", "reason": "…",
//! "approvers": […], "approvals_required": N, "expires_in": "2h"}` (the
//! last three only with `ask`). A policy that leaves `decision` undefined
//! has no opinion. Policies are asked in name order; the first to approve
//! or reject settles the pause.
//!
//! References: the Rego language (OPA's policy language reference, rule
//! `else` chains and `default`), regorus' `Engine::add_policy`,
//! `set_input_json` and `eval_rule`.

mod answer;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;
use serde_json::Value;

pub use answer::{Answer, Ask};

/// The rule every policy defines.
const DECISION_RULE: &str = "data.pausegate.decision";

/// What a policy sees of a new pause (its `input`).
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct PolicyInput {
    /// The pause's title.
    pub title: String,
    /// Its description.
    pub description: String,
    /// Its `data`.
    pub data: Value,
    /// Its tags.
    pub tags: Vec<String>,
    /// The target it starts on approval.
    pub target: Option<String>,
    /// Who asked: a named API key or OpenID Connect caller; `null` for
    /// the server's unnamed key.
    pub requester: Option<String>,
    /// Its supersession group.
    pub group: Option<String>,
}

/// One loaded policy.
struct Policy {
    name: String,
    file: PathBuf,
    engine: Mutex<regorus::Engine>,
}

/// The configured policies, compiled.
#[derive(Default)]
pub struct PolicySet {
    policies: Vec<Policy>,
}

impl std::fmt::Debug for PolicySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.policies.iter().map(|p| p.name.as_str()).collect();
        f.debug_struct("PolicySet")
            .field("policies", &names)
            .finish()
    }
}

impl PolicySet {
    /// Reads and compiles each `(name, file)`; the error names the file and,
    /// for Rego that does not compile, the line.
    pub fn load(entries: &[(String, PathBuf)]) -> Result<Self, String> {
        let mut policies = Vec::with_capacity(entries.len());
        for (name, file) in entries {
            let engine = compile(file).map_err(|e| format!("policies.{name}: {e}"))?;
            policies.push(Policy {
                name: name.clone(),
                file: file.clone(),
                engine: Mutex::new(engine),
            });
        }
        Ok(Self { policies })
    }

    /// True when no policy is configured.
    pub fn is_empty(&self) -> bool {
        self.policies.is_empty()
    }

    /// What the policies say of `input`: the first `approve` or `reject`,
    /// else `ask` with the overrides the asking policies gave (the first
    /// to give each wins).
    pub fn evaluate(&self, input: &PolicyInput) -> Result<Answer, String> {
        let mut ask = Ask::default();
        for policy in &self.policies {
            match policy.answer(input)? {
                Some(Answer::Ask(more)) => ask.fill_from(more),
                Some(settle) => return Ok(settle),
                None => {}
            }
        }
        Ok(Answer::Ask(ask))
    }
}

impl Policy {
    fn answer(&self, input: &PolicyInput) -> Result<Option<Answer>, String> {
        let fail = |e: &dyn std::fmt::Display| {
            format!("policy {} ({}): {e}", self.name, self.file.display())
        };
        let input = serde_json::to_string(input).map_err(|e| fail(&e))?;
        let mut engine = self
            .engine
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        engine.set_input_json(&input).map_err(|e| fail(&e))?;
        let value = engine
            .eval_rule(DECISION_RULE.to_owned())
            .map_err(|e| fail(&e))?;
        if value == regorus::Value::Undefined {
            return Ok(None);
        }
        let json = value.to_json_str().map_err(|e| fail(&e))?;
        answer::read(&self.name, &json)
            .map(Some)
            .map_err(|e| fail(&e))
    }
}

/// Reads and compiles one policy file, checking it defines `decision` in
/// `package pausegate`.
pub fn compile(file: &Path) -> Result<regorus::Engine, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let mut engine = regorus::Engine::new();
    let package = engine
        .add_policy(file.display().to_string(), text)
        .map_err(|e| e.to_string())?;
    if package != "data.pausegate" {
        return Err(format!(
            "{}: the policy's package is {package}, expected `package pausegate`",
            file.display()
        ));
    }
    // Evaluating once with an empty input surfaces errors `add_policy`
    // leaves for later (unknown functions, conflicting rules).
    engine.set_input_json("{}").map_err(|e| e.to_string())?;
    engine
        .eval_rule(DECISION_RULE.to_owned())
        .map_err(|e| e.to_string())?;
    Ok(engine)
}

#[cfg(test)]
mod tests;
