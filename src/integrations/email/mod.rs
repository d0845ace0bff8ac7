//! Email: personal review links sent over SMTP (`[email]`, with lettre),
//! or, with no `[email]`, printed to standard output so `pausegate serve`
//! shows the whole flow with no setup. Each recipient gets a link of their
//! own, minted by the outbox as the email goes out.

mod compose;
mod mailer;
mod settings;

use std::sync::Arc;

use async_trait::async_trait;

use super::kit::{Kit, Mail, Notice};
use super::registry::{Integration, Register};
use super::{Registry, Sections, Setup};
use crate::outbox::{SendError, Sent};
use mailer::Mailer;
use settings::EmailSettings;

/// The registry's entry.
pub(crate) const INTEGRATION: Integration = Integration {
    register: register as Register,
    openapi: None,
};

fn register(registry: &mut Registry, sections: &mut Sections, setup: &Setup) -> Result<(), String> {
    let settings = sections
        .take("email")
        .map(|raw| raw.parse("email"))
        .transpose()?
        .map(|file| EmailSettings::resolve(file, setup.env))
        .transpose()?;
    let mailer = Mailer::new(settings.as_ref(), setup.timeout)
        .map_err(|e| format!("email: cannot set up the SMTP connection: {e:#}"))?;
    registry.mail(Arc::new(Emails(mailer)));
    Ok(())
}

/// Composes and sends personal emails.
struct Emails(Mailer);

#[async_trait]
impl Mail for Emails {
    async fn email(&self, kit: &Kit, to: &str, notice: Notice<'_>) -> Result<Sent, SendError> {
        let email = compose::compose(&kit.renderer, to, notice, kit.clock.now())?;
        self.0.send(email).await
    }
}
