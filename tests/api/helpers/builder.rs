//! `AppBuilder`: one way to describe the server a test needs (its config
//! file, environment, database and address) and to start it, in this
//! process ([`AppBuilder::start`], a [`TestApp`]) or as the real
//! `pausegate serve` ([`AppBuilder::binary`], a [`RunningBinary`]).

use std::path::{Path, PathBuf};

use pausegate::clock::ManualClock;
use pausegate::config::{Env, ServeArgs, Settings};
use tempfile::TempDir;

use super::{API_KEY, RunningBinary, TestApp};

/// Variables every server gets, for the `*_env` keys tests' configs name.
const BASE_ENV: [(&str, &str); 3] = [
    ("TEST_SECRET", "s3cret"),
    ("GH_TOKEN", "gh-token"),
    ("AIRFLOW_TOKEN", "airflow-jwt"),
];

type Adjust = Box<dyn FnOnce(&mut Settings) + Send>;

/// What the server under test is started with; see the module doc.
pub(crate) struct AppBuilder {
    config: String,
    env: Vec<(String, String)>,
    database: Option<String>,
    listen: String,
    background_tasks: bool,
    adjust: Vec<Adjust>,
    dir: Option<PathBuf>,
    args: Vec<String>,
    keyless: bool,
    clock_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl TestApp {
    /// A server on defaults: a fresh SQLite file, port 0, the server's key
    /// [`API_KEY`], background tasks running.
    pub(crate) fn builder() -> AppBuilder {
        AppBuilder {
            config: String::new(),
            env: Vec::new(),
            database: None,
            listen: "127.0.0.1:0".to_owned(),
            background_tasks: true,
            adjust: Vec::new(),
            dir: None,
            args: Vec::new(),
            keyless: false,
            clock_at: None,
        }
    }
}

impl AppBuilder {
    /// Targets, channels and the rest from `toml`, as the config file.
    pub(crate) fn config(mut self, toml: &str) -> Self {
        toml.clone_into(&mut self.config);
        self
    }

    /// More environment variables, for the `*_env` keys of the config.
    pub(crate) fn env(mut self, pairs: &[(&str, &str)]) -> Self {
        let pairs = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()));
        self.env.extend(pairs);
        self
    }

    /// The database at `url` (PostgreSQL tests) instead of a fresh file.
    pub(crate) fn database(mut self, url: &str) -> Self {
        self.database = Some(url.to_owned());
        self
    }

    /// Listens on `address` instead of a free port.
    pub(crate) fn listen(mut self, address: &str) -> Self {
        address.clone_into(&mut self.listen);
        self
    }

    /// No background tasks: the test runs the outbox and the expiry sweep
    /// itself, step by step, on the manual clock. In-process only.
    pub(crate) fn manual(mut self) -> Self {
        self.background_tasks = false;
        self
    }

    /// Changes the settings after they are read (for what the config file
    /// does not hold, such as timeouts tests shorten). In-process only.
    pub(crate) fn adjust(mut self, adjust: impl FnOnce(&mut Settings) + Send + 'static) -> Self {
        self.adjust.push(Box::new(adjust));
        self
    }

    /// The folder the binary runs in (its default database and config file
    /// go there); without one it gets a fresh folder. Binary only.
    pub(crate) fn dir(mut self, dir: &Path) -> Self {
        self.dir = Some(dir.to_owned());
        self
    }

    /// More `pausegate serve` flags. Binary only.
    pub(crate) fn args(mut self, args: &[&str]) -> Self {
        self.args.extend(args.iter().map(|arg| (*arg).to_owned()));
        self
    }

    /// No key in flag, environment or file: the first command a newcomer
    /// runs. Binary only.
    pub(crate) fn keyless(mut self) -> Self {
        self.keyless = true;
        self
    }

    /// The manual clock starts at `at` instead of now. In-process only.
    pub(crate) fn clock_at(mut self, at: chrono::DateTime<chrono::Utc>) -> Self {
        self.clock_at = Some(at);
        self
    }

    /// Starts the server in this process, on a manual clock.
    pub(crate) async fn start(self) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let clock = self
            .clock_at
            .map_or_else(ManualClock::starting_now, ManualClock::new);
        let settings = self.settings(&dir);
        TestApp::start(dir, settings, clock).await
    }

    fn settings(self, dir: &TempDir) -> Settings {
        assert!(
            self.dir.is_none() && self.args.is_empty() && !self.keyless,
            "folder, flags and keylessness are for the binary"
        );
        let extra = self.env.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        let env = Env::from_pairs(BASE_ENV.into_iter().chain(extra));
        let args = ServeArgs {
            database_url: Some(self.database.unwrap_or_else(|| database_url(dir))),
            api_key: Some(API_KEY.to_owned()),
            listen: Some(self.listen),
            ..ServeArgs::default()
        };
        let mut settings = Settings::from_text(args, &self.config, &env).unwrap();
        settings.background_tasks = self.background_tasks;
        for adjust in self.adjust {
            adjust(&mut settings);
        }
        settings
    }

    /// Starts `pausegate serve` with these settings and waits until it
    /// listens. The config goes to `pausegate.toml` in its folder. The
    /// builder stays usable, for a restart or a second replica.
    pub(crate) fn binary(&self) -> RunningBinary {
        assert!(
            self.background_tasks && self.adjust.is_empty(),
            "a process runs its own background tasks and reads only its flags"
        );
        let owned = self.dir.is_none().then(|| tempfile::tempdir().unwrap());
        let dir = self
            .dir
            .clone()
            .unwrap_or_else(|| owned.as_ref().unwrap().path().into());
        let mut args = vec!["--listen".to_owned(), self.listen.clone()];
        if !self.config.is_empty() {
            let file = dir.join("pausegate.toml");
            std::fs::write(&file, &self.config).unwrap();
            args.extend(["--config".to_owned(), file.display().to_string()]);
        }
        if let Some(url) = &self.database {
            args.extend(["--database-url".to_owned(), url.clone()]);
        }
        args.extend(self.args.iter().cloned());
        let mut env: Vec<(String, String)> = BASE_ENV
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        env.extend(self.env.iter().cloned());
        let key = (!self.keyless).then_some(API_KEY);
        RunningBinary::spawn(&dir, owned, &args, &env, key)
    }
}

/// `sqlite://…` for a database file inside `dir`.
fn database_url(dir: &TempDir) -> String {
    format!("sqlite://{}", dir.path().join("pausegate.db").display())
}
