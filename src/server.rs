//! Wires the layers into a running server: opens the store, builds the use
//! cases, the outbox and the router, binds the listener, and runs HTTP
//! beside the expiry sweep, the outbox worker and the transparency log's
//! integrator until the shutdown future
//! resolves. Tests build one with a manual
//! clock; `pausegate serve` with the system clock.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::clock::{Clock, Mint};
use crate::config::Settings;
use crate::http::{self, AppState};
use crate::integrations::kit::Kit;
use crate::outbox::{Outbox, Senders};
use crate::pauses::OnCall;
use crate::pauses::Pauses;
use crate::receipt_log::Integrator;
use crate::render::{Renderer, Words};
use crate::store::{ReceiptSetup, open_minting};

/// How long requests under way may take to finish once shutdown begins.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Longest the expiry sweep sleeps: a pause whose expiry is sooner wakes
/// it at that expiry; this bound covers clocks moved by tests.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// A bound, ready server.
pub struct Server {
    listener: TcpListener,
    state: AppState,
    outbox: Arc<Outbox>,
    integrator: Arc<Integrator>,
    background_tasks: bool,
    header_timeout: Duration,
}

impl Server {
    /// Opens the database, compiles the templates and binds the address.
    pub async fn bind(settings: &Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        // Install the metrics registry before anything records.
        crate::telemetry::metrics();
        let renderer = Arc::new(renderer(settings)?);
        let listener = TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("cannot listen on {}", settings.listen))?;
        let public_url = settings
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", listener.local_addr().expect("bound")));
        // Ids are timed by the wall clock even when a test stops `clock`,
        // so each new one still sorts after the last (lists break ties
        // between equal creation times by id).
        let mint = Mint::system();
        let pauses = Arc::new(use_cases(settings, &clock, &mint, &public_url).await?);
        let kit = Arc::new(Kit::new(
            settings.delivery.timeout,
            clock.clone(),
            renderer,
            &public_url,
            settings.callbacks.clone(),
        )?);
        let senders = Senders::new(settings, kit.clone());
        let wake = pauses.deliveries_waiting();
        let store = pauses.store().clone();
        // Named by a lease id: unique to this process, like the outbox's.
        let holder = mint.lease_id().to_string();
        let integrator = Arc::new(Integrator::new(store.clone(), clock.clone(), holder));
        let outbox = Outbox::new(store, clock, mint, settings, senders, wake)
            .with_on_call_again(pauses.clone());
        let outbox = Arc::new(outbox);
        let state = app_state(settings, pauses, kit, &outbox);
        Ok(Self {
            listener,
            state,
            outbox,
            integrator,
            background_tasks: settings.background_tasks,
            header_timeout: settings.header_timeout,
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// The use cases, for tests that drive them directly.
    pub fn pauses(&self) -> Arc<Pauses> {
        self.state.pauses.clone()
    }

    /// The log's integrator, for tests that drive it directly.
    pub fn integrator(&self) -> Arc<Integrator> {
        self.integrator.clone()
    }

    /// The outbox worker, for tests that drive it directly.
    pub fn outbox(&self) -> Arc<Outbox> {
        self.outbox.clone()
    }

    /// Serves until `shutdown` resolves, then lets requests under way finish
    /// (long polls answer at once) and closes the database.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let stopping = self.state.shutdown.clone();
        let pauses = self.state.pauses.clone();
        let mut background = tokio::task::JoinSet::new();
        if self.background_tasks {
            background.spawn(sweep_expired(pauses.clone(), stopping.clone()));
            background.spawn(self.integrator.clone().run(stopping.clone()));
            background.spawn(self.outbox.clone().run(stopping.clone()));
        }
        // Printed, not logged, so it shows whatever the log level: scripts
        // wait for this line.
        println!("listening on http://{}", self.local_addr());
        let signal = stopping.clone();
        let app = http::app(self.state);
        let serving = http::serve(self.listener, app, self.header_timeout, async move {
            shutdown.await;
            signal.cancel();
        });
        // Requests under way get a grace period; a client that never
        // finishes its request must not keep the process up for ever.
        let grace_over = async {
            stopping.cancelled().await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        };
        tokio::select! {
            () = serving => {}
            () = grace_over => {
                tracing::warn!("requests still open after {SHUTDOWN_GRACE:?}; stopping anyway");
            }
        }
        stopping.cancel();
        background.join_all().await;
        self.integrator.release().await;
        pauses.store().close().await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// Settles expired pauses as they expire, until cancelled: it sleeps
/// until the next pending pause expires (at most [`SWEEP_EVERY`]), and a new
/// pause that expires sooner wakes it.
async fn sweep_expired(pauses: Arc<Pauses>, stopping: CancellationToken) {
    loop {
        let started = std::time::Instant::now();
        match pauses.expire_due().await {
            Ok(0) => {}
            Ok(settled) => {
                let ms = started.elapsed().as_millis() as u64;
                tracing::info!(settled, ms, "settled expired pauses");
            }
            Err(error) => tracing::error!(error = %error, "expiry sweep failed"),
        }
        // Never a busy loop: a due pause another process is settling
        // stays due for a moment.
        let wait = pauses
            .until_next_expiry(SWEEP_EVERY)
            .await
            .unwrap_or(SWEEP_EVERY)
            .max(Duration::from_millis(10));
        tokio::select! {
            () = stopping.cancelled() => return,
            () = tokio::time::sleep(wait) => {}
            () = pauses.expiry_rung() => {}
        }
    }
}

/// The templates, saying what the configured targets and callback kinds are.
fn renderer(settings: &Settings) -> anyhow::Result<Renderer> {
    let words = Words {
        targets: settings
            .targets
            .iter()
            .map(|(name, target)| (name.clone(), target.starter.what()))
            .collect(),
        callbacks: settings.integrations.callback_words(),
    };
    Ok(Renderer::load(settings.templates_dir.as_deref())?.with_words(words))
}

/// The store, opened, and the use cases over it.
async fn use_cases(
    settings: &Settings,
    clock: &Arc<dyn Clock>,
    mint: &Mint,
    public_url: &str,
) -> anyhow::Result<Pauses> {
    let receipts = ReceiptSetup {
        key: settings.receipt_key.clone(),
        attestation_key: settings.attestation_key.clone(),
        issuer: Some(public_url.to_owned()),
        read_only: false,
    };
    let (url, timeout) = (&settings.database_url, settings.database_timeout);
    let store = open_minting(url, timeout, receipts, mint.clone(), settings.wakeups).await?;
    let pauses = Pauses::new(store, clock.clone(), mint.clone(), settings.create_policy());
    let on_call = OnCall {
        schedules: settings.integrations.on_call(),
        fallback: settings.on_call_fallback.clone(),
    };
    Ok(pauses
        .with_policies(settings.policies.clone())
        .with_windows(settings.windows.clone())
        .with_on_call(on_call))
}

/// What every handler can reach.
fn app_state(
    settings: &Settings,
    pauses: Arc<Pauses>,
    kit: Arc<Kit>,
    outbox: &Arc<Outbox>,
) -> AppState {
    let functions_timer = settings.azure_functions.then(|| outbox.clone());
    AppState::new(
        pauses,
        kit,
        settings.integrations.clone(),
        settings.api_key.as_ref(),
        settings.max_failures_per_minute,
        CancellationToken::new(),
    )
    .with_callers(
        settings.api_key.as_ref(),
        &settings.named_keys,
        settings.oidc_callers.clone(),
    )
    .with_sign_in(settings.sign_in.as_ref())
    .with_functions_timer(functions_timer)
}
