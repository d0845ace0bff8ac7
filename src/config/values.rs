//! The core settings' values, each read and checked on its own: where to
//! listen, the public URL, the server's key, expiries, short waits,
//! durations, URLs, the hosts callbacks may point at, and how replicas
//! hear of each other's decisions.

use std::net::SocketAddr;

use chrono::Duration;
use reqwest::Url;

use super::file;
use super::{Env, Secret, ServeArgs};
use crate::domain::{CallbackPolicy, HostRule, parse_duration};
use crate::store::Wakeups;

/// Where to listen: the Functions host's port (its handler listens on one
/// loopback port only), else the flag, the file, or the default.
pub(super) fn listen_address(args: &ServeArgs, file: Option<String>) -> Result<SocketAddr, String> {
    let functions_listen = args.functions_port.map(|port| format!("127.0.0.1:{port}"));
    let text = functions_listen
        .or_else(|| args.listen.clone())
        .or(file)
        .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    resolve_listen(&text).ok_or_else(|| {
        format!("listen: {text:?} is not an address like 127.0.0.1:8080 or localhost:8080")
    })
}

/// The base of links: the flag, the file, or under Azure's Functions host
/// the app's own host name.
pub(super) fn public_url(args: &ServeArgs, file: Option<String>) -> Result<Option<String>, String> {
    let hosted = || {
        let host = args.website_hostname.as_ref()?;
        args.functions_port.map(|_| format!("https://{host}"))
    };
    args.public_url
        .clone()
        .or(file)
        .or_else(hosted)
        .map(|url| {
            parse_url("public_url", &url)?;
            Ok(url.trim_end_matches('/').to_owned())
        })
        .transpose()
}

/// The server's key: the flag (or `PAUSEGATE_API_KEY`), else the variable
/// the file names.
pub(super) fn api_key(
    flag: Option<String>,
    file: Option<String>,
    env: &Env,
) -> Result<Option<Secret>, String> {
    match (flag, file) {
        (Some(key), _) if key.trim().is_empty() => {
            Err("api_key: the API key is empty; set a long random value".to_owned())
        }
        (Some(key), _) => Ok(Some(Secret::new(key.trim()))),
        (None, Some(var)) => env.secret("api_key_env", &var).map(Some),
        (None, None) => Ok(None),
    }
}

/// `default_expires_in` and `max_expires_in`, the first no longer.
pub(super) fn expiries(
    default: Option<String>,
    max: Option<String>,
) -> Result<(Duration, Duration), String> {
    let default = duration("default_expires_in", default, "24h")?;
    let max = duration("max_expires_in", max, "30d")?;
    if default > max {
        return Err("default_expires_in: must not be longer than max_expires_in".to_owned());
    }
    Ok((default, max))
}

/// `127.0.0.1:8080`, or a host name and port (`localhost:8080`), resolved.
fn resolve_listen(text: &str) -> Option<SocketAddr> {
    use std::net::ToSocketAddrs;
    if let Ok(address) = text.parse() {
        return Some(address);
    }
    text.to_socket_addrs().ok()?.next()
}

/// `[database] notify`: on unless switched off.
pub(super) fn wakeups(notify: Option<bool>) -> Wakeups {
    match notify {
        Some(false) => Wakeups::Poll,
        Some(true) | None => Wakeups::Notify,
    }
}

/// `[callbacks] allowed_hosts`, or the integrations' `defaults`.
pub(super) fn callback_policy(
    file: file::CallbacksFile,
    defaults: Vec<String>,
) -> Result<CallbackPolicy, String> {
    let entries = file.allowed_hosts.unwrap_or(defaults);
    let allowed_hosts = entries
        .iter()
        .map(|entry| HostRule::parse(entry).map_err(|e| format!("callbacks.allowed_hosts: {e}")))
        .collect::<Result<_, _>>()?;
    Ok(CallbackPolicy { allowed_hosts })
}

/// Parses an http(s) URL; the error names the key.
pub fn parse_url(key: &str, text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| format!("{key}: {text:?} is not a valid URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("{key}: {text:?} must be an http or https URL"));
    }
    Ok(url)
}

/// A short wait: whole milliseconds (`"500ms"`) or a duration (`"2s"`).
pub(super) fn timeout(
    key: &str,
    value: Option<String>,
    default: &str,
) -> Result<std::time::Duration, String> {
    let text = value.as_deref().unwrap_or(default);
    let parsed = match text.strip_suffix("ms") {
        Some(ms) => ms
            .trim()
            .parse::<u64>()
            .map(std::time::Duration::from_millis)
            .map_err(|_| format!("{key}: {text:?} is not a number of milliseconds")),
        None => parse_duration(text)
            .map_err(|e| format!("{key}: {e}"))
            .and_then(|d| d.to_std().map_err(|e| format!("{key}: {e}"))),
    }?;
    if parsed.is_zero() || parsed > std::time::Duration::from_secs(60) {
        return Err(format!(
            "{key}: must be more than 0 and at most 60s, got {text:?}"
        ));
    }
    Ok(parsed)
}

pub(super) fn duration(
    key: &str,
    value: Option<String>,
    default: &str,
) -> Result<Duration, String> {
    parse_duration(value.as_deref().unwrap_or(default)).map_err(|e| format!("{key}: {e}"))
}
