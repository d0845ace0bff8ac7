//! `[teams_app]`: pausegate as a Teams bot. Its Entra app (single-tenant,
//! as Azure requires of new bots) gets tokens for the Bot Connector from
//! the tenant's token endpoint; its app id is the audience the Bot
//! Connector's tokens must carry when clicks come back.

use serde::Deserialize;

use crate::config::{Env, Secret, parse_url};

/// Where the Bot Framework publishes the metadata of the keys it signs
/// requests to bots with.
const OPENID_METADATA: &str = "https://login.botframework.com/v1/.well-known/openidconfiguration";
/// The Entra sign-in service that issues the bot's tokens.
const LOGIN_URL: &str = "https://login.microsoftonline.com";
/// The Bot Connector's address for proactive messages in Teams.
const SERVICE_URL: &str = "https://smba.trafficmanager.net/teams";

/// `[teams_app]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TeamsAppFile {
    /// The Entra tenant the bot's app is registered in.
    pub tenant_id: String,
    /// The bot's Entra app (client) id: the Azure Bot's "Microsoft App ID".
    pub app_id: String,
    /// Names the variable holding the app's client secret.
    pub client_secret_env: String,
    /// The Bot Connector for channels configured by id (default: Teams'
    /// global address); conversations the bot hears of carry their own.
    pub service_url: Option<String>,
    /// The Entra sign-in service (default `https://login.microsoftonline.com`).
    pub login_url: Option<String>,
    /// The Bot Framework's OpenID metadata (default: the public one).
    pub openid_metadata_url: Option<String>,
}

/// The Teams bot, checked.
#[derive(Debug, Clone)]
pub(crate) struct TeamsApp {
    /// The Entra tenant.
    pub tenant_id: String,
    /// The app id: client id for tokens, audience of incoming ones.
    pub app_id: String,
    /// The app's client secret.
    pub client_secret: Secret,
    /// The Bot Connector for configured channels, without a trailing slash.
    pub service_url: String,
    /// The sign-in service.
    pub login_url: reqwest::Url,
    /// Where the signing keys' metadata is.
    pub openid_metadata_url: String,
}

/// Resolves `[teams_app]`.
pub(crate) fn resolve(file: Option<TeamsAppFile>, env: &Env) -> Result<Option<TeamsApp>, String> {
    let Some(f) = file else { return Ok(None) };
    let url = |key: &str, given: Option<String>, default: &str| {
        let url = given.unwrap_or_else(|| default.to_owned());
        parse_url(&format!("teams_app.{key}"), &url)?;
        Ok::<_, String>(url.trim_end_matches('/').to_owned())
    };
    Ok(Some(TeamsApp {
        tenant_id: plain_id("tenant_id", &f.tenant_id)?,
        app_id: plain_id("app_id", &f.app_id)?,
        client_secret: env.secret("teams_app.client_secret_env", &f.client_secret_env)?,
        service_url: url("service_url", f.service_url, SERVICE_URL)?,
        login_url: url("login_url", f.login_url, LOGIN_URL)?
            .parse()
            .map_err(|e| format!("teams_app.login_url: {e}"))?,
        openid_metadata_url: url(
            "openid_metadata_url",
            f.openid_metadata_url,
            OPENID_METADATA,
        )?,
    }))
}

/// An id that goes into a URL path as it is: a GUID, or a tenant's
/// domain name.
fn plain_id(key: &str, value: &str) -> Result<String, String> {
    let value = value.trim();
    let fits = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.';
    if value.is_empty() || !value.chars().all(fits) {
        return Err(format!(
            "teams_app.{key}: must be an Entra id (a GUID) or, for the tenant, its domain"
        ));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_would_change_a_url_path_are_refused() {
        assert!(plain_id("tenant_id", "contoso.onmicrosoft.com").is_ok());
        assert!(plain_id("app_id", "00000000-0000-0000-0000-000000000001").is_ok());
        for bad in ["", "a/b", "x?y", "tenant id"] {
            let error = plain_id("tenant_id", bad).unwrap_err();
            assert!(error.starts_with("teams_app.tenant_id:"), "{error}");
        }
    }
}
