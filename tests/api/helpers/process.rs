//! `RunningBinary`: the real `pausegate serve` as a child process, made by
//! [`AppBuilder::binary`](super::AppBuilder::binary), with everything it
//! prints collected, a clean stop (SIGTERM) and a crash (SIGKILL). A test
//! that fails half-way leaves no process behind.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use tempfile::TempDir;

use super::Api;

/// A running `pausegate serve` and everything it has printed.
pub(crate) struct RunningBinary {
    pub child: Child,
    /// The management API with the server's key (none for a keyless one).
    pub api: Api,
    /// `http://ADDRESS:PORT` from its "listening on" line.
    pub base: String,
    /// Everything printed up to and including the "listening on" line.
    pub said: String,
    output: Arc<Mutex<String>>,
    _owned: Option<TempDir>,
}

impl RunningBinary {
    /// Starts `pausegate serve ARGS` in `dir` with `env` and `key` (none:
    /// no key anywhere) and waits for its "listening on" line.
    pub(super) fn spawn(
        dir: &Path,
        owned: Option<TempDir>,
        args: &[String],
        env: &[(String, String)],
        key: Option<&str>,
    ) -> Self {
        let mut child = serve(dir, args, env, key)
            .spawn()
            .expect("the pausegate binary starts");
        let output = Arc::new(Mutex::new(String::new()));
        let (found, listening) = mpsc::channel();
        collect(child.stdout.take().unwrap(), output.clone(), Some(found));
        collect(child.stderr.take().unwrap(), output.clone(), None);
        let Ok(base) = listening.recv_timeout(Duration::from_secs(30)) else {
            child.kill().ok();
            child.wait().ok();
            panic!("no listening line; output: {}", output.lock().unwrap());
        };
        let api = Api::new(&base);
        let said = output.lock().unwrap().clone();
        Self {
            child,
            api: if key.is_some() { api } else { api.anonymous() },
            base,
            said,
            output,
            _owned: owned,
        }
    }

    /// Everything printed so far.
    pub(crate) fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    /// Sends SIGTERM and returns whether the process exited cleanly.
    pub(crate) fn terminate(&mut self) -> bool {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        for _ in 0..100 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        self.child.kill().ok();
        false
    }

    /// Kills the process with SIGKILL, as a crash would, and reaps it.
    pub(crate) fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Waits until the output contains `needle`; returns the output.
    pub(crate) async fn wait_for_output(&self, needle: &str) -> String {
        for _ in 0..200 {
            let output = self.output();
            if output.contains(needle) {
                return output;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{needle:?} never appeared in:\n{}", self.output());
    }
}

impl Drop for RunningBinary {
    /// A test that fails half-way leaves no server behind.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.child.kill().ok();
            self.child.wait().ok();
        }
    }
}

/// `pausegate serve ARGS` in `dir` with `env` and `key` and nothing else
/// of pausegate's from the test's own environment, printing debug logs
/// into pipes.
fn serve(dir: &Path, args: &[String], env: &[(String, String)], key: Option<&str>) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pausegate"));
    command.arg("serve").args(args).current_dir(dir);
    for name in [
        "PAUSEGATE_API_KEY",
        "PAUSEGATE_CONFIG",
        "PAUSEGATE_DATABASE_URL",
        "PAUSEGATE_PUBLIC_URL",
        "PAUSEGATE_LISTEN",
        "FUNCTIONS_CUSTOMHANDLER_PORT",
    ] {
        command.env_remove(name);
    }
    if let Some(key) = key {
        command.env("PAUSEGATE_API_KEY", key);
    }
    command
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Appends each line of `stream` to `output`; on `found`, the URL of the
/// "listening on" line, once that line is in `output`.
fn collect(
    stream: impl Read + Send + 'static,
    output: Arc<Mutex<String>>,
    found: Option<mpsc::Sender<String>>,
) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            {
                let mut all = output.lock().unwrap();
                all.push_str(&line);
                all.push('\n');
            }
            if let (Some(found), Some(at)) = (&found, line.find("listening on http://")) {
                let url = line[at + "listening on ".len()..]
                    .split_whitespace()
                    .next()
                    .unwrap();
                found.send(url.to_owned()).ok();
            }
        }
    });
}
