//! Stopping on SIGINT (Ctrl-C) or SIGTERM, for long-running commands.

/// Completes on the first SIGINT or SIGTERM. Without signal handlers it never completes: the
/// command still runs, it just cannot stop cleanly.
pub async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}
