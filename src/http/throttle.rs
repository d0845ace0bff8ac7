//! Slows down guessing. A client (by its address; by its /64 for IPv6,
//! which any host has plenty of) whose requests keep failing (a wrong API
//! key, a token that opens nothing) is answered 429 for the rest of the
//! minute. Successful traffic is never counted, so many people clicking one
//! link, or many pipelines polling, are not limited; a request with the
//! right API key and the health endpoints always pass. Behind a reverse
//! proxy every client shares the proxy's address; raise or disable the
//! limit there (`max_failures_per_minute = 0`).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::http::header::RETRY_AFTER;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::AppState;

/// The window failures are counted in.
const WINDOW: Duration = Duration::from_secs(60);
/// Above this many tracked clients, forget windows that have ended.
const PRUNE_ABOVE: usize = 10_000;
/// Never track more than this many clients: past it, forget everyone
/// rather than let memory grow (a flood from many addresses).
const MAX_TRACKED: usize = 100_000;

/// Failures per client in the current window, and the requests each
/// client has under way that may still turn out to be failures.
pub struct Throttle {
    limit: u32,
    clients: Mutex<Clients>,
}

#[derive(Default)]
struct Clients {
    by_key: HashMap<IpAddr, Count>,
    last_pruned: Option<Instant>,
}

/// One client's window.
struct Count {
    started: Instant,
    failures: u32,
    /// Requests admitted and not yet answered: each may be a failure, so
    /// each takes a place under the limit until it is answered. Without
    /// this, a burst sent at once would all be let in before the first
    /// failure was counted.
    in_flight: u32,
}

/// The address failures are counted under: IPv4 as is, IPv6 by its /64.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(segments.into())
            }
        },
    }
}

impl Throttle {
    /// Allows `limit` failures a minute per address; 0 turns it off.
    pub fn new(limit: u32) -> Self {
        Self {
            limit,
            clients: Mutex::new(Clients::default()),
        }
    }

    /// Lets a request from `ip` in, holding a place under the limit until
    /// it is answered; or says how long the client must wait.
    fn admit(&self, ip: IpAddr, now: Instant) -> Result<Option<IpAddr>, Duration> {
        if self.limit == 0 {
            return Ok(None);
        }
        let key = client_key(ip);
        let mut clients = self.clients.lock().expect("throttle lock poisoned");
        clients.prune(now);
        let count = clients.by_key.entry(key).or_insert(Count {
            started: now,
            failures: 0,
            in_flight: 0,
        });
        if now.duration_since(count.started) >= WINDOW {
            count.started = now;
            count.failures = 0;
        }
        if count.failures + count.in_flight >= self.limit {
            return Err(WINDOW.saturating_sub(now.duration_since(count.started)));
        }
        count.in_flight += 1;
        Ok(Some(key))
    }

    /// Releases an admitted request's place, counting it if it failed.
    fn answered(&self, key: IpAddr, failed: bool) {
        let mut clients = self.clients.lock().expect("throttle lock poisoned");
        if let Some(count) = clients.by_key.get_mut(&key) {
            count.in_flight = count.in_flight.saturating_sub(1);
            count.failures += u32::from(failed);
        }
    }
}

impl Clients {
    /// Forgets ended windows once many clients are tracked, and everyone
    /// past a hard cap (a flood from many addresses must not grow memory).
    fn prune(&mut self, now: Instant) {
        let due = self
            .last_pruned
            .is_none_or(|at| now.duration_since(at) >= Duration::from_secs(1));
        if self.by_key.len() <= PRUNE_ABOVE || !due {
            return;
        }
        self.by_key
            .retain(|_, c| c.in_flight > 0 || now.duration_since(c.started) < WINDOW);
        self.last_pruned = Some(now);
        if self.by_key.len() > MAX_TRACKED {
            self.by_key.clear();
        }
    }
}

/// A failure that looks like guessing: a refused key anywhere, or an
/// unknown token on the endpoints tokens open.
fn is_guess(path: &str, status: StatusCode) -> bool {
    let token_route =
        path.starts_with("/r/") || path == "/api/v1/decisions" || path == "/api/v1/lookup";
    status == StatusCode::UNAUTHORIZED || (status == StatusCode::NOT_FOUND && token_route)
}

/// Middleware: answers 429 to a client over its failure limit, and counts
/// its failures.
pub(crate) async fn limit_failures(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let path = request.uri().path().to_owned();
    let Some(ip) = ip.filter(|_| !always_allowed(&state, &request, &path)) else {
        return next.run(request).await;
    };
    let key = match state.throttle.admit(ip, Instant::now()) {
        Ok(Some(key)) => key,
        Ok(None) => return next.run(request).await,
        Err(wait) => return too_many(wait),
    };
    // Released even if the client goes away before the answer.
    let mut place = Place {
        throttle: &state.throttle,
        key,
        failed: true,
    };
    let response = next.run(request).await;
    place.failed = is_guess(&path, response.status());
    drop(place);
    response
}

/// An admitted request's place under the limit, given back when dropped.
struct Place<'a> {
    throttle: &'a Throttle,
    key: IpAddr,
    /// Whether to count it as a failure (a request cut off counts: it
    /// told the client nothing).
    failed: bool,
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        self.throttle.answered(self.key, self.failed);
    }
}

/// Health checks, and anyone holding the right API key, are never held up
/// by guesses from the same address.
fn always_allowed(state: &AppState, request: &Request, path: &str) -> bool {
    if matches!(path, "/healthz" | "/readyz" | "/metrics") || path.starts_with("/assets/") {
        return true;
    }
    let header = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    super::auth::holds_key(state, header)
}

fn too_many(wait: Duration) -> Response {
    let seconds = wait.as_secs().max(1);
    let message = format!("too many failed requests from this address; try again in {seconds} s");
    let body = json!({"error": {"code": "too_many_requests", "message": message}});
    let mut response = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
    response.headers_mut().insert(RETRY_AFTER, seconds.into());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Admits one request and answers it as failed.
    fn fail(throttle: &Throttle, ip: IpAddr, at: Instant) -> Result<(), Duration> {
        let key = throttle.admit(ip, at)?;
        throttle.answered(key.unwrap(), true);
        Ok(())
    }

    #[test]
    fn a_client_over_the_limit_waits_out_the_minute_and_others_do_not() {
        let throttle = Throttle::new(3);
        let (guesser, other) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let start = Instant::now();
        for _ in 0..3 {
            fail(&throttle, guesser, start).unwrap();
        }
        let wait = throttle
            .admit(guesser, start + Duration::from_secs(10))
            .unwrap_err();
        assert_eq!(wait, Duration::from_secs(50));
        assert!(throttle.admit(other, start).is_ok());
        assert!(
            throttle.admit(guesser, start + WINDOW).is_ok(),
            "a new minute"
        );
    }

    #[test]
    fn requests_under_way_hold_places_so_a_burst_cannot_overshoot() {
        let throttle = Throttle::new(3);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let now = Instant::now();
        let admitted: Vec<_> = (0..10)
            .filter_map(|_| throttle.admit(ip, now).ok())
            .collect();
        assert_eq!(admitted.len(), 3, "only the limit is let in at once");
        for key in admitted {
            throttle.answered(key.unwrap(), false);
        }
        assert!(
            throttle.admit(ip, now).is_ok(),
            "successes free their places"
        );
    }

    #[test]
    fn an_ipv6_host_counts_as_its_slash_64() {
        let throttle = Throttle::new(2);
        let start = Instant::now();
        fail(&throttle, "2001:db8::1".parse().unwrap(), start).unwrap();
        fail(&throttle, "2001:db8::2".parse().unwrap(), start).unwrap();
        assert!(
            throttle
                .admit("2001:db8::ffff".parse().unwrap(), start)
                .is_err()
        );
        assert!(
            throttle
                .admit("2001:db8:0:1::1".parse().unwrap(), start)
                .is_ok()
        );
    }

    #[test]
    fn zero_turns_it_off_and_only_guesses_count() {
        let throttle = Throttle::new(0);
        let ip = "10.0.0.1".parse().unwrap();
        assert_eq!(throttle.admit(ip, Instant::now()), Ok(None));
        assert!(is_guess("/api/v1/pauses", StatusCode::UNAUTHORIZED));
        assert!(is_guess("/r/abc", StatusCode::NOT_FOUND));
        assert!(!is_guess("/api/v1/pauses/pau_x", StatusCode::NOT_FOUND));
        assert!(!is_guess("/r/abc", StatusCode::CONFLICT));
    }
}
