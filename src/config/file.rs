//! The TOML config file as written. Parsed strictly: an unknown key or a
//! value of the wrong type stops start-up with the file, line and key.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::integrations::Sections;
use crate::integrations::kit::Raw;

/// A table an integration reads itself, with where it is in the file.
type Table = Spanned<toml::Value>;

/// Every key the config file may hold; all optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Address to listen on.
    pub listen: Option<String>,
    /// Base URL of links.
    pub public_url: Option<String>,
    /// `sqlite://…`.
    pub database_url: Option<String>,
    /// Names the variable holding the API key (secrets never sit in the file).
    pub api_key_env: Option<String>,
    /// Expiry of a pause that names none.
    pub default_expires_in: Option<String>,
    /// Longest expiry a pause may ask for.
    pub max_expires_in: Option<String>,
    /// Remind email recipients this long before a pause expires.
    pub remind_before: Option<String>,
    /// Failed requests (wrong key, unknown token) a client may make per
    /// minute before getting 429; 0 turns the limit off.
    pub max_failures_per_minute: Option<u32>,
    /// Folder whose templates replace the embedded ones of the same name.
    pub templates_dir: Option<std::path::PathBuf>,
    /// SMTP; without it emails are printed to standard output.
    pub email: Option<Table>,
    /// How the outbox sends.
    #[serde(default)]
    pub delivery: DeliveryFile,
    /// How long to wait for the database.
    #[serde(default)]
    pub database: DatabaseFile,
    /// Pipelines to start on demand, each read by its kind's integration.
    #[serde(default)]
    pub targets: BTreeMap<String, Table>,
    /// Places to post about pauses, each read by its kind's integration.
    #[serde(default)]
    pub channels: BTreeMap<String, Table>,
    /// Which hosts a caller-given callback URL may point at.
    #[serde(default)]
    pub callbacks: CallbacksFile,
    /// AWS accounts to answer Step Functions through.
    pub aws: Option<Table>,
    /// pausegate as a GitHub App.
    pub github_app: Option<Table>,
    /// The original Azure Functions recipe's `PipelinePause` and
    /// `PipelineRestart` endpoints.
    pub azure_recipe: Option<Table>,
    /// Named API keys: the name is the requester or actor.
    #[serde(default)]
    pub api_keys: BTreeMap<String, super::callers::ApiKeyFile>,
    /// Issuers whose OpenID Connect tokens the API accepts.
    #[serde(default)]
    pub oidc_callers: BTreeMap<String, super::callers::OidcCallerFile>,
    /// Sign-in to the review pages and the inbox.
    pub sign_in: Option<super::sign_in::SignInFile>,
    /// pausegate as a Slack app.
    pub slack_app: Option<Table>,
    /// pausegate as a Teams bot.
    pub teams_app: Option<Table>,
    /// PagerDuty schedules for `oncall:pagerduty:` approvers.
    pub pagerduty: Option<Table>,
    /// Opsgenie schedules for `oncall:opsgenie:` approvers.
    pub opsgenie: Option<Table>,
    /// Whom to ask when an on-call schedule cannot be read.
    pub on_call: Option<OnCallFile>,
    /// Rego policies asked when a pause is created, by name.
    #[serde(default)]
    pub policies: BTreeMap<String, super::decisions::PolicyFile>,
    /// Change windows targets keep to, by name.
    #[serde(default)]
    pub windows: BTreeMap<String, crate::domain::WindowSpec>,
    /// How decision receipts are signed.
    pub receipts: Option<super::decisions::ReceiptsFile>,
    /// The text it was read from, for the lines of the integrations' tables.
    #[serde(skip)]
    pub text: String,
}

/// `[on_call]`: whom to ask instead of an on-call schedule that cannot be
/// read or names nobody.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnCallFile {
    /// Addresses.
    #[serde(default)]
    pub fallback: Vec<String>,
}

/// `[callbacks]`: the hosts pausegate may call back.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallbacksFile {
    /// Host patterns (`*` is one label); `http://` before one allows plain
    /// HTTP to it. Replaces the defaults when given.
    pub allowed_hosts: Option<Vec<String>>,
}

impl ConfigFile {
    /// Reads and parses `path`; the error names the file.
    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("config file {}: {e}", path.display()))
    }

    /// Parses TOML text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut file: Self = toml::from_str(text).map_err(|e| e.to_string())?;
        file.text = text.to_owned();
        Ok(file)
    }

    /// The integrations' top-level sections, `[targets]` and `[channels]`,
    /// taken out of the file for the registry.
    pub fn take_integration_parts(
        &mut self,
    ) -> (Sections, BTreeMap<String, Raw>, BTreeMap<String, Raw>) {
        let text = self.text.as_str();
        let raw = |table: Option<Table>| table.map(|t| Raw::spanned(t, text));
        let sections = Sections::default()
            .with("email", raw(self.email.take()))
            .with("aws", raw(self.aws.take()))
            .with("github_app", raw(self.github_app.take()))
            .with("azure_recipe", raw(self.azure_recipe.take()))
            .with("slack_app", raw(self.slack_app.take()))
            .with("teams_app", raw(self.teams_app.take()))
            .with("pagerduty", raw(self.pagerduty.take()))
            .with("opsgenie", raw(self.opsgenie.take()));
        let tables = |tables: BTreeMap<String, Table>| {
            tables
                .into_iter()
                .map(|(name, t)| (name, Raw::spanned(t, text)))
                .collect()
        };
        let targets = tables(std::mem::take(&mut self.targets));
        let channels = tables(std::mem::take(&mut self.channels));
        (sections, targets, channels)
    }
}

/// `[delivery]`: how triggers and notifications are sent.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryFile {
    /// Longest a single request to a receiver may take (`30s`).
    pub timeout: Option<String>,
    /// Attempts before a delivery is marked failed (`10`).
    pub max_attempts: Option<u32>,
    /// Longest wait between attempts (`1h`).
    pub max_backoff: Option<String>,
}

/// `[database]`: waiting for the database, and how processes sharing it
/// hear of each other's decisions.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseFile {
    /// Longest a request waits for a database connection, or for SQLite's
    /// write lock held by another process, before answering 503
    /// (`"500ms"`, `"2s"`).
    pub timeout: Option<String>,
    /// PostgreSQL: `false` switches `LISTEN/NOTIFY` off, for databases
    /// without it; long polls then notice other processes' decisions by
    /// polling, every second (default `true`).
    pub notify: Option<bool>,
}
