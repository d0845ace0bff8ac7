//! `pausegate serve`: load settings, start the server, stop cleanly on
//! SIGINT or SIGTERM. A first run on the embedded defaults gets an API key
//! of its own (`config::provide_local_key`), shown here once.

use std::process::ExitCode;
use std::sync::Arc;

use crate::clock::SystemClock;
use crate::config::{Env, LocalKey, ServeArgs, Settings, provide_local_key};
use crate::server::Server;
use crate::telemetry;

/// Runs the server until a signal; 0 on a clean stop, 1 on a failure.
pub(crate) async fn run(args: ServeArgs) -> ExitCode {
    telemetry::init();
    let mut settings = match Settings::load(args, &Env::Process) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let local_key = match provide_local_key(&mut settings) {
        Ok(local_key) => local_key,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    for warning in settings.warnings() {
        tracing::warn!("{warning}");
    }
    let result = async {
        let server = Server::bind(&settings, Arc::new(SystemClock)).await?;
        if let Some(local_key) = &local_key {
            println!("{}", key_notice(local_key, server.local_addr()));
        }
        server.run(shutdown_signal()).await
    }
    .await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// How to use the first run's key; printed, not logged, so it shows
/// whatever the log level. The key itself is shown only when it was made.
fn key_notice(local_key: &LocalKey, addr: std::net::SocketAddr) -> String {
    match local_key {
        LocalKey::Generated { path, key } => format!(
            "No API key was configured, so this loopback-only server made one and stored it in \
             {} (readable by you only; reused on the next start). It is shown this once; \
             use it like this:\n  export PAUSEGATE_URL=http://{addr} PAUSEGATE_API_KEY={}\n  \
             pausegate list   # or: curl -H \"Authorization: Bearer $PAUSEGATE_API_KEY\" \
             $PAUSEGATE_URL/api/v1/pauses",
            path.display(),
            key.expose(),
        ),
        LocalKey::Reused { path } => format!(
            "Using the API key made on the first start, stored in {0}:\n  \
             export PAUSEGATE_URL=http://{addr} PAUSEGATE_API_KEY=\"$(cat {0})\"",
            path.display(),
        ),
    }
}

/// Resolves on the first SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        tokio::signal::ctrl_c().await.ok();
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}
