//! `[on_call]`: the fallback approvers asked instead of an on-call
//! schedule that cannot be read (the services are `[pagerduty]` and
//! `[opsgenie]`, read by their integrations).

use super::file::OnCallFile;
use crate::domain::EmailAddress;

/// The fallback addresses; an error names `on_call.fallback[i]`.
pub(super) fn resolve(file: Option<OnCallFile>) -> Result<Vec<EmailAddress>, String> {
    let fallback = file.map(|f| f.fallback).unwrap_or_default();
    (fallback.iter().enumerate())
        .map(|(i, address)| {
            EmailAddress::parse(&format!("on_call.fallback[{i}]"), address)
                .map_err(|e| e.to_string())
        })
        .collect()
}
