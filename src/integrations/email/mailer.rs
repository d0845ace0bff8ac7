//! Sending a composed email: over SMTP with lettre, or, with no `[email]`
//! configured, printed to standard output so `pausegate serve` shows the
//! whole flow with no setup.

use std::io::Write;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::compose::Email;
use super::settings::{EmailSettings, SmtpTls};
use crate::outbox::{SendError, Sent};

/// Where emails go.
pub(crate) enum Mailer {
    /// An SMTP server.
    Smtp {
        /// The connection settings (boxed: they are large).
        transport: Box<AsyncSmtpTransport<Tokio1Executor>>,
        /// The sender.
        from: Mailbox,
    },
    /// Standard output.
    Console,
}

impl Mailer {
    /// SMTP per `settings`, or the console without them.
    pub(crate) fn new(settings: Option<&EmailSettings>, timeout: Duration) -> anyhow::Result<Self> {
        let Some(settings) = settings else {
            return Ok(Self::Console);
        };
        let tls = match settings.tls {
            SmtpTls::None => Tls::None,
            SmtpTls::Starttls => Tls::Required(TlsParameters::new(settings.host.clone())?),
            SmtpTls::Tls => Tls::Wrapper(TlsParameters::new(settings.host.clone())?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            .port(settings.port)
            .tls(tls)
            .timeout(Some(timeout));
        if let Some((user, password)) = &settings.credentials {
            builder =
                builder.credentials(Credentials::new(user.clone(), password.expose().to_owned()));
        }
        Ok(Self::Smtp {
            transport: Box::new(builder.build()),
            from: settings.from.clone(),
        })
    }

    /// Sends one email. A refused connection or a 4xx reply is worth
    /// retrying; a 5xx reply fails with the server's answer.
    pub(crate) async fn send(&self, email: Email) -> Result<Sent, SendError> {
        match self {
            Self::Console => {
                print_to_console(&email);
                Ok(Sent::default())
            }
            Self::Smtp { transport, from } => {
                let message = build(from, &email)?;
                match transport.send(message).await {
                    Ok(_) => Ok(Sent::default()),
                    Err(error) if error.is_permanent() => Err(SendError::Fatal {
                        message: format!(
                            "the SMTP server refused the email to {}: {error}",
                            email.to
                        ),
                    }),
                    Err(error) => Err(SendError::retry(format!("SMTP: {error}"))),
                }
            }
        }
    }
}

fn build(from: &Mailbox, email: &Email) -> Result<Message, SendError> {
    let to: Mailbox = email.to.parse().map_err(|e| SendError::Fatal {
        message: format!("{:?} is not a deliverable address: {e}", email.to),
    })?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(email.subject.clone())
        .multipart(MultiPart::alternative_plain_html(
            email.text.clone(),
            email.html.clone(),
        ))
        .map_err(|e| SendError::Fatal {
            message: format!("cannot build the email: {e}"),
        })
}

/// The no-setup mailer: the email a person would get, link and all.
fn print_to_console(email: &Email) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "\n--- email (no [email] configured, so it is printed here) ---\nTo: {}\nSubject: {}\n\n{}\n--- end of email ---",
        email.to,
        email.subject,
        email.text.trim_end()
    );
    let _ = out.flush();
}
