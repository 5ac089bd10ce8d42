//! Terminal or pipe: a spinner and a usage line for people, plain text for pipes.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Whether standard output and standard error are terminals.
#[derive(Debug, Clone, Copy)]
pub struct Terminal {
    pub stdout: bool,
    pub stderr: bool,
}

impl Terminal {
    pub fn detect() -> Self {
        Terminal {
            stdout: std::io::stdout().is_terminal(),
            stderr: std::io::stderr().is_terminal(),
        }
    }

    /// A spinner on standard error until the first token, only when a person is watching.
    pub fn spinner(&self) -> Spinner {
        Spinner::start(self.stderr && self.stdout)
    }
}

/// Spins on standard error until stopped; does nothing when disabled.
pub struct Spinner {
    running: Option<Arc<AtomicBool>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Spinner {
    fn start(enabled: bool) -> Self {
        if !enabled {
            return Spinner {
                running: None,
                task: None,
            };
        }
        let running = Arc::new(AtomicBool::new(true));
        let flag = running.clone();
        let task = tokio::spawn(async move {
            const FRAMES: [&str; 4] = ["|", "/", "-", "\\"];
            let mut i = 0;
            while flag.load(Ordering::Relaxed) {
                eprint!("\r{} ", FRAMES[i % FRAMES.len()]);
                let _ = std::io::stderr().flush();
                i += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        Spinner {
            running: Some(running),
            task: Some(task),
        }
    }

    /// Stops and erases the spinner (idempotent).
    pub fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            running.store(false, Ordering::Relaxed);
            if let Some(task) = self.task.take() {
                task.abort();
            }
            eprint!("\r  \r");
            let _ = std::io::stderr().flush();
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.stop();
    }
}
