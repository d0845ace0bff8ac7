//! The hosts a caller-given callback URL may point at
//! (`[callbacks] allowed_hosts`): `https` only unless an entry says
//! `http://`, no user info, `*` standing for one label.

use crate::domain::validation::ValidationError;

/// One entry of `[callbacks] allowed_hosts`: a host pattern where `*`
/// stands for exactly one label (`*.logic.azure.com`), optionally prefixed
/// `http://` to allow plain HTTP to it (for tests and private networks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostRule {
    labels: Vec<String>,
    http: bool,
}

impl HostRule {
    /// Reads one entry.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (http, host) = match text.strip_prefix("http://") {
            Some(host) => (true, host),
            None => (false, text.strip_prefix("https://").unwrap_or(text)),
        };
        let labels: Vec<String> = host.split('.').map(str::to_ascii_lowercase).collect();
        let valid = |label: &String| {
            label == "*"
                || (!label.is_empty()
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        };
        if host.is_empty() || !labels.iter().all(valid) {
            return Err(format!(
                "{text:?} is not a host pattern like \"*.logic.azure.com\" or \"http://127.0.0.1\""
            ));
        }
        Ok(Self { labels, http })
    }

    fn matches(&self, host: &str) -> bool {
        let host: Vec<&str> = host.split('.').collect();
        host.len() == self.labels.len()
            && self
                .labels
                .iter()
                .zip(host)
                .all(|(rule, label)| rule == "*" || rule.eq_ignore_ascii_case(label))
    }
}

/// The hosts pausegate may call back.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CallbackPolicy {
    /// Checked in order; the first match decides.
    pub allowed_hosts: Vec<HostRule>,
}

impl CallbackPolicy {
    /// Checks `url` (given as `field`) against the allow-list: `https`
    /// only, unless the matching entry says `http://`; no user info. The
    /// URL as parsed is what is kept and called, so what was checked is
    /// what is used (`https:/host` reads as `https://host`).
    pub fn check(&self, field: &str, url: &str) -> Result<String, ValidationError> {
        let refuse = |why: String| ValidationError::new(field, format!("{field} {why}"));
        let parsed =
            url::Url::parse(url).map_err(|e| refuse(format!("is not an absolute URL: {e}")))?;
        let host = parsed
            .host_str()
            .ok_or_else(|| refuse("has no host".to_owned()))?;
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(refuse("must not carry a user name or password".to_owned()));
        }
        let Some(rule) = self.allowed_hosts.iter().find(|rule| rule.matches(host)) else {
            return Err(refuse(format!(
                "points at {host}, which is not in [callbacks] allowed_hosts"
            )));
        };
        match parsed.scheme() {
            "https" => Ok(parsed.to_string()),
            "http" if rule.http => Ok(parsed.to_string()),
            scheme => Err(refuse(format!(
                "must use https (got {scheme}://{host}; list \"http://{host}\" in \
                 [callbacks] allowed_hosts to allow plain HTTP)"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(entries: &[&str]) -> CallbackPolicy {
        CallbackPolicy {
            allowed_hosts: entries
                .iter()
                .map(|e| HostRule::parse(e).unwrap())
                .collect(),
        }
    }

    #[test]
    fn a_wildcard_stands_for_exactly_one_label() {
        let policy = policy(&["*.*.logic.azure.com"]);
        let url = "https://prod-27.westeurope.logic.azure.com:443/workflows/x?sig=s";
        assert!(policy.check("callback", url).is_ok());
        assert!(
            policy
                .check("callback", "https://prod.logic.azure.com/w")
                .is_err()
        );
        assert!(
            policy
                .check("callback", "https://a.b.logic.azure.com.evil.io/")
                .is_err()
        );
        assert!(
            policy
                .check("callback", "https://a.evil.io/logic.azure.com")
                .is_err()
        );
    }

    #[test]
    fn plain_http_needs_its_own_entry() {
        let https_only = policy(&["127.0.0.1"]);
        let error = https_only
            .check("callBackUri", "http://127.0.0.1:9/x")
            .unwrap_err();
        assert_eq!(error.field, "callBackUri");
        assert!(error.message.contains("https"), "{}", error.message);
        assert!(
            policy(&["http://127.0.0.1"])
                .check("callBackUri", "http://127.0.0.1:9/x")
                .is_ok()
        );
    }

    #[test]
    fn user_info_and_unknown_hosts_are_refused_naming_the_field() {
        let policy = policy(&["example.com"]);
        for url in [
            "https://u:p@example.com/",
            "https://other.com/",
            "not a url",
        ] {
            let error = policy.check("callback.url", url).unwrap_err();
            assert!(
                error.message.starts_with("callback.url "),
                "{}",
                error.message
            );
        }
    }

    #[test]
    fn what_is_kept_is_the_url_as_parsed() {
        let policy = policy(&["*.*.logic.azure.com"]);
        let kept = policy
            .check(
                "callBackUri",
                "https:/prod-1.westus.logic.azure.com/w?sig=s",
            )
            .unwrap();
        assert_eq!(kept, "https://prod-1.westus.logic.azure.com/w?sig=s");
    }

    #[test]
    fn a_bad_pattern_is_refused() {
        assert!(HostRule::parse("exa mple.com").is_err());
        assert!(HostRule::parse("").is_err());
    }
}
