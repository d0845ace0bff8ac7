//! Settings, resolved in the order the contract gives: flag, environment
//! variable, config file, default. Targets and channels come from the file,
//! their secrets from the environment. Any problem stops start-up with a
//! message naming the file, key and problem.

mod callers;
mod decisions;
mod file;
mod local_key;
mod on_call;
mod secret;
mod sign_in;
mod values;
mod windows;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use chrono::Duration;

use crate::domain::{CallbackPolicy, CreatePolicy, parse_duration};
use crate::integrations::kit::{Channel, Target};
use crate::integrations::{Integrations, Setup};

pub use callers::{NamedKey, OidcCaller};
pub use file::{ConfigFile, DatabaseFile, DeliveryFile};
pub use local_key::{LocalKey, provide_local_key};
pub use secret::{Env, Secret};
pub use sign_in::SignIn;
pub use values::parse_url;
use values::{
    api_key, callback_policy, duration, expiries, listen_address, public_url, timeout, wakeups,
};

/// The settings `serve` takes as flags or environment variables.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ServeArgs {
    /// TOML config file with targets, channels and defaults.
    #[arg(long, env = "PAUSEGATE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "PAUSEGATE_LISTEN")]
    pub listen: Option<String>,
    /// Base URL of review links [default: http:// + listen address].
    #[arg(long, env = "PAUSEGATE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Database URL [default: sqlite://pausegate.db].
    #[arg(long, env = "PAUSEGATE_DATABASE_URL")]
    pub database_url: Option<String>,
    /// API key the management API accepts [default: on a loopback address with a SQLite
    /// file, one generated on first start and kept beside the database; elsewhere none,
    /// and the API refuses everything].
    #[arg(long, env = "PAUSEGATE_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// Run as an Azure Functions custom handler on this loopback port (the
    /// Functions host sets it) and answer its timer function.
    #[arg(long, env = "FUNCTIONS_CUSTOMHANDLER_PORT")]
    pub functions_port: Option<u16>,
    /// The app's public host name, which Azure sets; the default base of
    /// review links in a custom handler.
    #[arg(long, env = "WEBSITE_HOSTNAME", hide = true)]
    pub website_hostname: Option<String>,
}

/// Everything the server needs, checked.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where to listen.
    pub listen: SocketAddr,
    /// Base of review links; `None` means `http://` + the bound address.
    pub public_url: Option<String>,
    /// Where the state lives.
    pub database_url: String,
    /// Longest a request waits for the database before answering 503.
    pub database_timeout: std::time::Duration,
    /// How processes sharing a PostgreSQL database hear of settled pauses.
    pub wakeups: crate::store::Wakeups,
    /// The key the management API accepts; none refuses every call.
    pub api_key: Option<Secret>,
    /// Named API keys.
    pub named_keys: Vec<NamedKey>,
    /// Issuers whose bearer tokens the management API accepts.
    pub oidc_callers: Vec<OidcCaller>,
    /// Sign-in with an OpenID Connect provider, when configured.
    pub sign_in: Option<SignIn>,
    /// Expiry of a pause that names none.
    pub default_expires_in: Duration,
    /// Longest expiry a pause may ask for.
    pub max_expires_in: Duration,
    /// Configured targets by name.
    pub targets: BTreeMap<String, Target>,
    /// Configured channels by name.
    pub channels: BTreeMap<String, Channel>,
    /// How the outbox sends.
    pub delivery: DeliverySettings,
    /// What the integrations bring besides targets and channels.
    pub integrations: std::sync::Arc<Integrations>,
    /// Reminder lead time for pauses that name none.
    pub remind_before: Option<Duration>,
    /// Folder of templates overriding the embedded ones.
    pub templates_dir: Option<PathBuf>,
    /// Failed requests per client per minute before 429 (0: no limit).
    pub max_failures_per_minute: u32,
    /// Hosts a callback may point at.
    pub callbacks: CallbackPolicy,
    /// Running as an Azure Functions custom handler: the host forwards
    /// requests to `listen` and invokes the timer function.
    pub azure_functions: bool,
    /// Run the expiry sweep and the outbox worker in the background. Always
    /// on in `serve`; tests turn it off to drive both by hand.
    pub background_tasks: bool,
    /// Longest a client may take to send a request's head. Not in the
    /// file (10 s suits everyone); tests shorten it.
    pub header_timeout: std::time::Duration,
    /// Rego policies asked when a pause is created.
    pub policies: std::sync::Arc<crate::policies::PolicySet>,
    /// Asked instead of an on-call schedule that cannot be read.
    pub on_call_fallback: Vec<crate::domain::EmailAddress>,
    /// Change windows, and which target keeps to which.
    pub windows: std::sync::Arc<crate::domain::Windows>,
    /// The key that signs receipts; `None` uses the stored (or a new) one.
    pub receipt_key: Option<crate::receipts::SigningKey>,
    /// The key that signs attestations; `None` uses the stored (or a new) one.
    pub attestation_key: Option<std::sync::Arc<crate::tlog::dsse::DsseSigner>>,
}

/// How the outbox sends.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliverySettings {
    /// Longest one request to a receiver may take.
    pub timeout: std::time::Duration,
    /// Attempts before giving up.
    pub max_attempts: u32,
    /// Longest wait between attempts.
    pub max_backoff: Duration,
}

impl DeliverySettings {
    fn resolve(file: DeliveryFile) -> Result<Self, String> {
        let timeout = duration("delivery.timeout", file.timeout, "30s")?;
        let max_attempts = file.max_attempts.unwrap_or(10);
        if max_attempts == 0 {
            return Err("delivery.max_attempts: must be at least 1".to_owned());
        }
        Ok(Self {
            timeout: timeout
                .to_std()
                .map_err(|e| format!("delivery.timeout: {e}"))?,
            max_attempts,
            max_backoff: duration("delivery.max_backoff", file.max_backoff, "1h")?,
        })
    }
}

impl Settings {
    /// Resolves flags and environment (`args`), the config file they name,
    /// and defaults. `env` supplies the variables `*_env` keys name.
    pub fn load(args: ServeArgs, env: &Env) -> Result<Self, String> {
        let (file, origin) = match &args.config {
            Some(path) => {
                let file = ConfigFile::read(path)?;
                let origin = format!("config file {}", path.display());
                let text = std::fs::read_to_string(path).unwrap_or_default();
                all_variables_set(&args, &text, env).map_err(|e| format!("{origin}: {e}"))?;
                (file, origin)
            }
            None => (ConfigFile::default(), "settings".to_owned()),
        };
        Self::resolve(args, file, env).map_err(|e| format!("{origin}: {e}"))
    }

    fn resolve(args: ServeArgs, mut file: ConfigFile, env: &Env) -> Result<Self, String> {
        let (sections, mut targets, channels) = file.take_integration_parts();
        let windows = windows::resolve(std::mem::take(&mut file.windows), &mut targets)?;
        let delivery = DeliverySettings::resolve(std::mem::take(&mut file.delivery))?;
        let listen = listen_address(&args, file.listen.take())?;
        let public_url = public_url(&args, file.public_url.take())?;
        let api_key = api_key(args.api_key.clone(), file.api_key_env.take(), env)?;
        let (default_expires_in, max_expires_in) =
            expiries(file.default_expires_in.take(), file.max_expires_in.take())?;
        let setup = Setup {
            env,
            timeout: delivery.timeout,
        };
        let configured = crate::integrations::configure(sections, targets, channels, &setup)?;
        let defaults = configured.integrations.default_callback_hosts();
        Ok(Self {
            listen,
            public_url,
            database_url: args
                .database_url
                .clone()
                .or(file.database_url)
                .unwrap_or_else(|| "sqlite://pausegate.db".to_owned()),
            api_key,
            named_keys: callers::resolve_keys(file.api_keys, env)?,
            oidc_callers: callers::resolve_oidc(file.oidc_callers)?,
            sign_in: sign_in::resolve(file.sign_in, env)?,
            database_timeout: timeout("database.timeout", file.database.timeout, "500ms")?,
            wakeups: wakeups(file.database.notify),
            default_expires_in,
            max_expires_in,
            targets: configured.targets,
            channels: configured.channels,
            integrations: configured.integrations,
            delivery,
            callbacks: callback_policy(file.callbacks, defaults)?,
            azure_functions: args.functions_port.is_some(),
            remind_before: file
                .remind_before
                .map(|text| parse_duration(&text).map_err(|e| format!("remind_before: {e}")))
                .transpose()?,
            templates_dir: file.templates_dir,
            max_failures_per_minute: file.max_failures_per_minute.unwrap_or(60),
            background_tasks: true,
            header_timeout: HEADER_TIMEOUT,
            policies: decisions::resolve_policies(file.policies)?,
            windows,
            on_call_fallback: on_call::resolve(file.on_call.take())?,
            attestation_key: decisions::resolve_attestation_key(file.receipts.as_ref(), env)?,
            receipt_key: decisions::resolve_receipt_key(file.receipts, env)?,
        })
    }

    /// Settings from flags (`args`) and a config file's text, for tests and
    /// embedding; `env` supplies the variables `*_env` keys name.
    pub fn from_text(args: ServeArgs, text: &str, env: &Env) -> Result<Self, String> {
        let file = ConfigFile::parse(text)?;
        all_variables_set(&args, text, env)?;
        Self::resolve(args, file, env)
    }

    /// What works but is probably not what was meant, one sentence each.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if self.api_key.is_none() && self.named_keys.is_empty() && self.oidc_callers.is_empty() {
            // Reached only where no key is generated (see `local_key`).
            warnings.push(
                "no API key is set, so the management API refuses every call (a key is \
                 generated only for a server on a loopback address with a SQLite file). \
                 Set one: PAUSEGATE_API_KEY=\"$(openssl rand -base64 32)\" pausegate serve, \
                 or --api-key, or api_key_env in the config file"
                    .to_owned(),
            );
        }
        if self.listen.ip().is_unspecified() && self.public_url.is_none() {
            warnings.push(format!(
                "listening on {0} without --public-url: review links will point at http://{0}, \
                 which works for nobody else; set --public-url to the address people use",
                self.listen
            ));
        }
        warnings
    }

    /// What a new pause may ask for under these settings.
    pub fn create_policy(&self) -> CreatePolicy {
        CreatePolicy {
            default_expires_in: self.default_expires_in,
            max_expires_in: self.max_expires_in,
            targets: self
                .targets
                .iter()
                .map(|(name, target)| (name.clone(), target.overridable.clone()))
                .collect(),
            channels: self.channels.keys().cloned().collect(),
            default_remind_before: self.remind_before,
            callbacks: self.callbacks.clone(),
            callback_kinds: self.integrations.clone(),
        }
    }
}

/// Refuses, naming them all, when variables the file names are unset.
fn all_variables_set(args: &ServeArgs, text: &str, env: &Env) -> Result<(), String> {
    let mut missing = secret::missing_variables(text, env);
    // A key given as a flag or in PAUSEGATE_API_KEY wins over the file's.
    if args.api_key.is_some() {
        missing.retain(|m| !m.starts_with("api_key_env:"));
    }
    match missing.as_slice() {
        [] => Ok(()),
        [one] => Err(one.clone()),
        many => Err(format!(
            "{} environment variables are not set:\n  {}",
            many.len(),
            many.join("\n  ")
        )),
    }
}

/// Longest a client may take to send a request's head: enough for anyone,
/// short enough that idle connections cannot pile up.
pub const HEADER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

#[cfg(test)]
mod tests;
