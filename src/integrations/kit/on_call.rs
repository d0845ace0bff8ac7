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
