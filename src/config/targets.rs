//! Targets (the pipelines pausegate starts) and channels (where it posts),
//! as written in the config file, and their checked, ready-to-use form with
//! secrets read from the environment.

use std::collections::BTreeMap;

use reqwest::Url;
use serde::Deserialize;

use super::secret::{Env, Secret};

/// `[targets.NAME]` as written.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TargetFile {
    /// A signed JSON POST to any URL.
    Webhook(WebhookFile),
    /// An Azure Data Factory pipeline run.
    AzureDataFactory(AdfFile),
    /// A GitHub Actions `workflow_dispatch`.
    GithubWorkflow(GithubFile),
    /// An Airflow DAG run.
    AirflowDag(AirflowFile),
    /// A suspended Argo Workflows node, resumed or stopped.
    ArgoWorkflows(ArgoFile),
}

/// `kind = "argo_workflows"`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArgoFile {
    base_url: String,
    namespace: String,
    token_env: Option<String>,
    node: Option<String>,
    #[serde(default)]
    overridable: Vec<String>,
    max_per_hour: Option<u32>,
    /// Set the node's output parameter `receipt` too (the node must
    /// declare it, as it declares the others).
    #[serde(default)]
    send_receipt: bool,
}

/// `kind = "webhook"`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookFile {
    url: String,
    secret_env: Option<String>,
    max_per_hour: Option<u32>,
}

/// `kind = "azure_data_factory"`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdfFile {
    tenant_id: String,
    client_id: String,
    client_secret_env: String,
    subscription_id: String,
    resource_group: String,
    factory: String,
    pipeline: String,
    #[serde(default)]
    overridable: Vec<String>,
    authority_host: Option<String>,
    management_endpoint: Option<String>,
    parameters: Option<BTreeMap<String, String>>,
    max_per_hour: Option<u32>,
}

/// `kind = "github_workflow"`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GithubFile {
    owner: String,
    repo: String,
    workflow: String,
    #[serde(rename = "ref")]
    git_ref: String,
    token_env: String,
    #[serde(default)]
    overridable: Vec<String>,
    api_url: Option<String>,
    max_per_hour: Option<u32>,
    /// Send the receipt as the workflow input `receipt` (the workflow
    /// must declare it: GitHub refuses undeclared inputs).
    #[serde(default)]
    send_receipt: bool,
}

/// `kind = "airflow_dag"`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AirflowFile {
    base_url: String,
    dag_id: String,
    token_env: Option<String>,
    username_env: Option<String>,
    password_env: Option<String>,
    #[serde(default)]
    overridable: Vec<String>,
    max_per_hour: Option<u32>,
}

/// `[channels.NAME]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelFile {
    kind: ChannelKind,
    /// Slack and Teams incoming webhooks: the variable holding the URL.
    webhook_url_env: Option<String>,
    /// `slack_app`: the Slack channel id (`C…`) the app posts to.
    channel: Option<String>,
}

/// Where a channel posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// A Slack incoming webhook.
    Slack,
    /// A Microsoft Teams incoming webhook.
    Teams,
    /// A channel the `[slack_app]` posts to, with Approve and Reject buttons.
    SlackApp,
}

/// Where a channel's messages go.
#[derive(Debug, Clone)]
pub enum ChannelDestination {
    /// An incoming-webhook URL (a secret: anyone holding it can post).
    Webhook(Secret),
    /// A Slack channel id, posted to through the Web API.
    SlackChannel(String),
}

/// A configured target, checked and with its secrets loaded.
#[derive(Debug, Clone)]
pub struct Target {
    /// The name pauses use.
    pub name: String,
    /// What it starts and how.
    pub spec: TargetSpec,
    /// Settings a pause may override in `target_params`.
    pub overridable: Vec<String>,
    /// Most deliveries per hour; more wait their turn.
    pub max_per_hour: Option<u32>,
}

/// The kind-specific part of a target.
#[derive(Debug, Clone)]
pub enum TargetSpec {
    /// POST the event to `url`, signed when a secret is set.
    Webhook {
        /// Where to POST.
        url: Url,
        /// HMAC key for `Pausegate-Signature`.
        secret: Option<Secret>,
    },
    /// Azure Data Factory `createRun`.
    AzureDataFactory(AdfTarget),
    /// GitHub Actions `workflow_dispatch`.
    GithubWorkflow(GithubTarget),
    /// Airflow 3 DAG run.
    AirflowDag(AirflowTarget),
    /// Argo Workflows: resume or stop a suspended node.
    ArgoWorkflows(ArgoTarget),
}

/// The Argo Server holding suspended workflows.
#[derive(Debug, Clone)]
pub struct ArgoTarget {
    pub base_url: Url,
    pub namespace: String,
    pub token: Option<Secret>,
    /// Display name of the suspend node (default `approve`).
    pub node: String,
    /// Whether the `receipt` output parameter is set.
    pub send_receipt: bool,
}

/// An Azure Data Factory pipeline and the service principal that starts it.
#[derive(Debug, Clone)]
pub struct AdfTarget {
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: Secret,
    pub subscription_id: String,
    pub resource_group: String,
    pub factory: String,
    pub pipeline: String,
    /// Entra ID host, e.g. `https://login.microsoftonline.com`.
    pub authority_host: Url,
    /// ARM host, e.g. `https://management.azure.com`.
    pub management_endpoint: Url,
    /// The pipeline parameters `createRun` passes, and where each comes from.
    pub parameters: BTreeMap<String, ParameterSource>,
}

/// Where a pipeline parameter's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParameterSource {
    /// The pause id.
    PauseId,
    /// The whole `data` object.
    Data,
    /// One top-level key of `data` (`data.run_date`); `null` when absent.
    DataKey(String),
    /// The approver's `inputs`.
    Inputs,
    /// One of the approver's `inputs` (`inputs.ticket`); `null` when absent.
    InputsKey(String),
    /// The pause title.
    Title,
    /// `pause.approved`, `pause.rejected` or `pause.expired`.
    Event,
    /// Who decided, if anyone.
    Actor,
    /// The decider's comment, if any.
    Comment,
    /// The signed decision receipt (JWS).
    Receipt,
}

impl ParameterSource {
    /// Reads `pause_id`, `data`, `data.KEY`, `inputs`, `inputs.KEY`, `title`,
    /// `event`, `actor`, `comment` or `receipt`.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "pause_id" => Self::PauseId,
            "data" => Self::Data,
            "title" => Self::Title,
            "event" => Self::Event,
            "actor" => Self::Actor,
            "comment" => Self::Comment,
            "inputs" => Self::Inputs,
            "receipt" => Self::Receipt,
            _ => match (text.strip_prefix("data."), text.strip_prefix("inputs.")) {
                (Some(key), _) if !key.is_empty() => Self::DataKey(key.to_owned()),
                (_, Some(key)) if !key.is_empty() => Self::InputsKey(key.to_owned()),
                _ => return None,
            },
        })
    }
}

fn parse_parameters(
    key: &str,
    parameters: Option<BTreeMap<String, String>>,
) -> Result<BTreeMap<String, ParameterSource>, String> {
    let Some(parameters) = parameters else {
        return Ok(BTreeMap::from([
            ("pause_id".to_owned(), ParameterSource::PauseId),
            ("data".to_owned(), ParameterSource::Data),
        ]));
    };
    parameters
        .into_iter()
        .map(|(name, source)| match ParameterSource::parse(&source) {
            Some(parsed) => Ok((name, parsed)),
            None => Err(format!(
                "{key}.{name}: {source:?} is not a source; use pause_id, data, data.KEY, \
                 inputs, inputs.KEY, title, event, actor, comment or receipt"
            )),
        })
        .collect()
}

/// A GitHub Actions workflow.
#[derive(Debug, Clone)]
pub struct GithubTarget {
    pub owner: String,
    pub repo: String,
    pub workflow: String,
    pub git_ref: String,
    pub token: Secret,
    /// `https://api.github.com`, or a GitHub Enterprise API root.
    pub api_url: Url,
    /// Whether the `receipt` input is sent.
    pub send_receipt: bool,
}

/// An Airflow DAG.
#[derive(Debug, Clone)]
pub struct AirflowTarget {
    pub base_url: Url,
    pub dag_id: String,
    pub token: Option<Secret>,
    /// User name and password for `POST /auth/token`: pausegate gets its
    /// own tokens and renews them before they expire.
    pub login: Option<(Secret, Secret)>,
}

/// A configured channel, with its webhook URL loaded.
#[derive(Debug, Clone)]
pub struct Channel {
    /// The name pauses use.
    pub name: String,
    /// Slack or Teams.
    pub kind: ChannelKind,
    /// Where its messages go.
    pub destination: ChannelDestination,
}

/// Checks every target; the error names `targets.NAME.key`.
pub fn resolve_targets(
    files: BTreeMap<String, TargetFile>,
    env: &Env,
) -> Result<BTreeMap<String, Target>, String> {
    files
        .into_iter()
        .map(|(name, file)| {
            let target = resolve_target(&name, file, env)?;
            Ok((name, target))
        })
        .collect()
}

fn resolve_target(name: &str, file: TargetFile, env: &Env) -> Result<Target, String> {
    let key = |k: &str| format!("targets.{name}.{k}");
    let (spec, overridable, max_per_hour, allowed): (_, _, _, &[&str]) = match file {
        TargetFile::Webhook(f) => {
            let spec = TargetSpec::Webhook {
                url: parse_url(&key("url"), &f.url)?,
                secret: f
                    .secret_env
                    .map(|var| env.secret(&key("secret_env"), &var))
                    .transpose()?,
            };
            (spec, Vec::new(), f.max_per_hour, &[])
        }
        TargetFile::AzureDataFactory(f) => {
            let spec = TargetSpec::AzureDataFactory(AdfTarget {
                parameters: parse_parameters(&key("parameters"), f.parameters)?,
                client_secret: env.secret(&key("client_secret_env"), &f.client_secret_env)?,
                authority_host: parse_url(
                    &key("authority_host"),
                    f.authority_host
                        .as_deref()
                        .unwrap_or("https://login.microsoftonline.com"),
                )?,
                management_endpoint: parse_url(
                    &key("management_endpoint"),
                    f.management_endpoint
                        .as_deref()
                        .unwrap_or("https://management.azure.com"),
                )?,
                tenant_id: f.tenant_id,
                client_id: f.client_id,
                subscription_id: f.subscription_id,
                resource_group: f.resource_group,
                factory: f.factory,
                pipeline: f.pipeline,
            });
            (
                spec,
                f.overridable,
                f.max_per_hour,
                &["pipeline", "factory", "resource_group"],
            )
        }
        TargetFile::GithubWorkflow(f) => {
            let spec = TargetSpec::GithubWorkflow(GithubTarget {
                token: env.secret(&key("token_env"), &f.token_env)?,
                api_url: parse_url(
                    &key("api_url"),
                    f.api_url.as_deref().unwrap_or("https://api.github.com"),
                )?,
                owner: f.owner,
                repo: f.repo,
                workflow: f.workflow,
                git_ref: f.git_ref,
                send_receipt: f.send_receipt,
            });
            (spec, f.overridable, f.max_per_hour, &["ref", "workflow"])
        }
        TargetFile::AirflowDag(f) => {
            let login = match (f.username_env, f.password_env) {
                (Some(user), Some(password)) => Some((
                    env.secret(&key("username_env"), &user)?,
                    env.secret(&key("password_env"), &password)?,
                )),
                (None, None) => None,
                _ => {
                    return Err(format!(
                        "{}: give both username_env and password_env, or neither",
                        key("username_env")
                    ));
                }
            };
            if login.is_some() && f.token_env.is_some() {
                return Err(format!(
                    "{}: give token_env or username_env and password_env, not both",
                    key("token_env")
                ));
            }
            let spec = TargetSpec::AirflowDag(AirflowTarget {
                login,
                base_url: parse_url(&key("base_url"), &f.base_url)?,
                token: f
                    .token_env
                    .map(|var| env.secret(&key("token_env"), &var))
                    .transpose()?,
                dag_id: f.dag_id,
            });
            (spec, f.overridable, f.max_per_hour, &["dag_id"])
        }
        TargetFile::ArgoWorkflows(f) => {
            let spec = TargetSpec::ArgoWorkflows(ArgoTarget {
                base_url: parse_url(&key("base_url"), &f.base_url)?,
                token: f
                    .token_env
                    .map(|var| env.secret(&key("token_env"), &var))
                    .transpose()?,
                namespace: f.namespace,
                node: f.node.unwrap_or_else(|| "approve".to_owned()),
                send_receipt: f.send_receipt,
            });
            // The workflow's name differs per run, so a pause always says it.
            let mut overridable = f.overridable;
            if !overridable.iter().any(|k| k == "workflow") {
                overridable.push("workflow".to_owned());
            }
            (
                spec,
                overridable,
                f.max_per_hour,
                &["workflow", "node", "namespace"],
            )
        }
    };
    if let Some(bad) = overridable.iter().find(|k| !allowed.contains(&k.as_str())) {
        let allowed = if allowed.is_empty() {
            "none".to_owned()
        } else {
            allowed.join(", ")
        };
        return Err(format!(
            "{}: {bad:?} cannot be overridden for this kind of target (allowed: {allowed})",
            key("overridable")
        ));
    }
    if max_per_hour == Some(0) {
        return Err(format!("{}: must be at least 1", key("max_per_hour")));
    }
    Ok(Target {
        name: name.to_owned(),
        spec,
        overridable,
        max_per_hour,
    })
}

/// Checks every channel; the error names `channels.NAME.key`.
pub fn resolve_channels(
    files: BTreeMap<String, ChannelFile>,
    env: &Env,
) -> Result<BTreeMap<String, Channel>, String> {
    files
        .into_iter()
        .map(|(name, file)| {
            let destination = channel_destination(&name, &file, env)?;
            let channel = Channel {
                name: name.clone(),
                kind: file.kind,
                destination,
            };
            Ok((name, channel))
        })
        .collect()
}

/// A webhook URL from the environment, or a Slack app's channel id.
fn channel_destination(
    name: &str,
    file: &ChannelFile,
    env: &Env,
) -> Result<ChannelDestination, String> {
    if file.kind == ChannelKind::SlackApp {
        return match &file.channel {
            Some(channel) if !channel.trim().is_empty() => {
                Ok(ChannelDestination::SlackChannel(channel.trim().to_owned()))
            }
            _ => Err(format!(
                "channels.{name}.channel: a slack_app channel needs its channel id"
            )),
        };
    }
    let key = format!("channels.{name}.webhook_url_env");
    let Some(variable) = &file.webhook_url_env else {
        return Err(format!("{key}: required for a {:?} channel", file.kind));
    };
    let webhook_url = env.secret(&key, variable)?;
    parse_url(&key, webhook_url.expose()).map_err(|_| {
        format!("{key}: environment variable {variable} does not hold an http(s) URL")
    })?;
    Ok(ChannelDestination::Webhook(webhook_url))
}

/// Parses an http(s) URL; the error names the key.
pub fn parse_url(key: &str, text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| format!("{key}: {text:?} is not a valid URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("{key}: {text:?} must be an http or https URL"));
    }
    Ok(url)
}

/// `[azure_recipe] target` must be a Data Factory target that lets each
/// pause name its factory, resource group and pipeline, as the recipe's
/// callers do.
pub fn check_recipe_target(name: &str, targets: &BTreeMap<String, Target>) -> Result<(), String> {
    let key = "azure_recipe.target";
    let Some(target) = targets.get(name) else {
        return Err(format!("{key}: there is no target {name:?} in [targets]"));
    };
    if !matches!(target.spec, TargetSpec::AzureDataFactory(_)) {
        return Err(format!(
            "{key}: target {name:?} must be of kind \"azure_data_factory\""
        ));
    }
    let missing: Vec<&str> = ["factory", "resource_group", "pipeline"]
        .into_iter()
        .filter(|k| !target.overridable.iter().any(|o| o == k))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "{key}: target {name:?} must list {} in overridable, so each request can name them",
            missing.join(", ")
        ));
    }
    Ok(())
}
