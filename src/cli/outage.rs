//! An unreachable server, from the CLI's side: how long to wait before the
//! next try, and when to stop trying. A server never reached at all is
//! probably the wrong URL; one that answered before is restarting.

use std::time::{Duration, Instant};

/// Longest pause between retries while the server is unreachable.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// A server that never answered is given this long before `wait` exits 2:
/// most likely the URL is wrong.
const FIRST_CONTACT: Duration = Duration::from_secs(30);

/// With no `--timeout`, a server that did answer may be unreachable this
/// long (a restart, a redeploy) before `wait` exits 2.
const LONGEST_OUTAGE: Duration = Duration::from_secs(15 * 60);

/// Tracks an unreachable server: how long to wait before the next try, and
/// when to stop trying.
pub(crate) struct Outage {
    has_timeout: bool,
    ever_answered: bool,
    since: Option<Instant>,
    backoff: Duration,
}

impl Outage {
    pub(crate) fn new(has_timeout: bool) -> Self {
        Self {
            has_timeout,
            ever_answered: false,
            since: None,
            backoff: Duration::from_millis(500),
        }
    }

    /// True when every try so far failed to reach the server.
    pub(crate) fn never_reached(&self) -> bool {
        !self.ever_answered && self.since.is_some()
    }

    pub(crate) fn answered(&mut self) {
        self.ever_answered = true;
        self.since = None;
        self.backoff = Duration::from_millis(500);
    }

    /// The wait before the next try, or `None` to give up.
    pub(crate) fn next_retry(&mut self) -> Option<Duration> {
        let since = *self.since.get_or_insert_with(Instant::now);
        let limit = match (self.ever_answered, self.has_timeout) {
            (false, _) => Some(FIRST_CONTACT),
            // The command's own timeout bounds the wait.
            (true, true) => None,
            (true, false) => Some(LONGEST_OUTAGE),
        };
        if limit.is_some_and(|limit| since.elapsed() >= limit) {
            return None;
        }
        let nap = self.backoff;
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
        Some(nap)
    }
}
