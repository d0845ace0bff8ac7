//! Patterns where `*` matches any run of characters (subjects of an
//! OpenID Connect caller, tools the MCP gateway guards).

/// Whether `text` fits `pattern`: `*` matches any run of characters,
/// everything else itself.
pub fn star_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let Some(mut rest) = text.strip_prefix(parts[0]) else {
        return false;
    };
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    rest.ends_with(parts[parts.len() - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_star_matches_any_run_and_the_rest_matches_itself() {
        assert!(star_match(
            "repo:acme/*:ref:refs/heads/main",
            "repo:acme/app:ref:refs/heads/main"
        ));
        assert!(!star_match(
            "repo:acme/*:ref:refs/heads/main",
            "repo:acme/app:ref:refs/heads/dev"
        ));
        assert!(star_match("delete_*", "delete_file"));
        assert!(!star_match("delete_*", "read_file"));
        assert!(star_match("exact", "exact"));
        assert!(!star_match("exact", "exactly"));
    }
}
