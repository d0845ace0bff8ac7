//! A webhook receiver that counts what it gets: every request, each
//! distinct `Pausegate-Delivery` id, the repeats, and when the first and
//! the latest arrived. `GET /stats` reports them.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use serde_json::{Value, json};

/// `sink`: receive webhooks.
#[derive(clap::Args)]
pub(crate) struct SinkArgs {
    #[arg(long, default_value = "127.0.0.1:18099")]
    listen: String,
}

#[derive(Default)]
struct Seen {
    ids: HashSet<String>,
    received: u64,
    first: Option<Instant>,
    last: Option<Instant>,
}

type Shared = Arc<Mutex<Seen>>;

pub(crate) async fn run(args: SinkArgs) -> anyhow::Result<()> {
    let seen = Shared::default();
    let app = axum::Router::new()
        .route("/hook", post(receive))
        .route("/stats", get(stats))
        .with_state(seen);
    let listener = tokio::net::TcpListener::bind(&args.listen).await?;
    println!("{}", json!({"sink": args.listen}));
    axum::serve(listener, app).await?;
    Ok(())
}

async fn receive(State(seen): State<Shared>, headers: HeaderMap) -> Json<Value> {
    let id = headers
        .get("pausegate-delivery")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let mut seen = seen.lock().expect("sink lock");
    let now = Instant::now();
    seen.first.get_or_insert(now);
    seen.last = Some(now);
    seen.received += 1;
    seen.ids.insert(id);
    Json(json!({"ok": true}))
}

async fn stats(State(seen): State<Shared>) -> Json<Value> {
    let seen = seen.lock().expect("sink lock");
    let span = match (seen.first, seen.last) {
        (Some(first), Some(last)) => (last - first).as_secs_f64(),
        _ => 0.0,
    };
    Json(json!({
        "received": seen.received,
        "distinct": seen.ids.len(),
        "duplicates": seen.received - seen.ids.len() as u64,
        "span_seconds": span,
    }))
}
