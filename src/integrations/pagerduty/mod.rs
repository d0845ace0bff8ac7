//! PagerDuty schedules for `oncall:pagerduty:SCHEDULE` approvers. Reads
//! who is on call through the REST API's "List users on call" for a
//! schedule, `GET /schedules/{id}/users?since=…&until=…`, with
//! `Authorization: Token token=KEY` and
//! `Accept: application/vnd.pagerduty+json;version=2`; it answers
//! `{"users": [{"email": …}, …]}`, and 404 for an unknown schedule
//! (PagerDuty's REST API reference, operation `listScheduleUsers`, in the
//! published OpenAPI document `reference/REST/openapiv3.json` of
//! PagerDuty's api-schema repository; authentication and versioning:
//! <https://developer.pagerduty.com/docs/authentication>).
//!
//! ```toml
//! [pagerduty]
//! token_env = "PAGERDUTY_TOKEN"   # a read-only REST API key
//! # url = "https://api.pagerduty.com"
//! ```

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use reqwest::Url;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
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

/// `[pagerduty]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PagerDutyFile {
    token_env: String,
    url: Option<String>,
}

fn register(registry: &mut Registry, sections: &mut Sections, setup: &Setup) -> Result<(), String> {
    let Some(raw) = sections.take("pagerduty") else {
        return Ok(());
    };
    let file: PagerDutyFile = raw.parse("pagerduty")?;
    let url = file.url.as_deref().unwrap_or("https://api.pagerduty.com");
    let source = PagerDuty {
        url: parse_url("pagerduty.url", url)?,
        token: setup.env.secret("pagerduty.token_env", &file.token_env)?,
        client: setup.client()?,
    };
    registry.on_call.add("pagerduty", Arc::new(source));
    Ok(())
}

struct PagerDuty {
    url: Url,
    token: Secret,
    client: reqwest::Client,
}

#[derive(Deserialize)]
struct Users {
    users: Vec<User>,
}

#[derive(Deserialize)]
struct User {
    email: Option<String>,
}

#[async_trait]
impl ScheduleSource for PagerDuty {
    async fn on_call(&self, schedule: &str, at: DateTime<Utc>) -> Result<Vec<String>, OnCallError> {
        let url = join_path(&self.url, &["schedules", schedule, "users"]);
        let time = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
        let request = (self.client.get(url))
            .query(&[
                ("since", time(at)),
                ("until", time(at + Duration::minutes(1))),
            ])
            .header(
                AUTHORIZATION,
                format!("Token token={}", self.token.expose()),
            )
            .header(ACCEPT, "application/vnd.pagerduty+json;version=2")
            .header(CONTENT_TYPE, "application/json");
        let users: Users = read_schedule(request, "PagerDuty", schedule).await?;
        Ok(users.users.into_iter().filter_map(|u| u.email).collect())
    }
}
