//! Secrets named by `*_env` keys: read from the environment at start-up and
//! kept in a type whose `Debug` never shows the value.

use std::collections::HashMap;
use std::fmt;

/// A secret value: an API key, a client secret, an incoming-message URL.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// Where `*_env` names are looked up: the process environment in
/// production, a map in tests (so they never touch the real environment).
#[derive(Debug, Clone, Default)]
pub enum Env {
    /// The process environment.
    #[default]
    Process,
    /// Only these variables.
    Map(HashMap<String, String>),
}

impl Env {
    /// A fixed set of variables.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self::Map(
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        )
    }

    /// The variable's value; unset and empty are the same.
    pub fn get(&self, name: &str) -> Option<String> {
        let value = match self {
            Self::Process => std::env::var(name).ok(),
            Self::Map(map) => map.get(name).cloned(),
        };
        value.filter(|v| !v.is_empty())
    }

    /// The secret the variable holds, or an error naming the key and variable.
    pub fn secret(&self, key: &str, variable: &str) -> Result<Secret, String> {
        self.get(variable)
            .map(Secret::new)
            .ok_or_else(|| format!("{key}: environment variable {variable} is not set"))
    }
}

/// Every `*_env = "VARIABLE"` line of a config file whose variable is
/// unset, in file order, each named as `table.key` with its variable: a
/// new user sees all of them in one start instead of one per attempt.
pub(crate) fn missing_variables(text: &str, env: &Env) -> Vec<String> {
    let mut table = String::new();
    let mut missing = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('#') {
            continue;
        }
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.split(']').next()) {
            table = format!("{}.", header.trim());
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        let variable = value
            .split('#')
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches('"');
        let plain = !variable.is_empty()
            && variable
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if key.ends_with("_env") && plain && env.get(variable).is_none() {
            missing.push(format!(
                "{table}{key}: environment variable {variable} is not set"
            ));
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_shows_in_debug() {
        assert_eq!(
            format!("{:?}", Secret::new("hunter2")),
            "Secret([redacted])"
        );
    }

    #[test]
    fn every_missing_variable_is_named_in_file_order() {
        let text = "api_key_env = \"KEY\"\n[targets.a]\nkind = \"a_kind\"\n\
                    secret_env = \"A_SECRET\"  # signs\n[channels.ops]\nurl_env = \"SET\"\n\
                    [targets.b]\n# password_env = \"COMMENTED\"\ntoken_env = \"B_TOKEN\"\n";
        let env = Env::from_pairs([("SET", "x")]);
        assert_eq!(
            missing_variables(text, &env),
            [
                "api_key_env: environment variable KEY is not set",
                "targets.a.secret_env: environment variable A_SECRET is not set",
                "targets.b.token_env: environment variable B_TOKEN is not set",
            ]
        );
    }

    #[test]
    fn a_missing_variable_names_key_and_variable() {
        let env = Env::from_pairs([("SET", "x")]);
        assert_eq!(env.secret("k", "SET").unwrap().expose(), "x");
        let error = env.secret("targets.a.token_env", "UNSET").unwrap_err();
        assert!(error.contains("targets.a.token_env") && error.contains("UNSET"));
    }
}
