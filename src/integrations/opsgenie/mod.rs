//! Opsgenie schedules for `oncall:opsgenie:SCHEDULE` approvers. Reads who
//! is on call through the Who is On Call API's "Get On Calls",
//! `GET /v2/schedules/{id}/on-calls?scheduleIdentifierType=id&flat=true`
//! with `Authorization: GenieKey KEY`; with `flat=true` it answers
//! `{"data": {"onCallRecipients": ["ana@example.com", …]}, …}` (user
//! names, which are addresses), and 404 for an unknown schedule
//! (<https://docs.opsgenie.com/docs/who-is-on-call-api>; errors:
//! <https://docs.opsgenie.com/docs/response>; the EU instance is
//! `https://api.eu.opsgenie.com`).
//!
//! ```toml
//! [opsgenie]
//! api_key_env = "OPSGENIE_API_KEY"   # an API integration's key
//! # url = "https://api.eu.opsgenie.com"
//! ```

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use reqwest::Url;
use reqwest::header::AUTHORIZATION;
use serde::Deserialize;

use super::kit::{ScheduleSource, join_path, read_schedule};
use super::registry::{Integration, Register};
use super::{Registry, Sections, Setup};
use crate::config::{Secret, parse_url};
use crate::pauses::OnCallError;

pub(crate) const INTEGRATION: Integration = Integration {
    register: register as Register,
    openapi: None,
};

/// `[opsgenie]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OpsgenieFile {
    api_key_env: String,
    url: Option<String>,
}

fn register(registry: &mut Registry, sections: &mut Sections, setup: &Setup) -> Result<(), String> {
    let Some(raw) = sections.take("opsgenie") else {
        return Ok(());
    };
    let file: OpsgenieFile = raw.parse("opsgenie")?;
    let url = file.url.as_deref().unwrap_or("https://api.opsgenie.com");
    let source = Opsgenie {
        url: parse_url("opsgenie.url", url)?,
        key: setup
            .env
            .secret("opsgenie.api_key_env", &file.api_key_env)?,
        client: setup.client()?,
    };
    registry.on_call.add("opsgenie", Arc::new(source));
    Ok(())
}

struct Opsgenie {
    url: Url,
    key: Secret,
    client: reqwest::Client,
}

#[derive(Deserialize)]
struct OnCalls {
    data: OnCallData,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OnCallData {
    #[serde(default)]
    on_call_recipients: Vec<String>,
}

#[async_trait]
impl ScheduleSource for Opsgenie {
    /// The API reads "now" itself: `date` is left out (it defaults to the
    /// moment the request is received).
    async fn on_call(&self, schedule: &str, _: DateTime<Utc>) -> Result<Vec<String>, OnCallError> {
        let url = join_path(&self.url, &["v2", "schedules", schedule, "on-calls"]);
        let request = (self.client.get(url))
            .query(&[("scheduleIdentifierType", "id"), ("flat", "true")])
            .header(AUTHORIZATION, format!("GenieKey {}", self.key.expose()));
        let on_calls: OnCalls = read_schedule(request, "Opsgenie", schedule).await?;
        Ok(on_calls.data.on_call_recipients)
    }
}
