//! On-call services: each integration that reads schedules registers a
//! [`ScheduleSource`] under the service name `oncall:SERVICE:…` uses; the
//! use cases reach them all through [`OnCallServices`].

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::pauses::{OnCallError, OnCallSchedules};

/// Reads one service's schedules.
#[async_trait]
pub trait ScheduleSource: Send + Sync + 'static {
    /// The addresses on call at `at` in `schedule`.
    async fn on_call(&self, schedule: &str, at: DateTime<Utc>) -> Result<Vec<String>, OnCallError>;
}

/// The configured services, by name.
#[derive(Default, Clone)]
pub struct OnCallServices(BTreeMap<&'static str, Arc<dyn ScheduleSource>>);

impl OnCallServices {
    /// Reads `service`'s schedules through `source`.
    pub fn add(&mut self, service: &'static str, source: Arc<dyn ScheduleSource>) {
        self.0.insert(service, source);
    }
}

#[async_trait]
impl OnCallSchedules for OnCallServices {
    async fn on_call(
        &self,
        service: &str,
        schedule: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<String>, OnCallError> {
        let Some(source) = self.0.get(service) else {
            return Err(OnCallError::Unknown(format!(
                "oncall:{service} needs a [{service}] section in the config"
            )));
        };
        source.on_call(schedule, at).await
    }
}

/// Sends `request` for `schedule` of `service` (as people name it:
/// "PagerDuty") and reads the answer as `T`: 404 is an unknown schedule,
/// any other failure leaves the service unreachable.
pub async fn read_schedule<T: serde::de::DeserializeOwned>(
    request: reqwest::RequestBuilder,
    service: &str,
    schedule: &str,
) -> Result<T, OnCallError> {
    let response = request
        .send()
        .await
        .map_err(|e| OnCallError::Unreachable(e.without_url().to_string()))?;
    match response.status() {
        reqwest::StatusCode::NOT_FOUND => Err(OnCallError::Unknown(format!(
            "{service} has no schedule {schedule:?}"
        ))),
        status if !status.is_success() => Err(OnCallError::Unreachable(format!(
            "{service} answered {status}"
        ))),
        _ => response.json().await.map_err(|e| {
            let e = e.without_url();
            OnCallError::Unreachable(format!("{service}'s answer is unreadable: {e}"))
        }),
    }
}
