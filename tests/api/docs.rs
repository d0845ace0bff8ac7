//! The pages under `docs/`, with the README that leads to them: their
//! runnable sections print what they show (run like the README's
//! walkthrough), every relative link leads to a file and heading that
//! exist, every page is reachable from the README's table, and every
//! `PAUSEGATE…` variable they name is one pausegate reads.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::readme::{README, run_section};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Pages that come with their own feature's work; a link to one is
/// checked once the page is there.
const PAGES_KEPT_WITH_THEIR_FEATURE: &[&str] = &["docs/receipts.md"];

/// The README and every page under docs/: (path from the root, text).
fn pages() -> Vec<(String, String)> {
    let mut pages = vec![("README.md".to_owned(), README.to_owned())];
    let mut found: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    found.sort();
    for path in found {
        let name = format!("docs/{}", path.file_name().unwrap().to_string_lossy());
        pages.push((name, std::fs::read_to_string(&path).unwrap()));
    }
    pages
}

fn page(name: &str) -> String {
    std::fs::read_to_string(root().join(name)).unwrap()
}

/// The anchors GitHub makes for a page's headings (lower case, spaces to
/// hyphens, punctuation dropped), fenced code left out.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut fenced = false;
    let mut found = BTreeSet::new();
    for line in text.lines() {
        fenced ^= line.starts_with("```");
        if fenced || !line.starts_with('#') {
            continue;
        }
        let title = line.trim_start_matches('#').trim().to_lowercase();
        let slug: String = title
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        found.insert(slug);
    }
    found
}

/// Every `](target)` of a Markdown text that is not a web address.
fn relative_links(text: &str) -> Vec<String> {
    text.split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .filter(|target| !target.starts_with("http") && !target.starts_with("mailto:"))
        .map(str::to_owned)
        .collect()
}

/// `from`'s folder joined with `target`, normalised (`a/../b` is `b`).
fn resolve(from: &str, target: &str) -> String {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for part in target.split('/') {
        match part {
            "." | "" => {}
            ".." => {
                parts.pop();
            }
            name => parts.push(name),
        }
    }
    parts.join("/")
}

#[test]
fn every_relative_link_in_the_readme_and_docs_leads_to_a_file_and_heading() {
    let pages = pages();
    let mut broken = Vec::new();
    for (name, text) in &pages {
        for link in relative_links(text) {
            let (file, anchor) = link.split_once('#').unwrap_or((&link, ""));
            let target = if file.is_empty() {
                name.clone()
            } else {
                resolve(name, file)
            };
            let path = root().join(&target);
            if !path.exists() {
                if !PAGES_KEPT_WITH_THEIR_FEATURE.contains(&target.as_str()) {
                    broken.push(format!("{name}: {link} (no {target})"));
                }
                continue;
            }
            if !anchor.is_empty() && !anchors(&page(&target)).contains(anchor) {
                broken.push(format!("{name}: {link} (no heading #{anchor} in {target})"));
            }
        }
    }
    assert_eq!(broken, Vec::<String>::new());
}

#[test]
fn every_page_under_docs_is_in_the_readmes_table() {
    let table = &README[README.find("## Integrations and topics").unwrap()..];
    let missing: Vec<String> = pages()
        .into_iter()
        .skip(1)
        .map(|(name, _)| name)
        .filter(|name| !table.contains(&format!("]({name})")))
        .collect();
    assert_eq!(missing, Vec::<String>::new());
    for kept in PAGES_KEPT_WITH_THEIR_FEATURE {
        assert!(table.contains(&format!("]({kept})")), "{kept} is linked");
    }
}

/// The `PAUSEGATE_…` names the binary reads (its flags' variables) and
/// the ones the example configs name for secrets.
fn variables_read() -> BTreeSet<String> {
    let mut said = String::new();
    for command in ["serve", "status", "healthcheck", "verify", "mcp-gate"] {
        let output = Command::new(env!("CARGO_BIN_EXE_pausegate"))
            .args([command, "--help"])
            .env_remove("PAUSEGATE_URL")
            .env_remove("PAUSEGATE_API_KEY")
            .output()
            .unwrap();
        said.push_str(&String::from_utf8_lossy(&output.stdout));
    }
    for entry in std::fs::read_dir(root().join("examples")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            said.push_str(&std::fs::read_to_string(path).unwrap());
        }
    }
    names(&said)
}

fn names(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (at, _) in text.match_indices("PAUSEGATE") {
        let name: String = text[at..]
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        found.insert(name.trim_end_matches('_').to_owned());
    }
    found
}

#[test]
fn every_pausegate_variable_the_pages_name_is_one_pausegate_reads() {
    let read = variables_read();
    assert!(read.contains("PAUSEGATE_URL") && read.contains("PAUSEGATE_API_KEY"));
    // Read by the test suite and its CI script, not by pausegate.
    let for_tests = ["PAUSEGATE_TEST_POSTGRES", "PAUSEGATE_CI_CACHE"];
    let mut unknown = Vec::new();
    for (name, text) in pages() {
        for variable in names(&text) {
            if !read.contains(&variable) && !for_tests.contains(&variable.as_str()) {
                unknown.push(format!("{name}: {variable}"));
            }
        }
    }
    assert_eq!(
        unknown,
        Vec::<String>::new(),
        "one name per setting everywhere"
    );
}

#[tokio::test]
async fn the_cli_pages_try_it_prints_what_it_shows() {
    run_section(&page("docs/cli.md"), "## Try it").await;
}

#[tokio::test]
async fn trying_a_policy_prints_what_the_approvals_page_shows() {
    run_section(&page("docs/approvals.md"), "### Try a policy on a pause").await;
}
