//! `[email]`: the SMTP server emails go through, checked at start-up.

use lettre::message::Mailbox;
use serde::Deserialize;

use crate::config::{Env, Secret};

/// `[email]` as written: the SMTP server to send through.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EmailFile {
    /// Server host name.
    pub host: String,
    /// Server port (default: 587 for starttls, 465 for tls, 25 for none).
    pub port: Option<u16>,
    /// `none`, `starttls` (default) or `tls`.
    pub tls: Option<String>,
    /// Login name, if the server wants one.
    pub username: Option<String>,
    /// Names the variable holding the password.
    pub password_env: Option<String>,
    /// Sender, e.g. `Approvals <approvals@example.com>`.
    pub from: String,
}

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SmtpTls {
    /// Plain text (a local relay only).
    None,
    /// Plain connect, then STARTTLS (required).
    Starttls,
    /// TLS from the first byte (usually port 465).
    Tls,
}

/// A checked `[email]` section.
#[derive(Debug, Clone)]
pub(crate) struct EmailSettings {
    /// Server host name.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// Connection security.
    pub tls: SmtpTls,
    /// Login, if any.
    pub credentials: Option<(String, Secret)>,
    /// Sender of every email.
    pub from: Mailbox,
}

impl EmailSettings {
    /// Checks the section; errors name `email.KEY`.
    pub(crate) fn resolve(file: EmailFile, env: &Env) -> Result<Self, String> {
        let tls = match file.tls.as_deref().unwrap_or("starttls") {
            "none" => SmtpTls::None,
            "starttls" => SmtpTls::Starttls,
            "tls" => SmtpTls::Tls,
            other => {
                return Err(format!(
                    "email.tls: must be \"none\", \"starttls\" or \"tls\", got {other:?}"
                ));
            }
        };
        let port = file.port.unwrap_or(match tls {
            SmtpTls::None => 25,
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
        });
        let credentials = match (file.username, file.password_env) {
            (Some(user), Some(var)) => Some((user, env.secret("email.password_env", &var)?)),
            (None, None) => None,
            _ => {
                return Err("email.username: username and password_env go together".to_owned());
            }
        };
        let from = file
            .from
            .parse()
            .map_err(|e| format!("email.from: {:?} is not an address ({e})", file.from))?;
        if file.host.trim().is_empty() {
            return Err("email.host: must not be empty".to_owned());
        }
        Ok(Self {
            host: file.host,
            port,
            tls,
            credentials,
            from,
        })
    }
}
