//! On-call approvers: an `oncall:SERVICE:SCHEDULE` approver stands for
//! whoever the schedule names when the pause is created. They are added
//! to the pause's approvers and emailed like any other, and the pause
//! records whom each schedule named ([`OnCallResolution`]). When the
//! service cannot be reached, or names nobody, the fallback approvers are
//! asked instead and the record says why. The services themselves are
//! integrations (`integrations::pagerduty`, `integrations::opsgenie`)
//! behind [`OnCallSchedules`].

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{PauseError, Pauses};
use crate::domain::{EmailAddress, NewPause, OnCallResolution, ValidationError, on_call_schedule};

/// Why a schedule could not be read.
#[derive(Debug, thiserror::Error)]
pub enum OnCallError {
    /// The service is not configured, or has no such schedule: the
    /// request is wrong (400).
    #[error("{0}")]
    Unknown(String),
    /// The service did not answer as documented: the fallback approvers
    /// are asked instead.
    #[error("{0}")]
    Unreachable(String),
}

/// Reads on-call schedules.
#[async_trait]
pub trait OnCallSchedules: Send + Sync {
    /// The addresses on call at `at` in `schedule` of `service`.
    async fn on_call(
        &self,
        service: &str,
        schedule: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<String>, OnCallError>;
}

/// The schedules, and whom to ask when one cannot be read.
#[derive(Clone)]
pub struct OnCall {
    /// The configured services.
    pub schedules: Arc<dyn OnCallSchedules>,
    /// `[on_call] fallback`: addresses asked instead.
    pub fallback: Vec<EmailAddress>,
}

impl Pauses {
    /// These use cases, reading `oncall:` approvers through `on_call`.
    pub fn with_on_call(mut self, on_call: OnCall) -> Self {
        self.on_call = Some(on_call);
        self
    }

    /// `pause` with each `oncall:` approver's people added as approvers
    /// and recipients; an unknown service or schedule is a 400 naming the
    /// approver.
    pub(super) async fn resolve_on_call(
        &self,
        mut pause: NewPause,
    ) -> Result<NewPause, PauseError> {
        let Some(rules) = pause.rules.as_mut() else {
            return Ok(pause);
        };
        let schedules: Vec<(usize, String)> = (rules.approvers.iter().enumerate())
            .filter(|(_, a)| on_call_schedule(a).is_some())
            .map(|(i, a)| (i, a.clone()))
            .collect();
        let now = self.clock.now();
        for (index, approver) in schedules {
            let field = format!("approvers[{index}]");
            let resolution = self.resolve(&field, &approver, now).await?;
            for person in &resolution.people {
                if !rules
                    .approvers
                    .iter()
                    .any(|a| EmailAddress::same(a, person))
                {
                    rules.approvers.push(person.clone());
                }
                if !pause.notify.email.iter().any(|e| e.is(person)) {
                    pause
                        .notify
                        .email
                        .push(EmailAddress::parse(&field, person)?);
                }
            }
            rules.on_call.push(resolution);
        }
        Ok(pause)
    }

    /// Whom `approver` stands for now.
    pub(super) async fn resolve(
        &self,
        field: &str,
        approver: &str,
        now: DateTime<Utc>,
    ) -> Result<OnCallResolution, PauseError> {
        let (service, schedule) = on_call_schedule(approver).unwrap_or_default();
        let Some(on_call) = &self.on_call else {
            let message = format!("{field}: no on-call service is configured");
            return Err(ValidationError::new(field, message).into());
        };
        let read = on_call.schedules.on_call(service, schedule, now).await;
        let people = match read {
            Err(OnCallError::Unknown(why)) => {
                return Err(ValidationError::new(field, format!("{field}: {why}")).into());
            }
            Err(OnCallError::Unreachable(why)) => {
                Err(format!("{service} could not be read ({why})"))
            }
            // Only addresses can be asked and admitted.
            Ok(people) => Ok(people
                .iter()
                .filter_map(|p| EmailAddress::parse(field, p).ok())
                .map(|p| p.to_string())
                .collect::<Vec<_>>()),
        };
        let people = people.and_then(|people| match people.is_empty() {
            true => Err(format!(
                "{service} names nobody on call with an email address"
            )),
            false => Ok(people),
        });
        let fallback = || on_call.fallback.iter().map(ToString::to_string).collect();
        Ok(match people {
            Ok(people) => OnCallResolution {
                schedule: approver.to_owned(),
                people,
                resolved_at: now,
                fallback: None,
            },
            Err(why) if on_call.fallback.is_empty() => {
                // Nobody could approve it: say so rather than store it.
                let message = format!(
                    "{field}: {why}, and [on_call] names no fallback approvers; try again later"
                );
                return Err(ValidationError::new(field, message).into());
            }
            Err(why) => {
                tracing::warn!(schedule = approver, %why, "asking the on-call fallback approvers");
                OnCallResolution {
                    schedule: approver.to_owned(),
                    people: fallback(),
                    resolved_at: now,
                    fallback: Some(format!("{why}: the fallback approvers were asked instead")),
                }
            }
        })
    }
}
