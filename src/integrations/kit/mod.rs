//! What an integration is made of, and what it is given: the core's
//! vocabulary for outside systems. An integration registers, in its
//! `register` function, the target kinds it starts ([`Starter`]), the
//! channel kinds it posts to ([`Poster`]), the callback kinds it answers
//! ([`CallbackKind`]), the mail it sends ([`Mail`]), its inbound routes,
//! and checks across the config; it reads its own config sections
//! ([`Raw`]). When it sends, it gets a [`Kit`]: the shared HTTP clients,
//! the clock, the templates and the public URL.

mod callback;
mod channel;
mod on_call;
mod sections;
mod target;

use std::sync::Arc;

use crate::clock::Clock;
use crate::domain::CallbackPolicy;
use crate::render::Renderer;

pub use callback::{CallbackKind, details, post_to_url, url_only};
pub use channel::{Channel, Mail, Notice, Poster, outcome_line, post_to_webhook, webhook_url};
pub use on_call::{OnCallServices, ScheduleSource, read_schedule};
pub use sections::Raw;
pub use target::{Starter, Target, TargetParts, Trigger, join_path, started_id};

/// What every send and inbound route may use, built once by the server.
#[derive(Clone)]
pub struct Kit {
    /// For requests to targets, channels and APIs: the delivery timeout
    /// and pausegate's user agent.
    pub client: reqwest::Client,
    /// The same, following no redirects: for callback URLs, which came
    /// from callers.
    pub no_redirects: reqwest::Client,
    /// The one source of "now".
    pub clock: Arc<dyn Clock>,
    /// Pages, emails and messages.
    pub renderer: Arc<Renderer>,
    /// Base of review links, without a trailing slash.
    pub public_url: String,
    /// Hosts callback URLs may point at, checked again before each answer.
    pub callbacks: CallbackPolicy,
}

impl Kit {
    /// A kit whose clients give up after `timeout`.
    pub fn new(
        timeout: std::time::Duration,
        clock: Arc<dyn Clock>,
        renderer: Arc<Renderer>,
        public_url: &str,
        callbacks: CallbackPolicy,
    ) -> anyhow::Result<Self> {
        let agent = concat!("pausegate/", env!("CARGO_PKG_VERSION"));
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(agent)
            .build()?;
        let no_redirects = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(agent)
            .build()?;
        Ok(Self {
            client,
            no_redirects,
            clock,
            renderer,
            public_url: public_url.trim_end_matches('/').to_owned(),
            callbacks,
        })
    }
}
