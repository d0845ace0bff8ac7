//! The README's walkthrough, run as written: its shell blocks in one bash
//! session against the real binary, each block's output compared with the
//! block shown after it (`…` stands for anything).

use crate::binary::spawn_serve;

const README: &str = include_str!("../../README.md");

/// The fenced blocks of the README section headed `heading`: (info, text).
fn blocks(heading: &str) -> Vec<(String, String)> {
    let start = README.find(heading).expect("the section exists");
    let section = &README[start..];
    let end = section[heading.len()..]
        .find("\n## ")
        .map_or(section.len(), |at| at + heading.len());
    let mut blocks = Vec::new();
    let mut lines = section[..end].lines();
    while let Some(line) = lines.next() {
        if let Some(info) = line.strip_prefix("```") {
            let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
            blocks.push((info.to_owned(), body.join("\n")));
        }
    }
    blocks
}

/// Does `actual` read as `expected`, where `…` stands for anything?
fn matches(expected: &str, actual: &str) -> bool {
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

#[tokio::test]
async fn the_readme_walkthrough_prints_what_it_shows() {
    let blocks = blocks("## Walkthrough with curl");
    let (serve, commands) = blocks.split_first().unwrap();
    assert_eq!(
        serve.1, "PAUSEGATE_API_KEY=dev-key cargo run --release -- serve",
        "the first block starts the server"
    );
    let dir = tempfile::tempdir().unwrap();
    let mut server = spawn_serve(dir.path(), &["--api-key", "dev-key"]);
    let address = server.base.trim_start_matches("http://").to_owned();
    let local = |text: &str| text.replace("127.0.0.1:8080", &address);

    // Each shell block, then the block that shows its output, if any.
    let mut script = String::from("set -euo pipefail\n");
    let mut expected = Vec::new();
    let mut pending = commands.iter().peekable();
    while let Some((info, text)) = pending.next() {
        assert_eq!(info, "sh", "output blocks follow a shell block");
        script.push_str(&local(text));
        script.push_str("\necho '@@end@@'\n");
        let shown = pending.next_if(|(info, _)| info != "sh");
        expected.push(shown.map(|(_, text)| local(text)));
    }
    let output = tokio::process::Command::new("bash")
        .arg("-c")
        .arg(&script)
        .env_remove("PAUSEGATE")
        .env_remove("PAUSEGATE_API_KEY")
        .output()
        .await
        .unwrap();
    assert!(server.terminate(), "the server stopped cleanly");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the walkthrough failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed: Vec<&str> = stdout.split("@@end@@\n").collect();
    for (index, shown) in expected.iter().enumerate() {
        if let Some(shown) = shown {
            assert!(
                matches(shown, printed[index]),
                "block {index} printed:\n{}\nthe README shows:\n{shown}",
                printed[index]
            );
        }
    }
}

#[test]
fn an_ellipsis_stands_for_anything_and_the_rest_must_match() {
    assert!(matches("{\"id\": \"pau_…\"}", "{\"id\": \"pau_01abc\"}"));
    assert!(!matches("{\"id\": \"pau_…\"}", "{\"id\": \"del_01abc\"}"));
    assert!(!matches("200\n409", "200\n200"));
}
