//! Waiting in place: loop over the long-poll endpoint until the pause is
//! decided, riding out a dropped connection or a restarting server with
//! backoff until the command's own timeout. On a terminal a live line shows
//! the state, the time waited and the time left; in CI logs, one line at the
//! start and at most one a minute.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;

use super::client::{Client, ClientError};
use super::outage::Outage;
use super::output::{as_pause, describe, print_json};
use super::{exit, fail};
use crate::domain::{Pause, PauseState};

/// How often a non-terminal log gets a "still waiting" line.
const LOG_EVERY: Duration = Duration::from_secs(60);

/// What `wait` and `pause --wait` were asked for.
pub(crate) struct WaitOptions {
    /// Give up (exit 3) after this long; `None` waits until the pause settles.
    pub timeout: Option<Duration>,
    /// The review link, printed on a terminal so the person running the
    /// command can click it.
    pub review_url: Option<String>,
    /// Print the link even when not on a terminal (a CI log).
    pub show_link: bool,
    /// Print the final pause as JSON.
    pub json: bool,
}

/// Waits for `id` to be decided; the exit code says how it ended.
pub(crate) async fn wait_for_decision(client: &Client, id: &str, options: WaitOptions) -> ExitCode {
    let mut waiting = Waiting::start(client, id, &options);
    loop {
        let remaining = waiting.remaining();
        if remaining == Some(Duration::ZERO) {
            return waiting.give_up();
        }
        let answer = waiting.read(remaining).await;
        if let Some(code) = waiting.heard(answer, remaining, options.json).await {
            return code;
        }
    }
}

/// A wait under way: what it shows and how the server has answered.
struct Waiting<'c> {
    client: &'c Client,
    id: &'c str,
    started: Instant,
    deadline: Option<Instant>,
    progress: Progress,
    outage: Outage,
    first_read: bool,
}

impl<'c> Waiting<'c> {
    fn start(client: &'c Client, id: &'c str, options: &WaitOptions) -> Self {
        let started = Instant::now();
        let gives_up_at = options
            .timeout
            .and_then(|t| chrono::Duration::from_std(t).ok())
            .map(|t| Utc::now() + t);
        let on_terminal = std::io::stderr().is_terminal();
        // Anyone holding the link can decide: keep it out of CI logs unless asked.
        let link = options
            .review_url
            .as_deref()
            .filter(|_| on_terminal || options.show_link);
        Self {
            client,
            id,
            started,
            deadline: options.timeout.map(|t| started + t),
            progress: Progress::start(id, link, on_terminal, gives_up_at),
            outage: Outage::new(options.timeout.is_some()),
            first_read: true,
        }
    }

    fn remaining(&self) -> Option<Duration> {
        self.deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
    }

    fn give_up(&mut self) -> ExitCode {
        self.progress.finish();
        if self.outage.never_reached() {
            return fail(&format!(
                "never reached pausegate at {}; check PAUSEGATE_URL",
                self.client.base()
            ));
        }
        let waited = compact(self.started.elapsed());
        eprintln!("gave up after {waited}: pause {} is still pending", self.id);
        ExitCode::from(exit::TIMED_OUT)
    }

    /// A quick read first, so the live line shows the title and time left
    /// at once; long polls after that. `None` when time ran out meanwhile.
    async fn read(&self, remaining: Option<Duration>) -> Option<Result<Value, ClientError>> {
        let poll = remaining
            .unwrap_or(Duration::from_secs(60))
            .min(Duration::from_secs(60));
        let call = async {
            match self.first_read {
                true => self.client.get(self.id).await,
                false => self.client.wait(self.id, poll).await,
            }
        };
        match remaining {
            Some(left) => tokio::time::timeout(left, call).await.ok(),
            None => Some(call.await),
        }
    }

    /// What an answer means: the exit code once it is settled or failed.
    async fn heard(
        &mut self,
        answer: Option<Result<Value, ClientError>>,
        remaining: Option<Duration>,
        json: bool,
    ) -> Option<ExitCode> {
        match answer? {
            Ok(value) => self.pause(value, json),
            Err(ClientError::Unreachable { url, reason }) => {
                let Some(nap) = self.outage.next_retry() else {
                    self.progress.finish();
                    return Some(fail(&format!(
                        "cannot reach pausegate at {url} ({reason}); check PAUSEGATE_URL"
                    )));
                };
                self.progress
                    .note(&format!("cannot reach {url} ({reason}); retrying"));
                tokio::time::sleep(remaining.map_or(nap, |left| nap.min(left))).await;
                None
            }
            Err(error) => {
                self.progress.finish();
                Some(fail(&error.to_string()))
            }
        }
    }

    fn pause(&mut self, value: Value, json: bool) -> Option<ExitCode> {
        self.first_read = false;
        self.outage.answered();
        let pause = match as_pause(&value) {
            Ok(pause) => pause,
            Err(error) => return Some(fail(&error)),
        };
        if pause.state != PauseState::Pending {
            self.progress.finish();
            return Some(finished(&pause, &value, json));
        }
        self.progress.update(&pause, self.started);
        None
    }
}

fn finished(pause: &Pause, value: &Value, json: bool) -> ExitCode {
    if json {
        print_json(value);
    } else {
        println!("{}", describe(pause, Utc::now()));
    }
    match pause.state {
        PauseState::Approved => ExitCode::from(exit::APPROVED),
        _ => ExitCode::from(exit::NOT_APPROVED),
    }
}

/// The live line on a terminal, or sparse lines in a log.
enum Progress {
    Terminal {
        bar: ProgressBar,
        status: Arc<Mutex<(String, Option<DateTime<Utc>>)>>,
    },
    Log {
        id: String,
        last_line: Instant,
        gives_up_at: Option<DateTime<Utc>>,
    },
}

impl Progress {
    fn start(
        id: &str,
        review_url: Option<&str>,
        on_terminal: bool,
        gives_up_at: Option<DateTime<Utc>>,
    ) -> Self {
        let link = review_url
            .map(|url| format!("\n  review: {url}"))
            .unwrap_or_default();
        eprintln!("waiting for a decision on pause {id}{link}");
        if !on_terminal {
            return Self::Log {
                id: id.to_owned(),
                last_line: Instant::now(),
                gives_up_at,
            };
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} · waited {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        let status = Arc::new(Mutex::new((format!("{id} · pending"), None)));
        let ticker = (bar.clone(), status.clone());
        tokio::spawn(async move {
            let (bar, status) = ticker;
            while !bar.is_finished() {
                let (line, expires_at): (String, Option<DateTime<Utc>>) =
                    status.lock().expect("status lock").clone();
                let left = expires_at
                    .map(|at| format!(" · {}", time_left(at, gives_up_at, Utc::now())))
                    .unwrap_or_default();
                bar.set_message(format!("{line}{left}"));
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        Self::Terminal { bar, status }
    }

    fn update(&mut self, pause: &Pause, started: Instant) {
        match self {
            Self::Terminal { status, .. } => {
                let line = format!("{} · {}", pause.title, pause.state.as_str());
                *status.lock().expect("status lock") = (line, Some(pause.expires_at));
            }
            Self::Log {
                id,
                last_line,
                gives_up_at,
            } => {
                if last_line.elapsed() >= LOG_EVERY {
                    eprintln!(
                        "pause {id} still pending after {}; {}",
                        compact(started.elapsed()),
                        time_left(pause.expires_at, *gives_up_at, Utc::now())
                    );
                    *last_line = Instant::now();
                }
            }
        }
    }

    fn note(&mut self, message: &str) {
        match self {
            Self::Terminal { bar, .. } => bar.println(message),
            Self::Log { last_line, .. } => {
                if last_line.elapsed() >= LOG_EVERY / 6 {
                    eprintln!("{message}");
                    *last_line = Instant::now();
                }
            }
        }
    }

    fn finish(&mut self) {
        if let Self::Terminal { bar, .. } = self {
            bar.finish_and_clear();
        }
    }
}

/// What runs out first: the pause's expiry, or the command's own
/// `--timeout` when that comes sooner (then the CLI gives up, exit 3, while
/// the pause could still be decided).
pub(crate) fn time_left(
    expires_at: DateTime<Utc>,
    gives_up_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> String {
    let left = |at: DateTime<Utc>| compact((at - now).to_std().unwrap_or_default());
    match gives_up_at {
        Some(give_up) if give_up < expires_at => format!("{} left until --timeout", left(give_up)),
        _ => format!("{} left until it expires", left(expires_at)),
    }
}

/// "1h 05m", "3m 20s", "45s".
pub(crate) fn compact(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match seconds {
        0..60 => format!("{seconds}s"),
        60..3_600 => format!("{}m {:02}s", seconds / 60, seconds % 60),
        3_600..86_400 => format!("{}h {:02}m", seconds / 3_600, seconds % 3_600 / 60),
        _ => format!("{}d {:02}h", seconds / 86_400, seconds % 86_400 / 3_600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_left_counts_down_to_whichever_comes_first() {
        let now = Utc::now();
        let hours = |h| now + chrono::Duration::hours(h);
        assert_eq!(
            time_left(hours(4), None, now),
            "4h 00m left until it expires"
        );
        assert_eq!(
            time_left(hours(4), Some(hours(1)), now),
            "1h 00m left until --timeout"
        );
        assert_eq!(
            time_left(hours(1), Some(hours(4)), now),
            "1h 00m left until it expires"
        );
    }

    #[test]
    fn durations_are_short() {
        assert_eq!(compact(Duration::from_secs(45)), "45s");
        assert_eq!(compact(Duration::from_secs(200)), "3m 20s");
        assert_eq!(compact(Duration::from_secs(3_900)), "1h 05m");
        assert_eq!(compact(Duration::from_secs(90_000)), "1d 01h");
    }
}
