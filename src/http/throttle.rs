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

/// Failures per client in the current window.
pub struct Throttle {
    limit: u32,
    failures: Mutex<Failures>,
}

#[derive(Default)]
struct Failures {
    by_client: HashMap<IpAddr, (Instant, u32)>,
    last_pruned: Option<Instant>,
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
            failures: Mutex::new(Failures::default()),
        }
    }

    /// How long `ip` must wait, if it is over the limit now.
    fn blocked_for(&self, ip: IpAddr, now: Instant) -> Option<Duration> {
        if self.limit == 0 {
            return None;
        }
        let failures = self.failures.lock().expect("throttle lock poisoned");
        let (started, count) = failures.by_client.get(&client_key(ip))?;
        let elapsed = now.duration_since(*started);
        (elapsed < WINDOW && *count >= self.limit).then(|| WINDOW - elapsed)
    }

    /// Counts one failure for `ip`.
    fn record_failure(&self, ip: IpAddr, now: Instant) {
        if self.limit == 0 {
            return;
        }
        let mut failures = self.failures.lock().expect("throttle lock poisoned");
        let due = failures
            .last_pruned
            .is_none_or(|at| now.duration_since(at) >= Duration::from_secs(1));
        if failures.by_client.len() > PRUNE_ABOVE && due {
            failures
                .by_client
                .retain(|_, (started, _)| now.duration_since(*started) < WINDOW);
            failures.last_pruned = Some(now);
            if failures.by_client.len() > MAX_TRACKED {
                failures.by_client.clear();
            }
        }
        let entry = failures.by_client.entry(client_key(ip)).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        entry.1 += 1;
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
pub async fn limit_failures(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let Some(ip) = ip else {
        return next.run(request).await;
    };
    let now = Instant::now();
    let path = request.uri().path().to_owned();
    if let Some(wait) = state.throttle.blocked_for(ip, now)
        && !always_allowed(&state, &request, &path)
    {
        return too_many(wait);
    }
    let response = next.run(request).await;
    if is_guess(&path, response.status()) {
        state.throttle.record_failure(ip, now);
    }
    response
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
    header.is_some() && state.api_key.check(header).is_ok()
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

    #[test]
    fn a_client_over_the_limit_waits_out_the_minute_and_others_do_not() {
        let throttle = Throttle::new(3);
        let (guesser, other) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(throttle.blocked_for(guesser, start), None);
            throttle.record_failure(guesser, start);
        }
        let wait = throttle
            .blocked_for(guesser, start + Duration::from_secs(10))
            .unwrap();
        assert_eq!(wait, Duration::from_secs(50));
        assert_eq!(throttle.blocked_for(other, start), None);
        assert_eq!(
            throttle.blocked_for(guesser, start + WINDOW),
            None,
            "a new minute"
        );
    }

    #[test]
    fn an_ipv6_host_counts_as_its_slash_64() {
        let throttle = Throttle::new(2);
        let start = Instant::now();
        throttle.record_failure("2001:db8::1".parse().unwrap(), start);
        throttle.record_failure("2001:db8::2".parse().unwrap(), start);
        assert!(
            throttle
                .blocked_for("2001:db8::ffff".parse().unwrap(), start)
                .is_some()
        );
        assert!(
            throttle
                .blocked_for("2001:db8:0:1::1".parse().unwrap(), start)
                .is_none()
        );
    }

    #[test]
    fn zero_turns_it_off_and_only_guesses_count() {
        let throttle = Throttle::new(0);
        let ip = "10.0.0.1".parse().unwrap();
        throttle.record_failure(ip, Instant::now());
        assert_eq!(throttle.blocked_for(ip, Instant::now()), None);
        assert!(is_guess("/api/v1/pauses", StatusCode::UNAUTHORIZED));
        assert!(is_guess("/r/abc", StatusCode::NOT_FOUND));
        assert!(!is_guess("/api/v1/pauses/pau_x", StatusCode::NOT_FOUND));
        assert!(!is_guess("/r/abc", StatusCode::CONFLICT));
    }
}
