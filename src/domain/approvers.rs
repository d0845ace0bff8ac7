//! Whom an approver pattern admits. An identity lives in the namespace of
//! what vouched for it, and a pattern admits only identities of its own
//! namespace, so identities from different sources never compare equal by
//! accident:
//!
//! - an address (`ana@example.com`, `*@example.com`) admits only an address
//!   a mailbox (a personal link), the sign-in provider (as verified) or
//!   a chat integration vouched for;
//! - `group:NAME` admits only a person whose sign-in vouched for the group;
//! - `oidc:CALLER:VALUE` admits only a verified OpenID Connect token of the
//!   configured caller `[oidc_callers.CALLER]` whose name claim is `VALUE`,
//!   and `oidc:CALLER:PREFIX*` any value starting with `PREFIX` (a subject
//!   is opaque and case-sensitive: OpenID Connect Core 1.0 §2);
//! - `oncall:SERVICE:SCHEDULE` admits no one itself: the people its
//!   schedule names when the pause is created are added as addresses
//!   (`pauses::on_call`);
//! - anything else admits only the named API key `[api_keys.NAME]` of
//!   that name.
//!
//! An OpenID Connect caller's identity is always `oidc:CALLER:VALUE`, and a
//! caller's configured name has no `@` or `:` ([`is_caller_name`]), so the
//! three spellings cannot collide either.

use super::rules::IdentifiedBy;
use super::values::EmailAddress;

/// What an on-call schedule approver begins with.
const ON_CALL_PREFIX: &str = "oncall:";
/// The on-call services a schedule approver may name.
pub const ON_CALL_SERVICES: [&str; 2] = ["pagerduty", "opsgenie"];

/// What every OpenID Connect caller's identity begins with.
pub const OIDC_PREFIX: &str = "oidc:";
/// Longest identity recorded as an actor: as long as any actor's name.
pub const MAX_IDENTITY_CHARS: usize = super::validation::MAX_NAME_CHARS;
/// Longest configured caller name.
const MAX_CALLER_NAME: usize = 64;

/// Whether `name` may name an API key or an OpenID Connect caller: 1 to 64
/// ASCII letters, digits, `.`, `_` or `-`. No `@` (it would read as an
/// address), no `:` (it would read as a group or an `oidc:` identity), and
/// nothing outside ASCII that could look like either.
pub fn is_caller_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_CALLER_NAME
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

/// The identity of the OpenID Connect caller configured as `caller` whose
/// token's name claim is `value`: `oidc:CALLER:VALUE`.
pub fn oidc_identity(caller: &str, value: &str) -> String {
    format!("{OIDC_PREFIX}{caller}:{value}")
}

/// An approver pattern, read.
#[derive(Debug, PartialEq, Eq)]
enum Pattern<'a> {
    /// `group:NAME`.
    Group(&'a str),
    /// `oidc:CALLER:VALUE` (exact) or `oidc:CALLER:PREFIX*`, whole.
    Oidc { whole: &'a str, prefix: bool },
    /// `*@DOMAIN`.
    Domain(&'a str),
    /// An address.
    Address(&'a str),
    /// A named API key's name.
    Key(&'a str),
    /// `oncall:SERVICE:SCHEDULE`: stands for whoever the schedule names.
    OnCall,
}

/// `(service, schedule)` of an `oncall:SERVICE:SCHEDULE` approver.
pub fn on_call_schedule(pattern: &str) -> Option<(&str, &str)> {
    let (service, schedule) = pattern.strip_prefix(ON_CALL_PREFIX)?.split_once(':')?;
    let id_like = |c: char| c.is_ascii_alphanumeric() || "-_.".contains(c);
    let well_formed = ON_CALL_SERVICES.contains(&service)
        && !schedule.is_empty()
        && schedule.len() <= 100
        && schedule.chars().all(id_like);
    well_formed.then_some((service, schedule))
}

/// Reads `pattern`; `None` when it is none of the forms.
fn read(pattern: &str) -> Option<Pattern<'_>> {
    if pattern.starts_with(ON_CALL_PREFIX) {
        return on_call_schedule(pattern).map(|_| Pattern::OnCall);
    }
    if let Some(group) = pattern.strip_prefix("group:") {
        return (!group.is_empty() && !group.contains('*')).then_some(Pattern::Group(group));
    }
    if let Some(rest) = pattern.strip_prefix(OIDC_PREFIX) {
        let (caller, value) = rest.split_once(':')?;
        let star = value.find('*');
        let well_formed = is_caller_name(caller)
            && !value.is_empty()
            && star.is_none_or(|at| at == value.len() - 1);
        return well_formed.then_some(Pattern::Oidc {
            whole: pattern,
            prefix: star.is_some(),
        });
    }
    if let Some(domain) = pattern.strip_prefix("*@") {
        let plain = !domain.is_empty() && !domain.contains(['*', '@']);
        return plain.then_some(Pattern::Domain(domain));
    }
    if pattern.contains('*') {
        return None;
    }
    Some(if pattern.contains('@') {
        Pattern::Address(pattern)
    } else {
        Pattern::Key(pattern)
    })
}

/// Whether `pattern` is one of the forms an approver may take.
pub(crate) fn is_pattern(pattern: &str) -> bool {
    read(pattern).is_some()
}

/// Whether `pattern` admits `actor`, identified by `by`, in `groups`.
pub(crate) fn admits(pattern: &str, actor: &str, by: IdentifiedBy, groups: &[String]) -> bool {
    let vouched_address = matches!(
        by,
        IdentifiedBy::Email | IdentifiedBy::SignIn | IdentifiedBy::Vouched(_)
    );
    match read(pattern) {
        Some(Pattern::Group(group)) => {
            by == IdentifiedBy::SignIn && groups.iter().any(|g| g == group)
        }
        Some(Pattern::Oidc { whole, prefix }) => {
            by == IdentifiedBy::Oidc
                && if prefix {
                    actor.starts_with(whole.trim_end_matches('*'))
                } else {
                    actor == whole
                }
        }
        Some(Pattern::Domain(domain)) => vouched_address && EmailAddress::in_domain(actor, domain),
        Some(Pattern::Address(address)) => vouched_address && EmailAddress::same(address, actor),
        Some(Pattern::Key(name)) => by == IdentifiedBy::ApiKey && name.eq_ignore_ascii_case(actor),
        Some(Pattern::OnCall) | None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::rules::Voucher;
    use super::*;
    use IdentifiedBy::{ApiKey, Email, Oidc, SelfDeclared, SignIn};
    const CHAT: IdentifiedBy = match Voucher::from_static("chat") {
        Some(voucher) => IdentifiedBy::Vouched(voucher),
        None => panic!("a plain name"),
    };

    #[test]
    fn an_address_pattern_admits_only_a_vouched_address() {
        for by in [Email, SignIn, CHAT] {
            assert!(admits("ana@example.com", "Ana@Example.com", by, &[]));
            assert!(admits("*@example.com", "bo@EXAMPLE.com", by, &[]));
        }
        for by in [Oidc, ApiKey, SelfDeclared] {
            assert!(!admits("ana@example.com", "ana@example.com", by, &[]));
            assert!(!admits("*@example.com", "ana@example.com", by, &[]));
        }
        // An OpenID Connect subject shaped like an address is not one.
        let subject = oidc_identity("gha", "repo:acme/x@example.com");
        assert!(!admits("*@example.com", &subject, Oidc, &[]));
        assert!(!admits(
            "*@example.com",
            "ana@example.com.evil.org",
            SignIn,
            &[]
        ));
    }

    #[test]
    fn an_oidc_pattern_admits_only_that_callers_tokens_exactly_or_by_prefix() {
        let main = oidc_identity("gha", "repo:org/app:ref:refs/heads/main");
        assert!(admits(&main, &main, Oidc, &[]));
        assert!(admits("oidc:gha:repo:org/*", &main, Oidc, &[]));
        assert!(admits("oidc:gha:*", &main, Oidc, &[]));
        assert!(!admits("oidc:gha:repo:org/*", &main, SignIn, &[]));
        assert!(!admits("oidc:other:repo:org/*", &main, Oidc, &[]));
        assert!(!admits("oidc:gha:repo:ORG/*", &main, Oidc, &[]));
        let other = oidc_identity("gha", "repo:organisation/app");
        assert!(!admits("oidc:gha:repo:org/*", &other, Oidc, &[]));
    }

    #[test]
    fn a_name_admits_only_the_named_key_and_a_group_only_a_signed_in_member() {
        assert!(admits("ci-bot", "ci-bot", ApiKey, &[]));
        assert!(!admits("ci-bot", "ci-bot", SignIn, &[]));
        assert!(!admits("ci-bot", "ci-bot", SelfDeclared, &[]));
        let groups = ["release".to_owned()];
        assert!(admits("group:release", "ana@example.com", SignIn, &groups));
        assert!(!admits("group:release", "ana@example.com", CHAT, &groups));
    }

    #[test]
    fn malformed_patterns_are_no_pattern() {
        for bad in [
            "a*b",
            "*@",
            "*@*.com",
            "group:",
            "oidc:gha",
            "oidc:gha:",
            "oidc:*",
            "oidc:g*:x",
            "oidc:gha:a*b",
            "oidc:g@h:x",
        ] {
            assert!(!is_pattern(bad), "{bad}");
        }
        for good in ["ana@example.com", "*@example.com", "ci-bot", "oidc:gha:*"] {
            assert!(is_pattern(good), "{good}");
        }
    }

    #[test]
    fn caller_names_hold_no_address_or_namespace() {
        assert!(is_caller_name("ci-bot"));
        assert!(is_caller_name("deploy_2.prod"));
        for bad in [
            "",
            "ana@example.com",
            "oidc:x",
            "two words",
            "ｃｉ",
            &"x".repeat(65),
        ] {
            assert!(!is_caller_name(bad), "{bad}");
        }
    }
}
