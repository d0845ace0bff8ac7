//! The gateway's file: which server it fronts, which tools it guards, and
//! how a guarded call is asked about. Read once at start; a mistake stops
//! it there, naming the key.
//!
//! ```toml
//! name = "files"                        # shown to approvers, seen by the policy
//! [upstream]
//! command = ["python3", "server.py"]    # or: url = "http://127.0.0.1:9000/mcp"
//! [guard]
//! tools = ["delete_*", "move_file"]     # `*` matches any run of characters
//! policy = "guard.rego"                 # optional: package pausegate.gate, rule `guard`
//! approvers = ["ana@example.com"]
//! notify = { email = ["ana@example.com"] }
//! expires_in = "1h"
//! hold = "30s"                          # clients without the Tasks extension
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::domain::{parse_duration, star_match};

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GateFile {
    name: String,
    upstream: UpstreamFile,
    #[serde(default)]
    guard: GuardFile,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpstreamFile {
    command: Option<Vec<String>>,
    url: Option<String>,
    /// An environment variable holding a bearer token for `url`.
    bearer_env: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct GuardFile {
    #[serde(default)]
    tools: Vec<String>,
    policy: Option<PathBuf>,
    #[serde(default)]
    approvers: Vec<String>,
    notify: Option<Value>,
    expires_in: Option<String>,
    hold: Option<String>,
}

/// The upstream MCP server.
#[derive(Debug, Clone)]
pub enum Upstream {
    /// Started as a command; messages over its stdin and stdout.
    Command(Vec<String>),
    /// Reached over Streamable HTTP, with an optional bearer token.
    Url {
        /// The endpoint.
        url: String,
        /// `Authorization: Bearer …` to send.
        bearer: Option<String>,
    },
}

/// The gateway's settings, checked.
#[derive(Debug)]
pub struct GateSettings {
    /// The upstream's name, as approvers and the policy see it.
    pub name: String,
    /// Where the upstream is.
    pub upstream: Upstream,
    /// Tool name patterns guarded without asking the policy.
    pub tools: Vec<String>,
    /// A Rego policy asked about every other call.
    pub policy: Option<regorus::Engine>,
    /// The parts of each pause the gateway asks for (approvers, notify, expires_in).
    pub ask: Value,
    /// How long a call is held for a client without the Tasks extension.
    pub hold: Duration,
}

/// The rule a gateway policy sets true for a call that needs approval.
pub const GUARD_RULE: &str = "data.pausegate.gate.guard";

impl GateSettings {
    /// Reads and checks `path`.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let file: GateFile =
            toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        Ok(Self {
            upstream: upstream(file.upstream)?,
            tools: file.guard.tools,
            policy: match &file.guard.policy {
                Some(policy) => Some(compile(&base.join(policy))?),
                None => None,
            },
            ask: ask(
                &file.guard.approvers,
                file.guard.notify,
                file.guard.expires_in,
            )?,
            hold: duration("guard.hold", file.guard.hold.as_deref().unwrap_or("30s"))?,
            name: file.name,
        })
    }

    /// Whether `tool` is guarded by name.
    pub fn names(&self, tool: &str) -> bool {
        self.tools.iter().any(|pattern| star_match(pattern, tool))
    }
}

fn upstream(file: UpstreamFile) -> Result<Upstream, String> {
    match (file.command, file.url) {
        (Some(command), None) if !command.is_empty() => Ok(Upstream::Command(command)),
        (None, Some(url)) => {
            url::Url::parse(&url).map_err(|e| format!("upstream.url {url:?}: {e}"))?;
            let bearer = match file.bearer_env {
                Some(name) => Some(
                    std::env::var(&name)
                        .map_err(|_| format!("upstream.bearer_env: {name} is not set"))?,
                ),
                None => None,
            };
            Ok(Upstream::Url { url, bearer })
        }
        _ => Err("upstream: set exactly one of command (a non-empty list) and url".to_owned()),
    }
}

fn ask(
    approvers: &[String],
    notify: Option<Value>,
    expires_in: Option<String>,
) -> Result<Value, String> {
    if let Some(expires_in) = &expires_in {
        duration("guard.expires_in", expires_in)?;
    }
    let mut ask = json!({});
    if !approvers.is_empty() {
        ask["approvers"] = json!(approvers);
    }
    if let Some(notify) = notify {
        ask["notify"] = notify;
    }
    if let Some(expires_in) = expires_in {
        ask["expires_in"] = json!(expires_in);
    }
    Ok(ask)
}

fn duration(key: &str, text: &str) -> Result<Duration, String> {
    parse_duration(text)
        .ok()
        .and_then(|d| d.to_std().ok())
        .ok_or_else(|| format!("{key}: {text:?} is not a duration such as \"30s\" or \"1h\""))
}

fn compile(file: &Path) -> Result<regorus::Engine, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("guard.policy {}: {e}", file.display()))?;
    let mut engine = regorus::Engine::new();
    engine
        .add_policy(file.display().to_string(), text)
        .map_err(|e| format!("guard.policy: {e}"))?;
    Ok(engine)
}
