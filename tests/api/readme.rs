//! The README as a newcomer meets it, and its walkthrough run as written:
//! install comes first, then the two commands; the first of them (the
//! real binary on its defaults, no key anywhere) serves the walkthrough,
//! whose shell blocks run in one bash session in the server's folder, each
//! block's output compared with the block shown after it (`…` stands for
//! anything). `docs` runs the pages' runnable sections the same way.

use std::path::Path;

use crate::helpers::TestApp;

pub(crate) const README: &str = include_str!("../../README.md");

/// The first command, as the README gives it.
const FIRST_COMMAND: &str = "cargo run --release -- serve";

/// The fenced blocks of `doc`'s section headed `heading`, up to the next
/// heading of any level: (info, text).
pub(crate) fn blocks(doc: &str, heading: &str) -> Vec<(String, String)> {
    let start = doc
        .find(&format!("{heading}\n"))
        .unwrap_or_else(|| panic!("the section {heading:?} exists"));
    let mut blocks = Vec::new();
    let mut lines = doc[start + heading.len()..].lines();
    while let Some(line) = lines.next() {
        if line.starts_with('#') {
            break;
        }
        if let Some(info) = line.strip_prefix("```") {
            let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
            blocks.push((info.to_owned(), body.join("\n")));
        }
    }
    blocks
}

/// Does `actual` read as `expected`, where `…` stands for anything?
pub(crate) fn matches(expected: &str, actual: &str) -> bool {
    let parts: Vec<&str> = expected.trim().split('…').collect();
    let mut rest = actual.trim();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    let Some(after_first) = rest.strip_prefix(first) else {
        return false;
    };
    rest = after_first;
    if parts.len() == 1 {
        return rest.is_empty();
    }
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

/// Runs the shell blocks of `doc`'s section `heading` against the first
/// command's server, in its folder (with `examples/` linked in, as in a
/// clone), `pausegate` on PATH; each output block must match what the
/// shell block before it printed. A leading block holding the first
/// command itself is what started that server.
pub(crate) async fn run_section(doc: &str, heading: &str) {
    let mut blocks = blocks(doc, heading);
    if blocks
        .first()
        .is_some_and(|(_, text)| text == FIRST_COMMAND)
    {
        blocks.remove(0);
    }
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples"),
        dir.path().join("examples"),
    )
    .unwrap();
    let mut server = TestApp::builder().keyless().dir(dir.path()).binary();
    let address = server.base.trim_start_matches("http://").to_owned();
    let (script, expected) = script_of(heading, &blocks, |text| {
        text.replace("127.0.0.1:8080", &address)
    });
    let printed = run_in(dir.path(), &script, heading).await;
    assert!(server.terminate(), "the server stopped cleanly");
    let printed: Vec<&str> = printed.split("@@end@@\n").collect();
    for (index, shown) in expected.iter().enumerate() {
        if let Some(shown) = shown {
            assert!(
                matches(shown, printed[index]),
                "{heading}, block {index} printed:\n{}\nthe page shows:\n{shown}",
                printed[index]
            );
        }
    }
}

/// One bash script of the shell blocks, each followed by a marker, and the
/// output block shown after each (if any), both passed through `local`.
fn script_of(
    heading: &str,
    blocks: &[(String, String)],
    local: impl Fn(&str) -> String,
) -> (String, Vec<Option<String>>) {
    let mut script = String::from("set -euo pipefail\n");
    let mut expected = Vec::new();
    let mut pending = blocks.iter().peekable();
    while let Some((info, text)) = pending.next() {
        assert_eq!(info, "sh", "{heading}: output blocks follow a shell block");
        script.push_str(&local(text));
        script.push_str("\necho '@@end@@'\n");
        let shown = pending.next_if(|(info, _)| info != "sh");
        expected.push(shown.map(|(_, text)| local(text)));
    }
    (script, expected)
}

/// Runs `script` with bash in `dir`, the built `pausegate` first on PATH
/// and no client settings inherited; what it printed.
async fn run_in(dir: &Path, script: &str, heading: &str) -> String {
    let binary_dir = Path::new(env!("CARGO_BIN_EXE_pausegate")).parent().unwrap();
    let path = format!(
        "{}:{}",
        binary_dir.display(),
        std::env::var("PATH").unwrap()
    );
    let output = tokio::process::Command::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .env("PATH", path)
        .env_remove("PAUSEGATE_URL")
        .env_remove("PAUSEGATE_API_KEY")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{heading} failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The `## ` headings of the README, in order.
fn headings() -> Vec<&'static str> {
    let mut fenced = false;
    README
        .lines()
        .filter(|line| {
            fenced ^= line.starts_with("```");
            !fenced && line.starts_with("## ")
        })
        .collect()
}

#[tokio::test]
async fn the_readme_walkthrough_prints_what_it_shows() {
    let blocks = blocks(README, "## Walkthrough with curl");
    assert_eq!(
        blocks[0].1, FIRST_COMMAND,
        "the walkthrough starts with the first command, nothing added"
    );
    run_section(README, "## Walkthrough with curl").await;
}

#[test]
fn the_readme_starts_with_install_then_the_two_commands_then_the_walkthrough() {
    assert_eq!(
        headings()[..3],
        [
            "## Install",
            "## The two commands",
            "## Walkthrough with curl"
        ]
    );
    let commands: Vec<String> = blocks(README, "## The two commands")
        .into_iter()
        .map(|(_, text)| text)
        .collect();
    assert_eq!(commands, [FIRST_COMMAND, "cargo test"]);
    let lines = README.lines().count();
    assert!(
        lines < 300,
        "a front door, not the whole house: {lines} lines"
    );
}

#[test]
fn an_ellipsis_stands_for_anything_and_the_rest_must_match() {
    assert!(matches("{\"id\": \"pau_…\"}", "{\"id\": \"pau_01abc\"}"));
    assert!(!matches("{\"id\": \"pau_…\"}", "{\"id\": \"del_01abc\"}"));
    assert!(!matches("200\n409", "200\n200"));
}
