//! `[github_app]`: pausegate as a GitHub App answering custom deployment
//! protection rules. The App id, the variables holding its private key and
//! webhook secret, the API to call (GitHub Enterprise Server: its
//! `/api/v3`), and per environment whom to tell.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::config::{Env, Secret, parse_url};

/// `[github_app]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GithubAppFile {
    /// The App's id (or client id): the `iss` of its JWTs.
    pub app_id: String,
    /// Names the variable holding the App's private key (PEM).
    pub private_key_env: String,
    /// Names the variable holding the webhook secret.
    pub webhook_secret_env: String,
    /// `https://api.github.com` unless GitHub Enterprise Server.
    pub api_url: Option<String>,
    /// How long a deployment waits for a decision (at most GitHub's 30
    /// days, the default).
    pub expires_in: Option<String>,
    /// Whom to tell when an environment has no table of its own.
    #[serde(default)]
    pub email: Vec<String>,
    /// Channels to post to when an environment has no table of its own.
    #[serde(default)]
    pub channels: Vec<String>,
    /// Per environment name: whom to tell.
    #[serde(default)]
    pub environments: BTreeMap<String, EnvironmentFile>,
}

/// `[github_app.environments.NAME]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EnvironmentFile {
    /// Addresses to email.
    #[serde(default)]
    pub email: Vec<String>,
    /// Configured channels to post to.
    #[serde(default)]
    pub channels: Vec<String>,
}

/// A resolved GitHub App.
#[derive(Debug, Clone)]
pub(crate) struct GithubApp {
    /// `iss` of its JWTs.
    pub app_id: String,
    /// RSA private key, PEM.
    pub private_key: Secret,
    /// Checks `X-Hub-Signature-256`.
    pub webhook_secret: Secret,
    /// Base of the REST API, without a trailing slash.
    pub api_url: String,
    /// Whom to tell, by environment; `default` for the others.
    pub environments: BTreeMap<String, EnvironmentFile>,
    /// Whom to tell for an environment without its own table.
    pub default: EnvironmentFile,
    /// `expires_in` of the pauses it makes, if set.
    pub expires_in: Option<String>,
}

impl GithubApp {
    /// Whom to tell about a deployment to `environment`.
    pub(crate) fn notify_for(&self, environment: &str) -> &EnvironmentFile {
        self.environments.get(environment).unwrap_or(&self.default)
    }
}

/// Resolves `[github_app]`, reading the secrets it names.
pub(crate) fn resolve(file: Option<GithubAppFile>, env: &Env) -> Result<Option<GithubApp>, String> {
    let Some(file) = file else { return Ok(None) };
    let api_url = file
        .api_url
        .unwrap_or_else(|| "https://api.github.com".to_owned());
    parse_url("github_app.api_url", &api_url)?;
    let private_key = env.secret("github_app.private_key_env", &file.private_key_env)?;
    if jsonwebtoken::EncodingKey::from_rsa_pem(private_key.expose().as_bytes()).is_err() {
        return Err(format!(
            "github_app.private_key_env: {} does not hold an RSA private key in PEM",
            file.private_key_env
        ));
    }
    Ok(Some(GithubApp {
        app_id: file.app_id,
        private_key,
        webhook_secret: env.secret("github_app.webhook_secret_env", &file.webhook_secret_env)?,
        api_url: api_url.trim_end_matches('/').to_owned(),
        environments: file.environments,
        expires_in: file.expires_in,
        default: EnvironmentFile {
            email: file.email,
            channels: file.channels,
        },
    }))
}
