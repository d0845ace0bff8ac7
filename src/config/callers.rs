//! Who may call the management API besides the one `PAUSEGATE_API_KEY`:
//! named API keys (`[api_keys.NAME]`, the name becomes the requester or
//! actor) and OpenID Connect bearer tokens (`[oidc_callers.NAME]`: an
//! issuer's signed JWTs, such as a cloud's managed identity's or a CI
//! job's OIDC token, so a pipeline needs no stored secret; the caller
//! is `oidc:NAME:VALUE`). A NAME is letters, digits, `.`, `_` and `-` only,
//! so it never reads as an address or as another namespace.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::parse_url;
use super::secret::{Env, Secret};

/// `[api_keys.NAME]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyFile {
    /// Names the variable holding the key.
    pub key_env: String,
}

/// `[oidc_callers.NAME]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcCallerFile {
    /// The `iss` the tokens carry, e.g. `https://token.ci.example.com`.
    pub issuer: String,
    /// Accepted `aud` values; at least one.
    pub audiences: Vec<String>,
    /// Accepted `sub` values (`*` matches any run of characters); empty
    /// accepts every subject of the issuer.
    #[serde(default)]
    pub subjects: Vec<String>,
    /// The issuer's key set; found through its discovery document
    /// (`/.well-known/openid-configuration`) when left out.
    pub jwks_url: Option<String>,
    /// The claim that names the caller (default `sub`).
    pub name_claim: Option<String>,
}

/// A named API key.
#[derive(Debug, Clone)]
pub struct NamedKey {
    /// Recorded as the requester or actor.
    pub name: String,
    /// The key.
    pub key: Secret,
}

/// An issuer whose bearer tokens are accepted.
#[derive(Debug, Clone)]
pub struct OidcCaller {
    /// The config table's name: the middle of the caller's identity.
    pub name: String,
    /// Exact `iss`.
    pub issuer: String,
    /// Accepted `aud` values.
    pub audiences: Vec<String>,
    /// Accepted `sub` patterns; empty accepts all.
    pub subjects: Vec<String>,
    /// Where the keys are; `None`: from discovery.
    pub jwks_url: Option<url::Url>,
    /// The claim naming the caller.
    pub name_claim: String,
}

/// Refuses a caller's name that could be read as another kind of
/// identity: the name is recorded as requester or actor and matched
/// against approver rules, where an address or an `oidc:` identity means
/// someone else.
fn check_name(table: &str, name: &str) -> Result<(), String> {
    if crate::domain::is_caller_name(name) {
        return Ok(());
    }
    Err(format!(
        "{table}.{name:?}: a caller's name is 1 to 64 letters, digits, '.', '_' or '-' \
         (no '@' or ':', so it never reads as an address or an oidc: identity)"
    ))
}

/// `[api_keys]`, each key read from its variable.
pub(crate) fn resolve_keys(
    file: BTreeMap<String, ApiKeyFile>,
    env: &Env,
) -> Result<Vec<NamedKey>, String> {
    let mut seen: Vec<String> = Vec::new();
    file.into_iter()
        .map(|(name, f)| {
            check_name("api_keys", &name)?;
            // Names are matched ignoring case: two that differ only in
            // case would be one approver.
            if seen.iter().any(|s| s.eq_ignore_ascii_case(&name)) {
                return Err(format!(
                    "api_keys.{name}: another key has this name in other letter case"
                ));
            }
            seen.push(name.clone());
            let key = env.secret(&format!("api_keys.{name}.key_env"), &f.key_env)?;
            if key.expose().trim().len() < 16 {
                return Err(format!(
                    "api_keys.{name}.key_env: the key is shorter than 16 characters"
                ));
            }
            Ok(NamedKey { name, key })
        })
        .collect()
}

/// `[oidc_callers]`, checked.
pub(crate) fn resolve_oidc(
    file: BTreeMap<String, OidcCallerFile>,
) -> Result<Vec<OidcCaller>, String> {
    file.into_iter()
        .map(|(name, f)| {
            check_name("oidc_callers", &name)?;
            let key = |k: &str| format!("oidc_callers.{name}.{k}");
            parse_url(&key("issuer"), &f.issuer)?;
            if f.audiences.iter().all(|a| a.trim().is_empty()) {
                return Err(format!("{}: name at least one audience", key("audiences")));
            }
            let jwks_url = f
                .jwks_url
                .as_deref()
                .map(|u| parse_url(&key("jwks_url"), u))
                .transpose()?;
            Ok(OidcCaller {
                issuer: f.issuer,
                audiences: f.audiences,
                subjects: f.subjects,
                jwks_url,
                name_claim: f.name_claim.unwrap_or_else(|| "sub".to_owned()),
                name,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(names: &[&str]) -> Result<Vec<NamedKey>, String> {
        let file = names
            .iter()
            .map(|n| {
                (
                    n.to_string(),
                    ApiKeyFile {
                        key_env: "K".into(),
                    },
                )
            })
            .collect();
        resolve_keys(file, &Env::from_pairs([("K", "a-key-of-16-chars-or-more")]))
    }

    #[test]
    fn a_key_named_like_an_address_or_a_namespace_is_refused_naming_it() {
        assert_eq!(keys(&["ci-bot"]).unwrap()[0].name, "ci-bot");
        for name in ["ana@example.com", "oidc:gha:repo", "group:ops", "two words"] {
            let error = keys(&[name]).unwrap_err();
            assert!(error.starts_with(&format!("api_keys.{name:?}")), "{error}");
        }
        let error = keys(&["ci-bot", "CI-Bot"]).unwrap_err();
        assert!(error.contains("other letter case"), "{error}");
    }

    #[test]
    fn an_oidc_caller_named_with_a_colon_is_refused_naming_it() {
        let caller = || OidcCallerFile {
            issuer: "https://issuer.example.com".into(),
            audiences: vec!["pausegate".into()],
            subjects: Vec::new(),
            jwks_url: None,
            name_claim: None,
        };
        let error = resolve_oidc([("gh:a".to_owned(), caller())].into()).unwrap_err();
        assert!(error.starts_with("oidc_callers.\"gh:a\""), "{error}");
        assert!(resolve_oidc([("gha".to_owned(), caller())].into()).is_ok());
    }
}
