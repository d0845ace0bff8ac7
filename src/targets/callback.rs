//! Answering an orchestrator that waits for a pause: POST the body its
//! kind reads ([`Callback::body`]) to the URL it handed out. The URL came
//! from a caller, so it is checked against `[callbacks] allowed_hosts`
//! again before every attempt (the list may have shrunk since), redirects
//! are never followed (a redirect could lead anywhere), and it never
//! appears in an error or a log line: it carries its own authority.

use std::collections::BTreeMap;
use std::sync::Arc;

use reqwest::header::CONTENT_TYPE;
use reqwest::redirect::Policy;

use super::github_app::{self, InstallationTokens};
use super::response::{SendError, Sent, check, transport};
use super::step_functions;
use crate::clock::Clock;
use crate::config::{AwsAccount, GithubApp, Settings};
use crate::domain::{CallbackKind, CallbackPolicy, DeliveryId, Pause};

/// Sends callbacks through a client that follows no redirects.
pub struct Callbacks {
    client: reqwest::Client,
    clock: Arc<dyn Clock>,
    policy: CallbackPolicy,
    aws: BTreeMap<String, AwsAccount>,
    github_app: Option<GithubApp>,
    github_tokens: InstallationTokens,
}

impl Callbacks {
    /// A sender with the delivery timeout and allow-list of `settings`.
    pub fn new(settings: &Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(settings.delivery.timeout)
            .redirect(Policy::none())
            .user_agent(concat!("pausegate/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            client,
            clock,
            policy: settings.callbacks.clone(),
            aws: settings.aws.clone(),
            github_app: settings.github_app.clone(),
            github_tokens: InstallationTokens::default(),
        })
    }

    /// Sends the outcome of `pause` to its callback.
    pub async fn send(&self, delivery_id: &DeliveryId, pause: &Pause) -> Result<Sent, SendError> {
        let callback = pause.callback.as_ref().ok_or_else(|| SendError::Fatal {
            message: "the pause has no callback".to_owned(),
        })?;
        if callback.kind == CallbackKind::StepFunctions {
            let name = callback.aws.as_deref().unwrap_or_default();
            let account = self.aws.get(name).ok_or_else(|| SendError::Fatal {
                message: format!("[aws.{name}] is no longer configured"),
            })?;
            let clock = &*self.clock;
            return step_functions::send(
                &self.client,
                clock,
                account,
                callback,
                delivery_id,
                pause,
            )
            .await;
        }
        if callback.kind == CallbackKind::Github {
            let app = self.github_app.as_ref().ok_or_else(|| SendError::Fatal {
                message: "[github_app] is no longer configured".to_owned(),
            })?;
            let (client, clock, tokens) = (&self.client, &*self.clock, &self.github_tokens);
            return github_app::send(client, clock, app, tokens, callback, delivery_id, pause)
                .await;
        }
        let what = format!("the {} callback", callback.kind.as_str());
        self.policy
            .check("callback", &callback.url)
            .map_err(|refused| SendError::Fatal {
                message: format!("not sent: {}", refused.message),
            })?;
        let mut request = self.client.post(&callback.url);
        if let Some(task) = &callback.devops {
            // Basic auth, any user name, the run's access token as password.
            request = request.basic_auth("", Some(&task.auth_token));
        }
        let response = request
            .header(CONTENT_TYPE, "application/json")
            .header("Pausegate-Delivery", delivery_id.as_str())
            .body(callback.body(pause).to_string())
            .send()
            .await
            .map_err(|e| transport(&what, e))?;
        if response.status().is_redirection() {
            return Err(SendError::Fatal {
                message: format!(
                    "{what} answered {} (a redirect); redirects are not followed",
                    response.status()
                ),
            });
        }
        check(&what, response).await?;
        Ok(Sent::default())
    }
}
