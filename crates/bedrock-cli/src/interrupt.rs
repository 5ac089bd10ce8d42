//! Ctrl-C, seen once for the whole process: a listener installed at the start of a command
//! records it, so an interrupt that arrives while the command is busy elsewhere (writing a
//! token, between two awaits) is not lost, as it would be with a fresh `ctrl_c()` per await.

use std::sync::OnceLock;

use tokio::sync::watch;

static INTERRUPTED: OnceLock<watch::Receiver<bool>> = OnceLock::new();

/// Starts listening for Ctrl-C (idempotent). Call it inside the runtime, before the work that
/// Ctrl-C should stop.
pub fn listen() {
    INTERRUPTED.get_or_init(|| {
        let (tx, rx) = watch::channel(false);
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                let _ = tx.send(true);
            }
            // Keep the sender: a dropped one would look like an interrupt to the waiters, and
            // where signals cannot be listened to nothing ever interrupts.
            std::future::pending::<()>().await;
        });
        rx
    });
}

/// Resolves once Ctrl-C has been pressed (at once if it already was).
pub async fn interrupted() {
    listen();
    let Some(rx) = INTERRUPTED.get() else {
        return std::future::pending().await;
    };
    let mut rx = rx.clone();
    if rx.wait_for(|pressed| *pressed).await.is_err() {
        std::future::pending::<()>().await;
    }
}
