//! The repository's GitHub workflows (`.github/workflows/`) and the
//! action's `action.yml`, read as a runner reads them: each workflow
//! parses as YAML, its jobs and steps are well formed, and every action it
//! uses gets only the inputs that action's own `action.yml` declares
//! (`tests/action/documented_inputs.json`, with the commit each list was
//! read from); the action uses only inputs it declares.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::python;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The problems `tests/action/check_workflows.py` finds in `workflows`.
fn problems(workflows: &[PathBuf]) -> Vec<String> {
    let python = python::with(&[("yaml", "pyyaml")]);
    let output = Command::new(python)
        .arg(root().join("tests/action/check_workflows.py"))
        .arg(root().join("tests/action/documented_inputs.json"))
        .arg(root().join("action.yml"))
        .args(workflows)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the checker ran: {said}");
    serde_json::from_slice(&output.stdout).unwrap()
}

fn workflows() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(root().join(".github/workflows"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    found.sort();
    found
}

#[test]
fn the_workflows_parse_and_give_each_action_only_its_documented_inputs() {
    let files = workflows();
    assert!(
        files.iter().any(|f| f.ends_with("release.yml")),
        "a release workflow: {files:?}"
    );
    assert_eq!(problems(&files), Vec::<String>::new());
}

#[test]
fn the_release_workflow_publishes_every_platform_the_action_installs_on() {
    let text = std::fs::read_to_string(root().join(".github/workflows/release.yml")).unwrap();
    for target in [
        "x86_64-unknown-linux-gnu",
        "aarch64-unknown-linux-gnu",
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
        "aarch64-apple-darwin",
        "x86_64-apple-darwin",
    ] {
        assert!(text.contains(&format!("target: {target}")), "{target}");
    }
    assert!(text.contains("SHA256SUMS"));
    assert!(text.contains("platforms: linux/amd64,linux/arm64"));
}

#[test]
fn the_check_catches_an_undocumented_input_an_unknown_action_and_broken_yaml() {
    let dir = tempfile::tempdir().unwrap();
    let release = std::fs::read_to_string(root().join(".github/workflows/release.yml")).unwrap();
    let undocumented = dir.path().join("undocumented.yml");
    std::fs::write(
        &undocumented,
        release.replace(
            "          command: build\n",
            "          command: build\n          sign: true\n",
        ),
    )
    .unwrap();
    let unknown = dir.path().join("unknown.yml");
    std::fs::write(
        &unknown,
        release.replace("docker/login-action@v4", "someone/login@main"),
    )
    .unwrap();
    let broken = dir.path().join("broken.yml");
    std::fs::write(&broken, "on: push\njobs:\n  a: [unclosed\n").unwrap();
    let found = problems(&[undocumented, unknown, broken]);
    let said = |needle: &str| found.iter().any(|p| p.contains(needle));
    assert!(
        said("PyO3/maturin-action@v1 has no input sign"),
        "{found:?}"
    );
    assert!(said("someone/login@main is not a documented"), "{found:?}");
    assert!(said("broken.yml: not YAML"), "{found:?}");
}
