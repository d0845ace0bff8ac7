use std::path::PathBuf;

use serde_json::json;

use super::*;
use crate::domain::Verdict;

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const SMALL_LOADS: &str = r#"package pausegate

known_requesters := {"deployer"}

decision := {"outcome": "reject", "reason": "prod loads from unknown requesters are refused"} if {
    input.data.env == "prod"
    not known_requesters[input.requester]
} else := {"outcome": "approve", "reason": "fewer than 1000 rows"} if {
    input.data.rows < 1000
} else := {"outcome": "ask", "reason": "a person decides", "approvals_required": 2}
"#;

fn input(data: serde_json::Value, requester: Option<&str>) -> PolicyInput {
    PolicyInput {
        title: "Load".into(),
        data,
        requester: requester.map(str::to_owned),
        ..PolicyInput::default()
    }
}

#[test]
fn a_policy_approves_rejects_or_asks_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "small.rego", SMALL_LOADS);
    let set = PolicySet::load(&[("small_loads".into(), file)]).unwrap();
    let small = set.evaluate(&input(json!({"rows": 10}), None)).unwrap();
    assert_eq!(
        small,
        Answer::Settle {
            policy: "small_loads".into(),
            verdict: Verdict::Approve,
            reason: "fewer than 1000 rows".into()
        }
    );
    let prod = set
        .evaluate(&input(json!({"rows": 5, "env": "prod"}), Some("stranger")))
        .unwrap();
    assert!(matches!(
        prod,
        Answer::Settle {
            verdict: Verdict::Reject,
            ..
        }
    ));
    let known = set
        .evaluate(&input(
            json!({"rows": 5000, "env": "prod"}),
            Some("deployer"),
        ))
        .unwrap();
    let Answer::Ask(ask) = known else {
        panic!("{known:?}")
    };
    assert_eq!(ask.approvals_required, Some(2));
    assert_eq!(ask.reasons, ["small_loads: a person decides"]);
}

#[test]
fn a_policy_that_does_not_compile_is_named_with_its_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        &dir,
        "broken.rego",
        "package pausegate\n\ndecision := {\n  \"outcome\": \n",
    );
    let error = PolicySet::load(&[("broken".into(), file)]).unwrap_err();
    assert!(error.starts_with("policies.broken: "), "{error}");
    assert!(error.contains("broken.rego:"), "{error}");
    assert!(error.contains(":4:") || error.contains(":5:"), "{error}");
}

#[test]
fn a_policy_outside_package_pausegate_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "other.rego", "package other\n\ndecision := 1\n");
    let error = PolicySet::load(&[("other".into(), file)]).unwrap_err();
    assert!(error.contains("expected `package pausegate`"), "{error}");
}

#[test]
fn a_nonsense_answer_names_the_policy() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        &dir,
        "odd.rego",
        "package pausegate\n\ndecision := {\"outcome\": \"maybe\"}\n",
    );
    let set = PolicySet::load(&[("odd".into(), file)]).unwrap();
    let error = set.evaluate(&input(json!({}), None)).unwrap_err();
    assert!(error.contains("policy odd"), "{error}");
    assert!(error.contains("approve, reject or ask"), "{error}");
}

#[test]
fn a_policy_without_an_opinion_leaves_the_pause_to_people() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        &dir,
        "quiet.rego",
        "package pausegate\n\ndecision := {\"outcome\": \"approve\"} if input.data.never\n",
    );
    let set = PolicySet::load(&[("quiet".into(), file)]).unwrap();
    assert_eq!(
        set.evaluate(&input(json!({}), None)).unwrap(),
        Answer::Ask(Ask::default())
    );
}
