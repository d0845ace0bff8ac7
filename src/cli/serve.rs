//! `pausegate serve`: load settings, start the server, stop cleanly on
//! SIGINT or SIGTERM.

use std::process::ExitCode;
use std::sync::Arc;

use crate::clock::SystemClock;
use crate::config::{Env, ServeArgs, Settings};
use crate::server::Server;
use crate::telemetry;

/// Runs the server until a signal; 0 on a clean stop, 1 on a failure.
pub async fn run(args: ServeArgs) -> ExitCode {
    telemetry::init();
    let settings = match Settings::load(args, &Env::Process) {
        Ok(settings) => settings,
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
