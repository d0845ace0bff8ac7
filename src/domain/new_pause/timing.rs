//! When a pause expires (`expires_in`, under an orchestrator's own
//! `callback_timeout`), what expiry does (`on_expire`), and when its
//! recipients are reminded (`remind_before`).

use chrono::Duration;
use serde_json::Value;

use super::CreatePolicy;
use crate::domain::callback;
use crate::domain::duration::{format_duration, parse_duration};
use crate::domain::pause::OnExpire;
use crate::domain::validation::ValidationError;

/// `expires_in`, or just under the orchestrator's own wait when it says
/// how long that is; never longer than that wait.
pub fn parse_expiry(
    expires_in: Option<Value>,
    callback_timeout: Option<Duration>,
    policy: &CreatePolicy,
) -> Result<Duration, ValidationError> {
    let Some(timeout) = callback_timeout else {
        return parse_expires_in(expires_in, policy);
    };
    if expires_in.is_none() {
        return Ok(callback::just_under(timeout).min(policy.max_expires_in));
    }
    let expires_in = parse_expires_in(expires_in, policy)?;
    if expires_in > timeout {
        return Err(ValidationError::new(
            "expires_in",
            format!(
                "expires_in ({}) is longer than callback_timeout ({}): the orchestrator would \
                 stop waiting before the pause expires",
                format_duration(expires_in),
                format_duration(timeout)
            ),
        ));
    }
    Ok(expires_in)
}

/// Reads `expires_in` (a duration string or whole seconds), within the
/// longest expiry allowed.
pub fn parse_expires_in(
    expires_in: Option<Value>,
    policy: &CreatePolicy,
) -> Result<Duration, ValidationError> {
    let field = "expires_in";
    let duration = match expires_in {
        None => policy.default_expires_in,
        Some(Value::String(text)) => parse_duration(&text)
            .map_err(|why| ValidationError::new(field, format!("expires_in: {why}")))?,
        Some(Value::Number(n)) => match n.as_u64() {
            Some(seconds) if seconds > 0 => parse_duration(&seconds.to_string())
                .map_err(|why| ValidationError::new(field, format!("expires_in: {why}")))?,
            _ => {
                return Err(ValidationError::new(
                    field,
                    format!("expires_in must be a positive whole number of seconds, got {n}"),
                ));
            }
        },
        Some(other) => {
            return Err(ValidationError::new(
                field,
                format!("expires_in must be a string like \"24h\" or whole seconds, got {other}"),
            ));
        }
    };
    if duration > policy.max_expires_in {
        return Err(ValidationError::new(
            field,
            format!(
                "expires_in is {}; the most allowed is {} (max_expires_in)",
                format_duration(duration),
                format_duration(policy.max_expires_in)
            ),
        ));
    }
    Ok(duration)
}

/// `remind_before`: a duration, `false` for no reminder, or the
/// configured default when absent.
pub fn parse_remind_before(
    remind_before: Option<Value>,
    policy: &CreatePolicy,
) -> Result<Option<Duration>, ValidationError> {
    let field = "remind_before";
    match remind_before {
        None => Ok(policy.default_remind_before),
        Some(Value::Bool(false)) => Ok(None),
        Some(Value::String(text)) => parse_duration(&text)
            .map(Some)
            .map_err(|why| ValidationError::new(field, format!("remind_before: {why}"))),
        Some(other) => Err(ValidationError::new(
            field,
            format!("remind_before must be a duration like \"1h\" or false, got {other}"),
        )),
    }
}

/// `on_expire`: `expire` (the default), `approve` or `reject`.
pub fn parse_on_expire(on_expire: Option<String>) -> Result<OnExpire, ValidationError> {
    match on_expire {
        None => Ok(OnExpire::default()),
        Some(text) => OnExpire::parse(&text).ok_or_else(|| {
            ValidationError::new(
                "on_expire",
                format!("on_expire must be \"expire\", \"approve\" or \"reject\", got {text:?}"),
            )
        }),
    }
}
