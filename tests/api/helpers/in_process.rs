//! `TestApp`: a server running inside the test, on its own port and
//! database file, with a manual clock the test can move and the use cases
//! and outbox at hand. Made by [`TestApp::builder`].

use std::sync::Arc;

use pausegate::clock::ManualClock;
use pausegate::config::Settings;
use pausegate::outbox::Outbox;
use pausegate::pauses::Pauses;
use pausegate::receipt_log::Integrator;
use pausegate::server::Server;
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::Api;

/// A running server and what a test needs to talk to it.
pub(crate) struct TestApp {
    /// The management API with the server's key.
    pub api: Api,
    /// `http://127.0.0.1:PORT`, for the endpoints outside the API.
    pub base: String,
    pub clock: ManualClock,
    pub pauses: Arc<Pauses>,
    pub outbox: Arc<Outbox>,
    pub integrator: Arc<Integrator>,
    /// The folder of its database file (and anything the test puts there).
    pub dir: TempDir,
    pub settings: Settings,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestApp {
    /// Starts a server on `dir`'s database with `settings` and `clock`.
    pub(super) async fn start(dir: TempDir, settings: Settings, clock: ManualClock) -> Self {
        let server = Server::bind(&settings, Arc::new(clock.clone()))
            .await
            .unwrap();
        let base = format!("http://{}", server.local_addr());
        let (pauses, outbox) = (server.pauses(), server.outbox());
        let integrator = server.integrator();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run(async {
            stopped.await.ok();
        }));
        Self {
            api: Api::new(&base),
            base,
            clock,
            pauses,
            outbox,
            integrator,
            dir,
            settings,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Stops the server and waits until it has closed the database; the
    /// folder, still there, for a look at the files.
    pub(crate) async fn stop(self) -> TempDir {
        self.stopped().await.0
    }

    async fn stopped(mut self) -> (TempDir, Settings, ManualClock) {
        self.stop.take().unwrap().send(()).ok();
        self.task.take().unwrap().await.unwrap().unwrap();
        (self.dir, self.settings, self.clock)
    }

    /// Stops the server and starts it again on the same database, settings
    /// and clock.
    pub(crate) async fn restart(self) -> Self {
        self.restart_with(|_| {}).await
    }

    /// [`TestApp::restart`] with the settings changed by `adjust` first.
    pub(crate) async fn restart_with(self, adjust: impl FnOnce(&mut Settings)) -> Self {
        let (dir, mut settings, clock) = self.stopped().await;
        adjust(&mut settings);
        Self::start(dir, settings, clock).await
    }

    /// The test clock's time.
    pub(crate) fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        pausegate::clock::Clock::now(&self.clock)
    }

    /// Integrates every receipt signed so far into the log; its size.
    pub(crate) async fn integrate(&self) -> u64 {
        let size = self.integrator.round().await.unwrap();
        size.expect("this replica holds the log's lease")
    }

    /// Runs outbox rounds until nothing more is due now.
    pub(crate) async fn drain_outbox(&self) {
        while self.outbox.run_once().await.unwrap() > 0 {}
    }
}
