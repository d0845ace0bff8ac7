//! Logs and metrics. Logs: human-readable lines on standard output,
//! filtered by `RUST_LOG` (default `info`), each prefixed with the spans it
//! was logged in: `request{id method route path}` for a request (see
//! `http::logging`) and `delivery{id kind destination attempt}` for a
//! delivery attempt (see `outbox`), so a line names what it belongs to
//! without repeating fields. Nothing logged anywhere carries a token, an
//! API key or a request body. Metrics: a
//! Prometheus registry shared by the process, rendered at `GET /metrics`;
//! labels never carry ids or tokens, only routes, kinds and outcomes.

use std::io::IsTerminal;
use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

/// Seconds; for request durations.
const DURATION_BUCKETS: &[f64] = &[
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// Installs the global log subscriber; later calls do nothing.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::stdout().is_terminal())
        .try_init();
}

/// The process's metrics registry, installed on first use.
pub fn metrics() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Suffix("_duration_seconds".to_owned()),
                DURATION_BUCKETS,
            )
            .expect("the duration buckets are not empty");
        match builder.install_recorder() {
            Ok(handle) => {
                describe();
                handle
            }
            // Another recorder owns the process (an embedding program):
            // serve an empty registry rather than fail.
            Err(_) => PrometheusBuilder::new().build_recorder().handle(),
        }
    })
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "pausegate_http_requests_total",
        "HTTP requests answered, by route and status"
    );
    describe_histogram!(
        "pausegate_http_request_duration_seconds",
        "Time to answer an HTTP request"
    );
    describe_counter!(
        "pausegate_pauses_created_total",
        "Pauses created (idempotent replays not counted)"
    );
    describe_counter!(
        "pausegate_pauses_settled_total",
        "Pauses that left pending, by final state and how"
    );
    describe_counter!(
        "pausegate_deliveries_total",
        "Delivery attempts by kind and outcome"
    );
    describe_gauge!("pausegate_pauses", "Stored pauses by state");
    describe_gauge!(
        "pausegate_waiting_requests",
        "Long polls (wait requests) waiting now"
    );
    describe_gauge!(
        "pausegate_deliveries",
        "Stored deliveries by kind and state"
    );
}
