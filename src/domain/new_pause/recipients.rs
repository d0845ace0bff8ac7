//! Who is told about a pause (`notify`), who else is asked when it waits
//! too long (`escalate_after`, `escalate_to`), and the labels it is found
//! by (`tags`). The same rules read `notify` and `escalate_to`, each named
//! by its own field, so an error says `escalate_to.email[0]` because it
//! was read as that, never by editing a message afterwards.

use chrono::Duration;
use serde_json::Value;

use super::{CreatePolicy, Escalation, join_names};
use crate::domain::duration::parse_duration;
use crate::domain::pause::Notify;
use crate::domain::validation::{MAX_RECIPIENTS, MAX_TAGS, ValidationError};
use crate::domain::values::{ChannelName, EmailAddress, Tag};

/// The recipients given as `field` (`notify`, `escalate_to`): valid
/// addresses, each once whatever its case, and configured channels, each once.
pub fn parse_notify(
    field: &str,
    email: &[String],
    channels: &[String],
    policy: &CreatePolicy,
) -> Result<Notify, ValidationError> {
    if email.len() > MAX_RECIPIENTS {
        return Err(ValidationError::new(
            format!("{field}.email"),
            format!(
                "{field}.email lists {} addresses; the most allowed is {MAX_RECIPIENTS}",
                email.len()
            ),
        ));
    }
    let mut addresses: Vec<EmailAddress> = Vec::new();
    for (index, address) in email.iter().enumerate() {
        let address = EmailAddress::parse(&format!("{field}.email[{index}]"), address)?;
        if !addresses.iter().any(|seen| seen.is(&address)) {
            addresses.push(address);
        }
    }
    Ok(Notify {
        email: addresses,
        channels: parse_channels(field, channels, policy)?,
    })
}

/// The channels of the recipients given as `field`: configured, each once.
fn parse_channels(
    field: &str,
    channels: &[String],
    policy: &CreatePolicy,
) -> Result<Vec<ChannelName>, ValidationError> {
    let mut names: Vec<ChannelName> = Vec::new();
    for (index, name) in channels.iter().enumerate() {
        let at = format!("{field}.channels[{index}]");
        let name = ChannelName::parse(&at, name)?;
        if !policy.channels.contains(name.as_str()) {
            let known = join_names(policy.channels.iter());
            return Err(ValidationError::new(
                &at,
                format!("{at}: {name:?} is not a configured channel (configured: {known})"),
            ));
        }
        if !names.contains(&name) {
            names.push(name);
        }
    }
    Ok(names)
}

/// `escalate_after` and `escalate_to` (its addresses and channels), which
/// come together.
pub fn parse_escalation(
    after: Option<Value>,
    to: Option<(&[String], &[String])>,
    policy: &CreatePolicy,
) -> Result<Option<Escalation>, ValidationError> {
    let (after, (email, channels)) = match (after, to) {
        (None, None) => return Ok(None),
        (Some(after), Some(to)) => (after, to),
        (Some(_), None) => {
            return Err(ValidationError::new(
                "escalate_to",
                "escalate_to: say whom escalate_after asks",
            ));
        }
        (None, Some(_)) => {
            return Err(ValidationError::new(
                "escalate_after",
                "escalate_after: say when to ask escalate_to",
            ));
        }
    };
    let after = parse_escalate_after(after)?;
    let to = parse_notify("escalate_to", email, channels, policy)?;
    if to.is_empty() {
        return Err(ValidationError::new(
            "escalate_to",
            "escalate_to names nobody",
        ));
    }
    Ok(Some(Escalation { after, to }))
}

fn parse_escalate_after(after: Value) -> Result<Duration, ValidationError> {
    let field = "escalate_after";
    match after {
        Value::String(text) => parse_duration(&text)
            .map_err(|why| ValidationError::new(field, format!("escalate_after: {why}"))),
        _ => Err(ValidationError::new(
            field,
            "escalate_after must be a duration such as \"2h\"",
        )),
    }
}

/// Tags: each a [`Tag`], at most ten, each once.
pub fn parse_tags(tags: Option<Vec<String>>) -> Result<Vec<Tag>, ValidationError> {
    let tags = tags.unwrap_or_default();
    if tags.len() > MAX_TAGS {
        return Err(ValidationError::new(
            "tags",
            format!("at most {MAX_TAGS} tags"),
        ));
    }
    let mut seen: Vec<Tag> = Vec::with_capacity(tags.len());
    for (index, tag) in tags.iter().enumerate() {
        let tag = Tag::parse(&format!("tags[{index}]"), tag)?;
        if !seen.contains(&tag) {
            seen.push(tag);
        }
    }
    Ok(seen)
}
